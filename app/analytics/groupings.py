"""Groupings and the league table: the figures per county, chain, region, method or
leader in one statement, each number linking to its projects; and the largest projects."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor
from app.analytics.lights import Rules, light_columns, warning_rules
from app.analytics.links import drill_down, statuses_within, warnings_href
from app.analytics.periods import Period
from app.analytics.schemas import BreakdownRow, LeagueRow
from app.analytics.sql import REACHED_FIGURES, SIGNED, STARTED, count_if, money, scoped, sum_if
from app.db import utcnow
from app.lookups.models import Chain, County, Method, Region
from app.projects.models import FundsEntry, Project, reached_on
from app.projects.queries import advanced_within, filter_clauses, select_rows
from app.projects.schemas import ProjectFilters
from app.projects.service import LIVE_STATUSES
from app.projects.stages import Status

TOP_LIMIT = 10
DIMENSIONS = ("county", "chain", "region", "method", "leader")
_DIMENSION_COLUMNS = {"county": ("county_code", County), "chain": ("chain_code", Chain),
                      "region": ("region_code", Region), "method": ("method_code", Method),
                      "leader": ("leader_id", User)}
_DIMENSION_FILTERS = {"county": "county", "chain": "chain", "region": "region",
                      "method": "method", "leader": "leader_id"}


def facts(where: list[Any], *, period: Period | None = None, rules: Rules | None = None,
          now: datetime | None = None) -> Any:
    """Projects in scope, one row each, with what the groupings ask of them: the first days
    it reached signing, contract, groundbreaking, production and 达效; with a period,
    whether it was first reported in it (the list's own rule) and whether it converted in it
    (first reached a further stage); with rules, its light. One pass over the project rows."""
    columns: list[Any] = [
        Project.id, Project.stage, Project.status, Project.total_investment,
        Project.agreed_amount, Project.county_code, Project.chain_code, Project.region_code,
        Project.method_code, Project.leader_id, Project.first_reported_at,
        Project.planned_groundbreaking_on, reached_on(SIGNED).label("signed_on"),
        reached_on(STARTED).label("started_on"),
        *(reached_on(stage).label(f"{key}_on") for key, stage in REACHED_FIGURES.items()),
    ]
    query = select().select_from(Project)
    if period is not None:
        columns.append(sa.case((advanced_within(period.start, period.end), 1), else_=0)
                       .label("advanced"))
        reported = filter_clauses(ProjectFilters(reported_from=period.start,
                                                 reported_to=period.end))
        columns.append(sa.case((sa.and_(*reported), 1), else_=0).label("reported"))
    if rules is not None:
        light = light_columns(rules, now or utcnow())["light"]
        columns.append(sa.case((Project.status == Status.active.value, light)).label("light"))
    return query.add_columns(*columns).where(*where)


@dataclass(frozen=True)
class Groups:
    rows: dict[str, list[BreakdownRow]]
    league: list[LeagueRow]
    funds: dict[str, Decimal]  # funds in place in the period, by county code
    funds_projects: dict[str, int]  # how many projects those funds came to, by county code


def groups(session: Session, actor: Actor, filters: ProjectFilters, period: Period,
           dimensions: list[str], *, rules: Rules | None = None,
           now: datetime | None = None) -> Groups:
    """Per county, chain, region, method or leader (several at once, one statement: the
    facts are a CTE grouped once per dimension and the groups joined with UNION ALL): live
    projects and their Σ total investment; signed, signed amount and groundbreakings in the
    period; projects moved forward in it; red and yellow lights; funds in place in it.
    Sorted by signed amount; each number links to its projects."""
    now = now or utcnow()
    rules = rules or warning_rules(session)
    fact = facts(scoped(actor, filters, now=now), period=period, rules=rules,
                 now=now).cte("fact")
    live = fact.c.status.in_(LIVE_STATUSES)
    signed = sa.and_(fact.c.signed_on >= period.start, fact.c.signed_on <= period.end)
    started = sa.and_(fact.c.started_on >= period.start, fact.c.started_on <= period.end)
    planned = sa.and_(fact.c.planned_groundbreaking_on >= period.start,
                      fact.c.planned_groundbreaking_on <= period.end)
    aggregates = [
        count_if(live).label("projects"),
        sum_if(live, fact.c.total_investment).label("total"),
        count_if(signed).label("signed"),
        sum_if(signed, fact.c.agreed_amount).label("signed_amount"),
        count_if(started).label("started"),
        count_if(fact.c.advanced == 1).label("conversions"),
        count_if(fact.c.light == "red").label("red"),
        count_if(fact.c.light == "yellow").label("yellow"),
        count_if(fact.c.reported == 1).label("new_projects"),
        *(count_if(sa.and_(fact.c[f"{key}_on"] >= period.start,
                           fact.c[f"{key}_on"] <= period.end)).label(key)
          for key in REACHED_FIGURES),
        count_if(planned).label("planned_starts"),
        count_if(sa.and_(planned, fact.c.started_on.is_not(None))).label("planned_started"),
    ]
    branches = []
    for dimension in dict.fromkeys(dimensions):
        column_name, table = _DIMENSION_COLUMNS[dimension]
        key = getattr(fact.c, column_name)
        # Group first, then look up the names of the few groups (not of every project).
        group = select(key.label("key"), *aggregates).group_by(key).subquery(f"by_{dimension}")
        if table is User:
            names = [User.display_name, User.display_name, User.title]
            join_on = User.id == group.c.key
        else:
            names = [table.name, table.name_en, sa.cast(sa.null(), sa.String)]
            join_on = table.code == group.c.key
        branches.append(
            select(sa.literal(dimension).label("dim"),
                   sa.cast(group.c.key, sa.String).label("key"),
                   names[0].label("name"), names[1].label("name_en"), names[2].label("title"),
                   *(group.c[a.name] for a in aggregates))
            .select_from(group).outerjoin(table, join_on))
    union = sa.union_all(*branches).subquery("grouped")
    found = session.execute(
        # The "none" row (no leader, no chain...) last on every database (SQLite sorts NULL
        # first, PostgreSQL last).
        select(union).order_by(union.c.dim, sa.case((union.c.key.is_(None), 1), else_=0),
                               func.coalesce(union.c.signed_amount, 0).desc(),
                               union.c.projects.desc(), union.c.key)).all()
    live_status = statuses_within(filters, LIVE_STATUSES)
    in_period = dict(reached_from=period.start, reached_to=period.end)
    result: dict[str, list[BreakdownRow]] = {d: [] for d in dimensions}
    league_rows: list[LeagueRow] = []
    funds: dict[str, Decimal] = {}
    funds_projects: dict[str, int] = {}
    if "county" in dimensions:
        # Funds in place in the period by county, and how many projects they came to: a
        # small table, joined to its projects.
        for county, amount, projects in session.execute(
                select(Project.county_code, func.sum(FundsEntry.amount),
                       func.count(sa.distinct(FundsEntry.project_id)))
                .join(Project, Project.id == FundsEntry.project_id)
                .where(*scoped(actor, filters, now=now), FundsEntry.on_date >= period.start,
                       FundsEntry.on_date <= period.end)
                .group_by(Project.county_code)):
            funds[county], funds_projects[county] = money(amount), int(projects)
    for row in found:
        if row.key is None:
            narrowed = filters.model_copy(update={"needs_leader": True})
        else:
            value = int(row.key) if row.dim == "leader" else row.key
            narrowed = filters.model_copy(update={_DIMENSION_FILTERS[row.dim]: value})
        hrefs = {k: v for k, v in {
            "projects": drill_down(narrowed, row.projects, status=live_status),
            "signed": drill_down(narrowed, row.signed, reached=SIGNED.value, **in_period),
            "signed_amount": drill_down(narrowed, row.signed, reached=SIGNED.value,
                                        money_sum="agreed", **in_period),
            "groundbreaking": drill_down(narrowed, row.started, reached=STARTED.value, **in_period),
            "conversions": drill_down(narrowed, row.conversions, advanced_from=period.start,
                                 advanced_to=period.end),
            "red": warnings_href(narrowed, "red") if row.red else None,
            "yellow": warnings_href(narrowed, "yellow") if row.yellow else None,
        }.items() if v}
        result[row.dim].append(BreakdownRow(
            code=row.key, name=row.name or "--", name_en=row.name_en or "--",
            projects=int(row.projects), total_investment=money(row.total),
            signed=int(row.signed), signed_amount=money(row.signed_amount),
            groundbreaking=int(row.started), new_projects=int(row.new_projects),
            contracts=int(row.contracts), production=int(row.production),
            achieved=int(row.achieved), planned_starts=int(row.planned_starts),
            planned_started=int(row.planned_started), hrefs=hrefs))
        if row.dim == "leader" and row.key is not None:
            league_rows.append(LeagueRow(
                leader_id=int(row.key), name=row.name, title=row.title,
                projects=int(row.projects), signed=int(row.signed),
                signed_amount=money(row.signed_amount), conversions=int(row.conversions),
                red=int(row.red), yellow=int(row.yellow), hrefs=hrefs))
    league_rows.sort(key=lambda r: (-r.signed_amount, -r.conversions, r.name))
    return Groups(rows=result, league=league_rows, funds=funds, funds_projects=funds_projects)


def breakdown(session: Session, actor: Actor, filters: ProjectFilters, dimension: str,
              period: Period, now: datetime | None = None) -> list[BreakdownRow]:
    """One dimension's rows (see `groups`)."""
    return groups(session, actor, filters, period, [dimension], now=now).rows[dimension]


def top_projects(session: Session, actor: Actor, filters: ProjectFilters, *,
                 limit: int = TOP_LIMIT, now: datetime | None = None) -> list[Any]:
    """The largest live projects by planned total investment."""
    where = [*scoped(actor, filters, now=now), Project.status.in_(LIVE_STATUSES)]
    order = (Project.total_investment.desc(), Project.id)
    top = select(Project.id).where(*where).order_by(*order).limit(limit).subquery("top")
    return list(session.execute(select_rows(actor).join(top, top.c.id == Project.id)
                                .order_by(*order)).all())
