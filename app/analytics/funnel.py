"""The funnel and the period's totals: how many projects stand at and reached each stage,
the key figures and rates of a year or quarter, the monthly trend and the count of each
light, from one grouped pass over the projects in scope."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.analytics.lights import LIGHTS, Rules, light_columns, warning_rules
from app.analytics.links import drill_down, statuses_within
from app.analytics.periods import Period, months_of
from app.analytics.schemas import FunnelRow, Rate, TrendPoint
from app.analytics.sql import (
    REACHED_FIGURES,
    SIGNED,
    STARTED,
    ZERO,
    count_if,
    money,
    ratio,
    reached_in,
    scoped,
    sum_if,
)
from app.db import Money, utcnow
from app.i18n import _
from app.projects.models import FundsEntry, Project, reached_on
from app.projects.queries import filter_clauses
from app.projects.schemas import ProjectFilters
from app.projects.service import LIVE_STATUSES
from app.projects.stages import STAGE_ORDER, Stage, Status

FUNNEL_COLUMNS = 2 + len(STAGE_ORDER)  # count, Σ total, then how many reached each stage


class StageCounts:
    """The projects in scope counted per stage and status in ONE grouped statement (at most
    21 rows, read in the order of ix_project_cockpit, so no sort): count, Σ total
    investment, how many reached each stage, then any `extra` aggregates. The funnel of the
    API and of the cockpit page both come from here."""

    def __init__(self, session: Session, where: list[Any], extra: list[Any] = ()) -> None:
        self.rows = {(row[0], row[1]): row[2:] for row in session.execute(
            select(Project.stage, Project.status, func.count(),
                   func.sum(Project.total_investment),
                   *(func.count(reached_on(stage)) for stage in STAGE_ORDER), *extra)
            .where(*where).group_by(Project.stage, Project.status))}

    def summed(self, index: int, stage: str | None = None,
               statuses: tuple[str, ...] = ()) -> Any:
        """Column `index` summed over the rows of `stage` and `statuses` (None: all)."""
        present = [v[index] for (st, status), v in self.rows.items()
                   if (stage is None or st == stage) and (not statuses or status in statuses)
                   and v[index] is not None]
        return sum(present) if present else None

    def extra(self, index: int) -> Any:
        return self.summed(FUNNEL_COLUMNS + index)

    def funnel(self) -> list[FunnelRow]:
        rows: list[FunnelRow] = []
        previous: int | None = None
        for stage in STAGE_ORDER:
            reached = int(self.summed(2 + stage.rank - 1) or 0)
            rows.append(FunnelRow(
                stage=stage.value,
                count=int(self.summed(0, stage.value, LIVE_STATUSES) or 0),
                terminated=int(self.summed(0, stage.value, (Status.terminated.value,)) or 0),
                reached=reached,
                total_investment=money(self.summed(1, stage.value, LIVE_STATUSES)),
                conversion_from_previous=None if previous is None else ratio(reached,
                                                                             previous),
            ))
            previous = reached
        return rows


def funnel(session: Session, actor: Actor, filters: ProjectFilters, *,
           cohort_from: date | None = None, cohort_to: date | None = None,
           now: datetime | None = None) -> list[FunnelRow]:
    """Seven rows in stage order, in one statement (docs/api.md, "The funnel").
    The cohort is the projects first reported within [cohort_from, cohort_to]."""
    return StageCounts(session, scoped(actor, in_cohort(filters, cohort_from, cohort_to),
                                       now)).funnel()


def in_cohort(filters: ProjectFilters, start: date | None, end: date | None) -> ProjectFilters:
    """The filters narrowed to the projects first reported within [start, end] (either end
    open), as the list's own `reported_from` / `reported_to` count them."""
    update: dict[str, date] = {}
    if start is not None:
        update["reported_from"] = max(start, filters.reported_from or start)
    if end is not None:
        update["reported_to"] = min(end, filters.reported_to or end)
    return filters.model_copy(update=update)


@dataclass(frozen=True)
class FunnelLinks:
    count: str | None
    terminated: str | None
    reached: str | None


def funnel_links(filters: ProjectFilters, rows: list[FunnelRow]) -> dict[str, FunnelLinks]:
    """For each stage, the list of exactly the projects behind each number."""
    live = statuses_within(filters, LIVE_STATUSES)
    ended = statuses_within(filters, (Status.terminated.value,))
    return {
        row.stage: FunnelLinks(
            count=drill_down(filters, row.count, stage=[row.stage], status=live),
            terminated=drill_down(filters, row.terminated, stage=[row.stage], status=ended),
            reached=drill_down(filters, row.reached, reached=row.stage),
        )
        for row in rows
    }


@dataclass(frozen=True)
class Kpis:
    new_projects: int
    signed_projects: int
    signed_amount: Decimal
    groundbreakings: int
    funds_in_place: Decimal
    contracts: int = 0  # first reached contract in the period
    production: int = 0  # first reached production in the period
    achieved: int = 0  # first reached 达效 in the period
    planned_starts: int = 0  # planned to break ground in the period (开工率's divisor)
    planned_started: int = 0  # of those, started (its dividend)
    funds_projects: int = 0  # the projects with funds in place in the period
    hrefs: dict[str, str | None] = field(default_factory=dict)

    @property
    def start_rate(self) -> Decimal | None:
        """开工率, as the cockpit's rate shows it."""
        return ratio(self.planned_started, self.planned_starts)


@dataclass(frozen=True)
class Totals:
    """What one pass over the projects in scope answers: the funnel, the period's key figures,
    the rates' parts, the monthly trend of the period's year and the count of each light."""

    funnel: list[FunnelRow]
    kpis: Kpis
    rates: list[Rate]
    trend: list[TrendPoint]
    trend_links: dict[str, str]
    lights: dict[str, int]


def totals(session: Session, actor: Actor, filters: ProjectFilters, period: Period, *,
           rules: Rules | None = None, now: datetime | None = None) -> Totals:
    """Funnel, key figures, rates, trend and lights in three statements.

    Key figures: new (first reported in the period), signed (first reached signing in the
    period) with their agreed amounts, contracts, groundbreakings, production and 达效
    (each first reached in it), 开工率's parts, funds in place dated in it. Rates:
    签约率 signed / leads, 履约率 contracts / signed, 开工率 started / planned to start in
    the period, 投产率, 达效率, 资金到位率 funds by the period's end / agreed amounts of
    the signed projects.

    1. Per stage and status (`StageCounts`): the funnel, the lights, new, planned, and the
       contracts, production and 达效 of the period.
    2. Per month of the period's year, the first signings and groundbreakings.
    3. The funds in place of the projects in scope (a small table)."""
    now = now or utcnow()
    rules = rules or warning_rules(session)
    where = scoped(actor, filters, now=now)
    start, end = period.start, period.end
    active = Project.status == Status.active.value
    light = light_columns(rules, now)["light"]
    planned = sa.and_(Project.planned_groundbreaking_on >= start,
                      Project.planned_groundbreaking_on <= end)
    # The list's own rule, so the figure and its drill-down (reported_from/to) agree.
    reported = sa.and_(*filter_clauses(ProjectFilters(reported_from=start, reported_to=end)))
    counts = StageCounts(session, where, [
        *(count_if(sa.and_(active, light == name)) for name in LIGHTS),
        count_if(reported), count_if(planned),
        count_if(sa.and_(planned, reached_on(STARTED).is_not(None))),
        sum_if(_funds_base(end), Project.agreed_amount), count_if(_funds_base(end)),
        *(count_if(reached_in(stage, start, end)) for stage in REACHED_FIGURES.values())])
    rows = counts.funnel()
    lights = {name: int(counts.extra(index) or 0) for index, name in enumerate(LIGHTS)}
    new_count, planned_count, planned_started = (int(counts.extra(i) or 0) for i in (3, 4, 5))
    agreed = money(counts.extra(6))
    funds_base_count = int(counts.extra(7) or 0)
    reached = {key: int(counts.extra(8 + i) or 0) for i, key in enumerate(REACHED_FIGURES)}

    year_start, year_end = date(period.year, 1, 1), date(period.year, 12, 31)
    monthly = []
    for key, column, amount in (("signed", reached_on(SIGNED), Project.agreed_amount),
                                ("started", reached_on(STARTED), sa.cast(sa.null(), Money))):
        monthly.append(
            select(sa.literal(key).label("key"),
                   sa.cast(sa.extract("month", column), sa.Integer).label("month"),
                   func.count().label("n"), func.sum(amount).label("amount"))
            .where(*where, column >= year_start, column <= year_end)
            .group_by(sa.extract("month", column)))
    per_month = {(key, int(month)): (int(n), amount)
                 for key, month, n, amount in session.execute(sa.union_all(*monthly))}
    in_months = range(start.month, end.month + 1)
    signed_count = sum(per_month.get(("signed", m), (0, None))[0] for m in in_months)
    signed_amount = sum((per_month.get(("signed", m), (0, None))[1] or ZERO
                         for m in in_months), ZERO)
    started_count = sum(per_month.get(("started", m), (0, None))[0] for m in in_months)

    funds_in, funds_to_end, funds_projects = session.execute(
        select(sum_if(FundsEntry.on_date >= start, FundsEntry.amount),
               sum_if(_funds_base(end), FundsEntry.amount),
               func.count(sa.distinct(sa.case((FundsEntry.on_date >= start,
                                               FundsEntry.project_id)))))
        .select_from(FundsEntry).join(Project, Project.id == FundsEntry.project_id)
        .where(*where, FundsEntry.on_date <= end)).one()

    kpis = Kpis(new_projects=new_count, signed_projects=signed_count,
                signed_amount=money(signed_amount), groundbreakings=started_count,
                funds_in_place=money(funds_in), **reached, planned_starts=planned_count,
                planned_started=planned_started, funds_projects=int(funds_projects or 0))
    kpis.hrefs.update(kpi_links(filters, kpis, period))
    trend, trend_links = [], {}
    for index, (first, last) in enumerate(months_of(period.year)):
        month = first.strftime("%Y-%m")
        point = TrendPoint(month, per_month.get(("signed", index + 1), (0, None))[0],
                           per_month.get(("started", index + 1), (0, None))[0])
        trend.append(point)
        for name, stage, count in (("signed", SIGNED, point.signed),
                                   ("groundbreaking", STARTED, point.groundbreaking)):
            href = drill_down(filters, count, reached=stage.value, reached_from=first,
                         reached_to=last)
            if href:
                trend_links[f"{month}:{name}"] = href
    return Totals(funnel=rows, kpis=kpis,
                  rates=_rates(filters, rows, period, planned_count, planned_started,
                               agreed, money(funds_to_end), funds_base_count),
                  trend=trend, trend_links=trend_links, lights=lights)


def kpi_links(filters: ProjectFilters, kpis: Kpis, period: Period) -> dict[str, str | None]:
    """The list behind each key figure, by Kpis field: the figure's own filters, so the
    list counts the figure (开工率: its started projects; funds in place: the projects with
    funds in the period, totalling them)."""
    in_period = dict(reached_from=period.start, reached_to=period.end)
    links = {key: drill_down(filters, getattr(kpis, key), reached=stage.value, **in_period)
             for key, stage in REACHED_FIGURES.items()}
    links.update(
        new_projects=drill_down(filters, kpis.new_projects, reported_from=period.start,
                                reported_to=period.end),
        signed_projects=drill_down(filters, kpis.signed_projects, reached=SIGNED.value,
                                   **in_period),
        signed_amount=drill_down(filters, kpis.signed_projects, reached=SIGNED.value,
                                 money_sum="agreed", **in_period),
        groundbreakings=drill_down(filters, kpis.groundbreakings, reached=STARTED.value,
                                   **in_period),
        start_rate=drill_down(filters, kpis.planned_started, reached=STARTED.value,
                              planned_from=period.start, planned_to=period.end),
        funds_in_place=drill_down(filters, kpis.funds_projects, with_funds=True,
                                  funds_from=period.start, funds_to=period.end,
                                  money_sum="funds"),
    )
    return links


# 资金到位率 (docs/figures.md): funds in place up to the period's end ÷ agreed amount, over
# the projects signed by the period's end and not terminated.
FUNDS_STATUSES = tuple(s.value for s in Status if s != Status.terminated)


def _funds_base(end: date) -> Any:
    return sa.and_(reached_on(SIGNED) <= end, Project.status != Status.terminated.value)


def _rates(filters: ProjectFilters, rows: list[FunnelRow], period: Period, planned: int,
           planned_started: int, agreed: Decimal, in_place: Decimal,
           funds_base: int) -> list[Rate]:
    reached = {row.stage: row.reached for row in rows}

    def funnel_rate(key: str, label: str, top: Stage, bottom: Stage) -> Rate:
        return Rate(key, label, reached[top.value], reached[bottom.value],
                    ratio(reached[top.value], reached[bottom.value]),
                    drill_down(filters, reached[top.value], reached=top.value),
                    drill_down(filters, reached[bottom.value], reached=bottom.value))

    planned_href = dict(planned_from=period.start, planned_to=period.end)
    # Both parts of 资金到位率 are sums over the same projects: one list shows both.
    funds_list = drill_down(filters, funds_base, reached=SIGNED.value, reached_to=period.end,
                            status=statuses_within(filters, FUNDS_STATUSES),
                            funds_to=period.end, money_sum="agreed,funds")
    return [
        funnel_rate("signing", _("Signing rate"), Stage.signed, Stage.contact),
        funnel_rate("contract", _("Contract rate"), Stage.contract, Stage.signed),
        Rate("start", _("Groundbreaking rate"), planned_started, planned,
             ratio(planned_started, planned),
             drill_down(filters, planned_started, reached=STARTED.value, **planned_href),
             drill_down(filters, planned, **planned_href)),
        funnel_rate("production", _("Production rate"), Stage.production, Stage.groundbreaking),
        funnel_rate("achieved", _("Achievement rate"), Stage.achieved, Stage.production),
        Rate("funds", _("Funds-in-place rate"), in_place, agreed, ratio(in_place, agreed),
             funds_list, funds_list),
    ]
