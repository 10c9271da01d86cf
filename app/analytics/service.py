"""The cockpit's figures, each computed in SQL from the projects and their milestones.

Every read takes the acting user and starts from `visible(actor)`, then the list's own
`filter_clauses`, so a figure and the project list it links to select the same rows.
Each figure costs a fixed number of statements whatever the data size: grouping and
window functions common to SQLite and PostgreSQL, never a Python loop over projects.
Loops below run over the seven stages, twelve months or a page of rows, to shape answers.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor, Permission
from app.analytics.cache import FiguresCache
from app.analytics.models import DEFAULT_RULES, FundsEntry, Target, WarningRule
from app.analytics.schemas import (
    METRIC_LABELS,
    MONEY_METRICS,
    TARGET_YEARS,
    BreakdownRow,
    FundsEntryIn,
    FunnelRow,
    LeagueRow,
    Metric,
    Rate,
    StageTiming,
    TargetIn,
    TargetProgress,
    TrendPoint,
    WarningRulesIn,
)
from app.audit.service import record
from app.clock import local_date
from app.config import get_settings
from app.db import Money, utcnow
from app.errors import FieldProblem, PermissionDenied, ValidationFailed
from app.i18n import _
from app.inputs import AMOUNT_FORMAT
from app.lookups.models import Chain, County, Method, Region
from app.projects.models import Project, reached_on
from app.projects.queries import advanced_within, filter_clauses, select_rows
from app.projects.schemas import ProjectFilters
from app.projects.service import LIVE_STATUSES, ensure_can_change, get_project, visible
from app.projects.stages import STAGE_ORDER, Stage, Status

RATE_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")
SIGNED = Stage.signed
STARTED = Stage.groundbreaking
SLOWEST_PER_STAGE = 5
TOP_LIMIT = 10
DIMENSIONS = ("county", "chain", "region", "method", "leader")


# --- shared pieces ---------------------------------------------------------------------------

def stage_rank(column: Any) -> Any:
    """1 for contact … 7 for achieved, as SQL."""
    return sa.case({s.value: s.rank for s in STAGE_ORDER}, value=column, else_=0)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator / denominator to four places, half up; None with a zero divisor."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


def local_midnight(day: date) -> datetime:
    """The instant a local (Asia/Shanghai) day begins, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=get_settings().tz)


def cohort_clauses(cohort_from: date | None, cohort_to: date | None) -> list[Any]:
    """First contact (首报) within [from, to], both inclusive, local days."""
    clauses: list[Any] = []
    if cohort_from is not None:
        clauses.append(Project.first_reported_at >= local_midnight(cohort_from))
    if cohort_to is not None:
        clauses.append(Project.first_reported_at < local_midnight(cohort_to + timedelta(days=1)))
    return clauses


def scoped(actor: Actor, filters: ProjectFilters, cohort_from: date | None = None,
           cohort_to: date | None = None, now: datetime | None = None) -> list[Any]:
    """The where-clause every cockpit figure starts from."""
    return [visible(actor), *filter_clauses(filters, now=now),
            *cohort_clauses(cohort_from, cohort_to)]


class days_between(FunctionElement):
    """Whole days from `earlier` to `later` (two dates), on both databases."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)")


@compiles(days_between)
def _days_default(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


class greatest(FunctionElement):
    """The largest of its integer arguments: GREATEST on PostgreSQL, max(a, b, …) on SQLite."""

    type = sa.Integer()
    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


def _count_if(condition: Any, weight: Any = 1) -> Any:
    """How many rows (or, with `weight`, how many projects the counted cells hold)."""
    return func.coalesce(func.sum(sa.case((condition, weight), else_=0)), 0)


def _sum_if(condition: Any, column: Any) -> Any:
    return func.sum(sa.case((condition, column), else_=sa.null()))


def _money(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO


def facts(where: list[Any], *, period: "Period | None" = None, rules: "Rules | None" = None,
          now: datetime | None = None) -> Any:
    """Projects in scope, one row each, with what the groupings ask of them: the first days
    it reached signing and groundbreaking; with a period, whether it converted in it (first
    reached a further stage); with rules, its light. One pass over the project rows."""
    columns: list[Any] = [
        Project.id, Project.stage, Project.status, Project.total_investment,
        Project.agreed_amount, Project.county_code, Project.chain_code, Project.region_code,
        Project.method_code, Project.leader_id, Project.first_reported_at,
        Project.planned_groundbreaking_on, reached_on(SIGNED).label("signed_on"),
        reached_on(STARTED).label("started_on"),
    ]
    query = select().select_from(Project)
    if period is not None:
        columns.append(sa.case((advanced_within(period.start, period.end), 1), else_=0)
                       .label("advanced"))
    if rules is not None:
        light = light_columns(rules, now or utcnow())["light"]
        columns.append(sa.case((Project.status == Status.active.value, light)).label("light"))
    return query.add_columns(*columns).where(*where)


# --- links to the project list -----------------------------------------------------------------

def list_href(filters: ProjectFilters, **changes: Any) -> str:
    """/projects?… with exactly the filters of a figure (so the list's count is the figure)."""
    data = filters.model_dump(mode="json", exclude_defaults=True)
    for key, value in changes.items():
        if value is None or value == []:
            data.pop(key, None)
        else:
            data[key] = value.isoformat() if isinstance(value, date) else value
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
    return "/projects" + (f"?{urlencode(pairs)}" if pairs else "")


def _statuses(filters: ProjectFilters, wanted: tuple[str, ...]) -> list[str] | None:
    """The statuses a figure counts, within those the filters allow; None if none remain."""
    allowed = [s.value for s in filters.status] or [s.value for s in Status]
    kept = [s for s in wanted if s in allowed]
    return kept or None


def _link(filters: ProjectFilters, count: int, **changes: Any) -> str | None:
    """A link only where there is something to list and a filter that lists it."""
    if "status" in changes and changes["status"] is None:
        return None
    return list_href(filters, **changes) if count else None


# --- the funnel ------------------------------------------------------------------------------

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
                total_investment=_money(self.summed(1, stage.value, LIVE_STATUSES)),
                conversion_from_previous=None if previous is None else ratio(reached,
                                                                             previous),
            ))
            previous = reached
        return rows


def funnel(session: Session, actor: Actor, filters: ProjectFilters, *,
           cohort_from: date | None = None, cohort_to: date | None = None,
           now: datetime | None = None) -> list[FunnelRow]:
    """Seven rows in stage order, in one statement (see API.md, "The funnel, exactly")."""
    return StageCounts(session, scoped(actor, filters, cohort_from, cohort_to, now)).funnel()


@dataclass(frozen=True)
class FunnelLinks:
    count: str | None
    terminated: str | None
    reached: str | None


def funnel_links(filters: ProjectFilters, rows: list[FunnelRow]) -> dict[str, FunnelLinks]:
    """For each stage, the list of exactly the projects behind each number."""
    live = _statuses(filters, LIVE_STATUSES)
    ended = _statuses(filters, (Status.terminated.value,))
    return {
        row.stage: FunnelLinks(
            count=_link(filters, row.count, stage=[row.stage], status=live),
            terminated=_link(filters, row.terminated, stage=[row.stage], status=ended),
            reached=_link(filters, row.reached, reached=row.stage),
        )
        for row in rows
    }


# --- periods -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    year: int
    quarter: int  # 0: the whole year

    @property
    def start(self) -> date:
        return date(self.year, 1 if not self.quarter else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        month = 12 if not self.quarter else 3 * self.quarter
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def elapsed(self, today: date) -> Decimal:
        """Share of the period gone by today (时序进度), 0 to 1, four places."""
        if today < self.start:
            return Decimal("0.0000")
        if today >= self.end:
            return Decimal("1.0000")
        days = (self.end - self.start).days + 1
        return ratio((today - self.start).days + 1, days) or Decimal("0.0000")


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- period figures: one statement for every single-row figure -----------------------------------

@dataclass(frozen=True)
class Kpis:
    new_projects: int
    signed_projects: int
    signed_amount: Decimal
    groundbreakings: int
    funds_in_place: Decimal
    hrefs: dict[str, str | None] = field(default_factory=dict)


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


def _months(year: int) -> list[tuple[date, date]]:
    return [(date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1]))
            for m in range(1, 13)]


def totals(session: Session, actor: Actor, filters: ProjectFilters, period: Period, *,
           rules: "Rules | None" = None, now: datetime | None = None) -> Totals:
    """Funnel, key figures, rates, trend and lights in three statements.

    Key figures: new (first reported in the period), signed (first reached signing in the
    period) with their agreed amounts, groundbreakings (first started in it), funds in place
    dated in it. Rates: 签约率 signed / leads, 履约率 contracts / signed, 开工率 started /
    planned to start in the period, 投产率, 达效率, 资金到位率 funds by the period's end /
    agreed amounts of the signed projects.

    1. Per stage and status (`StageCounts`): the funnel, the lights, new and planned.
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
    reported = sa.and_(Project.first_reported_at >= local_midnight(start),
                       Project.first_reported_at < local_midnight(end + timedelta(days=1)))
    counts = StageCounts(session, where, [
        *(_count_if(sa.and_(active, light == name)) for name in LIGHTS),
        _count_if(reported), _count_if(planned),
        _count_if(sa.and_(planned, reached_on(STARTED).is_not(None))),
        _sum_if(reached_on(SIGNED).is_not(None), Project.agreed_amount)])
    rows = counts.funnel()
    lights = {name: int(counts.extra(index) or 0) for index, name in enumerate(LIGHTS)}
    new_count, planned_count, planned_started = (int(counts.extra(i) or 0) for i in (3, 4, 5))
    agreed = _money(counts.extra(6))

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

    funds_in, funds_to_end = session.execute(
        select(_sum_if(FundsEntry.on_date >= start, FundsEntry.amount),
               _sum_if(reached_on(SIGNED).is_not(None), FundsEntry.amount))
        .select_from(FundsEntry).join(Project, Project.id == FundsEntry.project_id)
        .where(*where, FundsEntry.on_date <= end)).one()

    kpis = Kpis(new_projects=new_count, signed_projects=signed_count,
                signed_amount=_money(signed_amount), groundbreakings=started_count,
                funds_in_place=_money(funds_in))
    in_period = dict(reached_from=start, reached_to=end)
    kpis.hrefs.update(
        new_projects=_link(filters, kpis.new_projects, reported_from=start, reported_to=end),
        signed_projects=_link(filters, kpis.signed_projects, reached=SIGNED.value,
                              **in_period),
        signed_amount=_link(filters, kpis.signed_projects, reached=SIGNED.value, **in_period),
        groundbreakings=_link(filters, kpis.groundbreakings, reached=STARTED.value,
                              **in_period),
    )
    trend, trend_links = [], {}
    for index, (first, last) in enumerate(_months(period.year)):
        month = first.strftime("%Y-%m")
        point = TrendPoint(month, per_month.get(("signed", index + 1), (0, None))[0],
                           per_month.get(("started", index + 1), (0, None))[0])
        trend.append(point)
        for name, stage, count in (("signed", SIGNED, point.signed),
                                   ("groundbreaking", STARTED, point.groundbreaking)):
            href = _link(filters, count, reached=stage.value, reached_from=first,
                         reached_to=last)
            if href:
                trend_links[f"{month}:{name}"] = href
    return Totals(funnel=rows, kpis=kpis,
                  rates=_rates(filters, rows, period, planned_count, planned_started,
                               agreed, _money(funds_to_end)),
                  trend=trend, trend_links=trend_links, lights=lights)


def _rates(filters: ProjectFilters, rows: list[FunnelRow], period: Period, planned: int,
           planned_started: int, agreed: Decimal, in_place: Decimal) -> list[Rate]:
    reached = {row.stage: row.reached for row in rows}

    def funnel_rate(key: str, label: str, top: Stage, bottom: Stage) -> Rate:
        return Rate(key, label, reached[top.value], reached[bottom.value],
                    ratio(reached[top.value], reached[bottom.value]),
                    _link(filters, reached[top.value], reached=top.value),
                    _link(filters, reached[bottom.value], reached=bottom.value))

    planned_href = dict(planned_from=period.start, planned_to=period.end)
    return [
        funnel_rate("signing", _("Signing rate"), Stage.signed, Stage.contact),
        funnel_rate("contract", _("Contract rate"), Stage.contract, Stage.signed),
        Rate("start", _("Groundbreaking rate"), planned_started, planned,
             ratio(planned_started, planned),
             _link(filters, planned_started, reached=STARTED.value, **planned_href),
             _link(filters, planned, **planned_href)),
        funnel_rate("production", _("Production rate"), Stage.production, Stage.groundbreaking),
        funnel_rate("achieved", _("Achievement rate"), Stage.achieved, Stage.production),
        Rate("funds", _("Funds-in-place rate"), in_place, agreed, ratio(in_place, agreed),
             None, _link(filters, reached[SIGNED.value], reached=SIGNED.value)),
    ]


def period_kpis(session: Session, actor: Actor, filters: ProjectFilters, period: Period,
                now: datetime | None = None) -> Kpis:
    return totals(session, actor, filters, period, now=now).kpis


# --- time in stage --------------------------------------------------------------------------------

def _percentiles(session: Session, samples: Any) -> dict[str, tuple[int, Decimal | None,
                                                                     Decimal | None]]:
    """Median and 75th percentile of `samples` (key, days) per key, interpolated between the
    two nearest ranks like PostgreSQL's percentile_cont. Days are whole numbers, so the
    samples are counted per value first; a running total over that short histogram finds
    the value at each rank, all in SQL."""
    hist = (select(samples.c.key, samples.c.days, func.count().label("n"))
            .group_by(samples.c.key, samples.c.days).subquery("hist"))
    running = sa.cast(func.sum(hist.c.n).over(partition_by=hist.c.key, order_by=hist.c.days),
                      sa.Integer).label("upto")
    total = sa.cast(func.sum(hist.c.n).over(partition_by=hist.c.key), sa.Integer).label("total")
    ranked = select(hist.c.key, hist.c.days, hist.c.n, running, total).subquery("ranked")

    def at_rank(rank: Any) -> Any:
        # The value whose ranks (upto - n, upto] hold `rank`: exactly one row per key.
        held = sa.and_(ranked.c.upto - ranked.c.n < rank, rank <= ranked.c.upto)
        return func.sum(sa.case((held, ranked.c.days)))

    columns: list[Any] = [ranked.c.key, func.max(ranked.c.total)]
    for a, b in ((1, 2), (3, 4)):
        position = b + a * (ranked.c.total - 1)  # the 1-based rank, times b
        low = position // b
        high = low + sa.case((position % b == 0, 0), else_=1)
        columns += [at_rank(low), at_rank(high)]
    result: dict[str, tuple[int, Decimal | None, Decimal | None]] = {}
    for key, count, m_low, m_high, q_low, q_high in session.execute(
            select(*columns).group_by(ranked.c.key)):
        count = int(count)

        def pick(low: Any, high: Any, a: int, b: int, count: int = count) -> Decimal | None:
            if low is None or high is None:
                return None
            fraction = Decimal((b + a * (count - 1)) % b) / b
            return (Decimal(low) + fraction * (Decimal(high) - Decimal(low))).quantize(
                Decimal("0.01"))

        result[key] = (count, pick(m_low, m_high, 1, 2), pick(q_low, q_high, 3, 4))
    return result


def _milestone_samples(where: list[Any], spans: list[tuple[Stage, Any, Any]]) -> Any:
    """(key, days) for each project in scope and each span (key, later, earlier milestone)
    both of whose days are set: one select per span, joined with UNION ALL."""
    return sa.union_all(*(
        select(sa.literal(key.value).label("key"), days_between(later, earlier).label("days"))
        .where(*where, later.is_not(None), earlier.is_not(None))
        for key, later, earlier in spans)).subquery("sample")


def time_in_stage(session: Session, actor: Actor, filters: ProjectFilters, *,
                  now: datetime | None = None) -> list[StageTiming]:
    """For each stage and the next: how many projects went on, and the median and 75th
    percentile of the days from first reaching the stage to first reaching the next (a
    move back and forth again counts once: the milestones are first days)."""
    where = scoped(actor, filters, now=now)
    found = _percentiles(session, _milestone_samples(
        where, [(stage, reached_on(STAGE_ORDER[stage.rank]), reached_on(stage))
                for stage in STAGE_ORDER[:-1]]))
    return [
        StageTiming(stage.value, STAGE_ORDER[stage.rank].value, *found.get(stage.value,
                                                                          (0, None, None)))
        for stage in STAGE_ORDER[:-1]
    ]


def cohort_timing(session: Session, actor: Actor, filters: ProjectFilters, *,
                  now: datetime | None = None) -> dict[str, tuple[int, Decimal | None,
                                                                  Decimal | None]]:
    """By when: days from first contact to first reaching each stage (median, p75)."""
    where = scoped(actor, filters, now=now)
    contact = reached_on(Stage.contact)
    return _percentiles(session, _milestone_samples(
        where, [(stage, reached_on(stage), contact) for stage in STAGE_ORDER[1:]]))


def slowest(session: Session, actor: Actor, filters: ProjectFilters, *,
            per_stage: int = SLOWEST_PER_STAGE, now: datetime | None = None
            ) -> dict[str, list[Any]]:
    """The active projects longest in their stage, a few per stage. Each stage's few are
    picked along ix_project_cockpit (no sort of the whole stage), the picks joined
    with UNION ALL, and only those rows joined for display: one statement."""
    where = [*scoped(actor, filters, now=now), Project.status == Status.active.value]
    picks = [select(Project.id.label("picked_id"), Project.stage_entered_on.label("since"))
             .where(*where, Project.stage == stage.value)
             .order_by(Project.stage_entered_on, Project.id).limit(per_stage)
             .subquery(f"oldest_{stage.value}")
             for stage in STAGE_ORDER]
    picked = sa.union_all(*(select(pick) for pick in picks)).subquery("picked")
    rows = session.execute(
        select_rows(actor).join(picked, picked.c.picked_id == Project.id)
        .order_by(Project.stage_entered_on, Project.id)).all()
    result: dict[str, list[Any]] = {stage.value: [] for stage in STAGE_ORDER}
    for row in rows:
        result[row.stage].append(row)
    return result


# --- breakdowns and the league table: one statement for every grouping --------------------------

_DIMENSION_COLUMNS = {"county": ("county_code", County), "chain": ("chain_code", Chain),
                      "region": ("region_code", Region), "method": ("method_code", Method),
                      "leader": ("leader_id", User)}
_DIMENSION_FILTERS = {"county": "county", "chain": "chain", "region": "region",
                      "method": "method", "leader": "leader_id"}


@dataclass(frozen=True)
class Groups:
    rows: dict[str, list[BreakdownRow]]
    league: list[LeagueRow]
    funds: dict[str, Decimal]  # funds in place in the period, by county code


def groups(session: Session, actor: Actor, filters: ProjectFilters, period: Period,
           dimensions: list[str], *, rules: "Rules | None" = None,
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
    aggregates = [
        _count_if(live).label("projects"),
        _sum_if(live, fact.c.total_investment).label("total"),
        _count_if(signed).label("signed"),
        _sum_if(signed, fact.c.agreed_amount).label("signed_amount"),
        _count_if(started).label("started"),
        _count_if(fact.c.advanced == 1).label("conversions"),
        _count_if(fact.c.light == "red").label("red"),
        _count_if(fact.c.light == "yellow").label("yellow"),
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
        select(union).order_by(union.c.dim, func.coalesce(union.c.signed_amount, 0).desc(),
                               union.c.projects.desc(), union.c.key)).all()
    live_status = _statuses(filters, LIVE_STATUSES)
    in_period = dict(reached_from=period.start, reached_to=period.end)
    result: dict[str, list[BreakdownRow]] = {d: [] for d in dimensions}
    league_rows: list[LeagueRow] = []
    funds: dict[str, Decimal] = {}
    if "county" in dimensions:
        # Funds in place in the period by county: a small table, joined to its projects.
        funds = {county: _money(amount) for county, amount in session.execute(
            select(Project.county_code, func.sum(FundsEntry.amount))
            .join(Project, Project.id == FundsEntry.project_id)
            .where(*scoped(actor, filters, now=now), FundsEntry.on_date >= period.start,
                   FundsEntry.on_date <= period.end)
            .group_by(Project.county_code))}
    for row in found:
        if row.key is None:
            narrowed = filters.model_copy(update={"needs_leader": True})
        else:
            value = int(row.key) if row.dim == "leader" else row.key
            narrowed = filters.model_copy(update={_DIMENSION_FILTERS[row.dim]: value})
        hrefs = {k: v for k, v in {
            "projects": _link(narrowed, row.projects, status=live_status),
            "signed": _link(narrowed, row.signed, reached=SIGNED.value, **in_period),
            "groundbreaking": _link(narrowed, row.started, reached=STARTED.value, **in_period),
            "conversions": _link(narrowed, row.conversions, advanced_from=period.start,
                                 advanced_to=period.end),
            "red": warnings_href(narrowed, "red") if row.red else None,
            "yellow": warnings_href(narrowed, "yellow") if row.yellow else None,
        }.items() if v}
        result[row.dim].append(BreakdownRow(
            code=row.key, name=row.name or "--", name_en=row.name_en or "--",
            projects=int(row.projects), total_investment=_money(row.total),
            signed=int(row.signed), signed_amount=_money(row.signed_amount),
            groundbreaking=int(row.started), hrefs=hrefs))
        if row.dim == "leader" and row.key is not None:
            league_rows.append(LeagueRow(
                leader_id=int(row.key), name=row.name, title=row.title,
                projects=int(row.projects), signed=int(row.signed),
                signed_amount=_money(row.signed_amount), conversions=int(row.conversions),
                red=int(row.red), yellow=int(row.yellow), hrefs=hrefs))
    league_rows.sort(key=lambda r: (-r.signed_amount, -r.conversions, r.name))
    return Groups(rows=result, league=league_rows, funds=funds)


def breakdown(session: Session, actor: Actor, filters: ProjectFilters, dimension: str,
              period: Period, now: datetime | None = None) -> list[BreakdownRow]:
    """One dimension's rows (see `groups`)."""
    return groups(session, actor, filters, period, [dimension], now=now).rows[dimension]


def league(session: Session, actor: Actor, filters: ProjectFilters, period: Period,
           now: datetime | None = None, rules: "Rules | None" = None) -> list[LeagueRow]:
    """Each responsible leader: live projects, signed and signed amount in the period,
    conversions (projects moved forward in the period), red and yellow lights."""
    return groups(session, actor, filters, period, ["leader"], rules=rules, now=now).league


def top_projects(session: Session, actor: Actor, filters: ProjectFilters, *,
                 limit: int = TOP_LIMIT, now: datetime | None = None) -> list[Any]:
    """The largest live projects by planned total investment."""
    where = [*scoped(actor, filters, now=now), Project.status.in_(LIVE_STATUSES)]
    order = (Project.total_investment.desc(), Project.id)
    top = select(Project.id).where(*where).order_by(*order).limit(limit).subquery("top")
    return list(session.execute(select_rows(actor).join(top, top.c.id == Project.id)
                                .order_by(*order)).all())


# --- warnings (红黄绿灯) ------------------------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    """Thresholds by rule key: (yellow, red); days, or months for `groundbreaking`."""

    values: dict[str, tuple[int, int]]

    def get(self, key: str) -> tuple[int, int] | None:
        return self.values.get(key)


def warning_rules(session: Session) -> Rules:
    stored = {row.key: (row.yellow, row.red) for row in session.execute(
        select(WarningRule.key, WarningRule.yellow, WarningRule.red))}
    return Rules(stored or dict(DEFAULT_RULES))


RULE_KEYS = ("idle", "groundbreaking", *(f"stage_{s.value}" for s in STAGE_ORDER[:-1]))


def save_warning_rules(session: Session, actor: Actor, data: WarningRulesIn, *,
                       now: datetime | None = None) -> Rules:
    """An administrator sets the thresholds; red may not come before yellow."""
    now = now or utcnow()
    if not actor.can(Permission.lookup_manage):
        raise PermissionDenied(_("You may not do this."), action=Permission.lookup_manage.value)
    for key in data.rules:
        if key not in RULE_KEYS:
            raise ValidationFailed(_("Unknown rule {key}."), field=f"rules.{key}", key=key)
    for key, rule in data.rules.items():
        if rule.red <= rule.yellow:
            raise ValidationFailed(_("Red must come after yellow."), field=f"rules.{key}.red")
    before = warning_rules(session).values
    changes: dict[str, list[Any]] = {}
    for key, rule in data.rules.items():
        row = session.get(WarningRule, key)
        if row is None:
            row = WarningRule(key=key, yellow=rule.yellow, red=rule.red)
            session.add(row)
        row.yellow, row.red, row.updated_at, row.updated_by_id = (
            rule.yellow, rule.red, now, actor.user_id)
        if before.get(key) != (rule.yellow, rule.red):
            changes[key] = [list(before.get(key, ())), [rule.yellow, rule.red]]
    record(session, actor, "warning_rules.update", object_type="warning_rule",
           object_id="all", changes=changes, now=now)
    session.flush()
    return warning_rules(session)


LIGHTS = ("red", "yellow", "green")


def light_columns(rules: Rules, now: datetime) -> dict[str, Any]:
    """Per-rule levels (0 none, 1 yellow, 2 red) and the light, as SQL over Project.
    Every rule counts local days, so the lights change only when the date does. Cut-offs
    are computed here once, so the SQL only compares."""
    today = local_date(now)
    levels: dict[str, Any] = {}
    idle = rules.get("idle")
    last = func.coalesce(Project.last_activity_at, Project.first_reported_at)

    def idle_for(days: int) -> Any:
        # Whole local days since the last follow-up (or first report) reach `days`.
        return last < local_midnight(today - timedelta(days=days - 1))

    levels["idle"] = (sa.case((idle_for(idle[1]), 2), (idle_for(idle[0]), 1), else_=0)
                      if idle else sa.literal(0))
    limits = {stage.value: rules.get(f"stage_{stage.value}") for stage in STAGE_ORDER}
    limits = {k: v for k, v in limits.items() if v}
    if limits:
        red_cut = sa.case({k: sa.literal(today - timedelta(days=v[1]), sa.Date)
                           for k, v in limits.items()}, value=Project.stage)
        yellow_cut = sa.case({k: sa.literal(today - timedelta(days=v[0]), sa.Date)
                              for k, v in limits.items()}, value=Project.stage)
        levels["stage"] = sa.case((Project.stage_entered_on < red_cut, 2),
                                  (Project.stage_entered_on < yellow_cut, 1), else_=0)
    else:
        levels["stage"] = sa.literal(0)
    start = rules.get("groundbreaking")
    if start:
        not_started = sa.and_(Project.planned_groundbreaking_on.is_not(None),
                              stage_rank(Project.stage) < STARTED.rank)
        levels["groundbreaking"] = sa.case(
            (sa.and_(not_started,
                     Project.planned_groundbreaking_on < months_before(today, start[1])), 2),
            (sa.and_(not_started,
                     Project.planned_groundbreaking_on < months_before(today, start[0])), 1),
            else_=0)
    else:
        levels["groundbreaking"] = sa.literal(0)
    # The worst rule decides; each rule's level is evaluated once.
    light = sa.case({2: "red", 1: "yellow"}, value=greatest(*levels.values()), else_="green")
    return {**levels, "light": light}


@dataclass(frozen=True)
class ProjectWarning:
    """One project's light and why: each rule's level (0, 1 yellow, 2 red) and its days."""

    row: Any  # the project list's row (app.projects.queries.list_columns)
    light: str  # red, yellow or green
    idle_level: int
    stage_level: int
    groundbreaking_level: int
    idle_days: int
    stage_days: int
    overdue_days: int | None  # days past the planned groundbreaking, if not yet started


@dataclass
class WarningPage:
    items: list[ProjectWarning]
    counts: dict[str, int]  # red, yellow, green over every active project in scope
    total: int  # how many match the asked light (or red + yellow)
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def project_warnings(session: Session, actor: Actor, filters: ProjectFilters,
                     now: datetime | None = None, *, light: str | None = None,
                     page: int = 1, per_page: int = 20, rules: Rules | None = None,
                     counts: dict[str, int] | None = None) -> WarningPage:
    """Active projects in scope with a red or yellow light (or only `light`), red first,
    then the longest without follow-up; plus the count of each light (unless the caller
    has them). Two statements (three without `rules`), whatever the data size."""
    now = now or utcnow()
    rules = rules or warning_rules(session)
    columns = light_columns(rules, now)
    where = [*scoped(actor, filters, now=now), Project.status == Status.active.value]
    lit = (select(Project.id, columns["light"].label("light")).where(*where)
           .subquery("lit"))
    if counts is None:
        counts = {name: 0 for name in LIGHTS}
        counts.update({name: int(n) for name, n in session.execute(
            select(lit.c.light, func.count()).group_by(lit.c.light))})
    wanted = [light] if light in LIGHTS else ["red", "yellow"]
    severity = sa.case((columns["light"] == "red", 0), (columns["light"] == "yellow", 1),
                       else_=2)
    last = func.coalesce(Project.last_activity_at, Project.first_reported_at)
    page = max(1, page)
    # Rank the ids on the project table alone, then join the display columns for one page.
    picked = (
        select(Project.id.label("picked_id"), columns["light"].label("light"),
               columns["idle"].label("idle_level"), columns["stage"].label("stage_level"),
               columns["groundbreaking"].label("groundbreaking_level"),
               Project.planned_groundbreaking_on.label("planned_on"),
               severity.label("severity"), last.label("last_at"))
        .where(*where, columns["light"].in_(wanted))
        .order_by(severity, last, Project.id)
        .limit(per_page).offset((page - 1) * per_page)
        .subquery("picked"))
    rows = session.execute(
        select_rows(actor).add_columns(
            picked.c.light, picked.c.idle_level, picked.c.stage_level,
            picked.c.groundbreaking_level, picked.c.planned_on)
        .join(picked, picked.c.picked_id == Project.id)
        .order_by(picked.c.severity, picked.c.last_at, Project.id)
    ).all()
    today = local_date(now)
    items = []
    for row in rows:
        last_at = row.last_activity_at or row.first_reported_at
        overdue = ((today - row.planned_on).days
                   if row.groundbreaking_level and row.planned_on else None)
        items.append(ProjectWarning(
            row=row, light=row.light, idle_level=int(row.idle_level),
            stage_level=int(row.stage_level),
            groundbreaking_level=int(row.groundbreaking_level),
            idle_days=(today - local_date(last_at)).days,
            stage_days=(today - row.stage_entered_on).days, overdue_days=overdue))
    return WarningPage(items=items, counts=counts,
                       total=sum(counts[name] for name in wanted), page=page,
                       per_page=per_page)


def warnings_href(filters: ProjectFilters, light: str | None) -> str:
    """The cockpit's list of exactly the projects behind a light count (None: red and
    yellow)."""
    data = filters.model_dump(mode="json", exclude_defaults=True)
    if light:
        data["light"] = light
    pairs = [(k, str(i)) for k, v in data.items() for i in (v if isinstance(v, list) else [v])]
    return "/cockpit/warnings?" + urlencode(pairs)


# --- targets (目标) and funds in place (资金到位) -------------------------------------------------

def save_target(session: Session, actor: Actor, data: TargetIn, *,
                now: datetime | None = None) -> Target:
    """Set one yearly or quarterly number (administrators); setting it again replaces it."""
    now = now or utcnow()
    if not actor.can(Permission.lookup_manage):
        raise PermissionDenied(_("You may not do this."), action=Permission.lookup_manage.value)
    if data.county is not None and session.get(County, data.county) is None:
        raise ValidationFailed(_("Unknown {label} code: {code}."), field="county",
                               label=_("county"), code=data.county)
    if data.metric.value not in MONEY_METRICS and data.value != data.value.to_integral():
        raise ValidationFailed(_("The {label} must be a whole number."), field="value",
                               label=_("target"))
    target = _find_target(session, data.year, data.quarter, data.county, data.metric.value)
    before = target.value if target else None
    if target is None:
        target = Target(year=data.year, quarter=data.quarter, county_code=data.county,
                        metric=data.metric.value, value=data.value)
        session.add(target)
    target.value, target.updated_at, target.updated_by_id = data.value, now, actor.user_id
    session.flush()
    record(session, actor, "target.set", object_type="target", object_id=target.id,
           changes={"value": [before, data.value]},
           detail=f"{data.year} Q{data.quarter} {data.county or 'city'} {data.metric.value}",
           now=now)
    return target


CITY_SCOPE = "city"
CITY_NAME = _("City")


@dataclass(frozen=True)
class TargetGridRow:
    scope: str  # "city" or a county code
    name: str
    name_en: str
    values: dict[str, Decimal | None]


def target_grid(session: Session, actor: Actor, year: int, quarter: int) -> list[TargetGridRow]:
    """The city and every county with their targets for the year or quarter (two
    statements), for the administrator's form."""
    stored = {(c or CITY_SCOPE, m): v for c, m, v in session.execute(
        select(Target.county_code, Target.metric, Target.value)
        .where(Target.year == year, Target.quarter == quarter))}
    counties = session.execute(select(County.code, County.name, County.name_en)
                               .where(County.is_active)
                               .order_by(County.sort_order, County.code)).all()
    scopes = [(CITY_SCOPE, CITY_NAME, CITY_NAME)] + [tuple(row) for row in counties]
    return [TargetGridRow(code, name, name_en,
                          {m.value: stored.get((code, m.value)) for m in Metric})
            for code, name, name_en in scopes]


def valid_period(year: int, quarter: int) -> bool:
    """A year targets may be set for, and 0 (the whole year) or a quarter."""
    return TARGET_YEARS[0] <= year <= TARGET_YEARS[1] and 0 <= quarter <= 4


def save_target_grid(session: Session, actor: Actor, year: int, quarter: int,
                     cells: dict[str, str], *, now: datetime | None = None) -> int:
    """Save a grid of targets posted as `t.<city or county>.<metric>`; an empty cell removes
    the target. Every cell is checked before any is saved. Returns how many changed."""
    now = now or utcnow()
    if not actor.can(Permission.lookup_manage):
        raise PermissionDenied(_("You may not do this."), action=Permission.lookup_manage.value)
    if not valid_period(year, quarter):
        raise ValidationFailed(_("Please choose a valid {label}."), field="year",
                               label=_("year"))
    parsed: list[tuple[str, TargetIn | None, str | None, str]] = []
    problems: list[FieldProblem] = []
    counties = set(session.scalars(select(County.code)))
    for name, raw in cells.items():
        parts = name.split(".")
        if len(parts) != 3 or parts[2] not in METRIC_LABELS or (
                parts[1] != CITY_SCOPE and parts[1] not in counties):
            problems.append(FieldProblem(name, _("Unexpected field {label}."), {"label": name}))
            continue
        county = None if parts[1] == CITY_SCOPE else parts[1]
        text = raw.strip()
        if not text:
            parsed.append((name, None, county, parts[2]))
            continue
        try:
            data = TargetIn(year=year, quarter=quarter, county=county, metric=parts[2],
                            value=text)
        except PydanticValidationError as exc:
            unreadable = exc.errors()[0]["type"] == "amount_parsing"
            problems.append(FieldProblem(
                name, AMOUNT_FORMAT if unreadable else _("The {label} must be a number."),
                {"label": _("target")}))
            continue
        if data.metric.value not in MONEY_METRICS and data.value != data.value.to_integral():
            problems.append(FieldProblem(name, _("The {label} must be a whole number."),
                                         {"label": _("target")}))
            continue
        parsed.append((name, data, county, parts[2]))
    if problems:
        raise ValidationFailed(problems[0].message, errors=problems, **problems[0].params)
    changed = 0
    for _name, data, county, metric in parsed:
        if data is not None:
            existing = _find_target(session, year, quarter, county, metric)
            if existing is None or existing.value != data.value:
                save_target(session, actor, data, now=now)
                changed += 1
            continue
        existing = _find_target(session, year, quarter, county, metric)
        if existing is not None:
            record(session, actor, "target.set", object_type="target", object_id=existing.id,
                   changes={"value": [existing.value, None]},
                   detail=f"{year} Q{quarter} {county or 'city'} {metric}", now=now)
            session.delete(existing)
            changed += 1
    session.flush()
    return changed


def _find_target(session: Session, year: int, quarter: int, county: str | None,
                 metric: str) -> Target | None:
    where = Target.county_code.is_(None) if county is None else Target.county_code == county
    return session.scalar(select(Target).where(Target.year == year, Target.quarter == quarter,
                                               Target.metric == metric, where))


def targets_of_year(session: Session, year: int) -> list[Target]:
    return list(session.scalars(select(Target).where(Target.year == year)
                                .order_by(Target.county_code.is_not(None), Target.county_code,
                                          Target.quarter, Target.metric)))


def add_funds_entry(session: Session, actor: Actor, project_id: int, data: FundsEntryIn, *,
                    now: datetime | None = None) -> FundsEntry:
    """Record money in place for a project the actor may change; never in the future."""
    now = now or utcnow()
    project = get_project(session, project_id, actor)
    ensure_can_change(actor, project, Permission.project_update)
    if data.on_date > local_date(now):
        raise ValidationFailed(_("The date {day} is in the future."), field="on_date",
                               day=data.on_date.isoformat())
    entry = FundsEntry(project_id=project.id, amount=data.amount, on_date=data.on_date,
                       note=data.note, created_at=now, created_by_id=actor.user_id)
    session.add(entry)
    session.flush()
    record(session, actor, "project.funds", object_type="project", object_id=project.id,
           changes={"amount": [None, data.amount], "on_date": [None, data.on_date]}, now=now)
    return entry


def funds_of_project(session: Session, actor: Actor, project_id: int) -> tuple[list[Any],
                                                                               Decimal]:
    """A project's funds entries, newest first, and their sum."""
    project = get_project(session, project_id, actor)
    rows = session.execute(select(FundsEntry.id, FundsEntry.amount, FundsEntry.on_date,
                                  FundsEntry.note)
                           .where(FundsEntry.project_id == project.id)
                           .order_by(FundsEntry.on_date.desc(), FundsEntry.id.desc())).all()
    total = session.scalar(select(func.sum(FundsEntry.amount))
                           .where(FundsEntry.project_id == project.id))
    return list(rows), _money(total)


def _progress(metric: str, target: Decimal | None, actual: Decimal, period: Period,
              today: date, href: str | None) -> TargetProgress:
    share = ratio(actual, target) if target else None
    elapsed = period.elapsed(today)
    half = None
    # 双过半: from the last day of the first half on, half of the year's target is done.
    if not period.quarter and share is not None and today >= date(period.year, 6, 30):
        half = share >= Decimal("0.5")
    return TargetProgress(metric=metric, label=METRIC_LABELS[metric], target=target,
                          actual=actual, share=share, elapsed=elapsed,
                          on_pace=None if share is None else share >= elapsed,
                          half_by_mid_year=half, href=href)


StoredTargets = dict[tuple[str | None, int, str], Decimal]


def stored_targets(session: Session, year: int) -> StoredTargets:
    """The year's targets by (county or None for the city, quarter, metric)."""
    return {(c, q, m): v for c, q, m, v in session.execute(
        select(Target.county_code, Target.quarter, Target.metric, Target.value)
        .where(Target.year == year))}


def _progress_of(kpis: Kpis, stored: StoredTargets, county: str | None, period: Period,
                 today: date) -> list[TargetProgress]:
    actual = {"signed_projects": Decimal(kpis.signed_projects),
              "signed_amount": kpis.signed_amount,
              "groundbreakings": Decimal(kpis.groundbreakings),
              "funds_in_place": kpis.funds_in_place}
    return [_progress(m.value, stored.get((county, period.quarter, m.value)), actual[m.value],
                      period, today, kpis.hrefs.get(m.value)) for m in Metric]


def target_progress(session: Session, actor: Actor, county: str | None, period: Period, *,
                    now: datetime | None = None) -> list[TargetProgress]:
    """The targets of the county (or the city) for the period, against what happened in it
    (every project of that county, whatever the other filters) and against the share of the
    period gone by (时序进度; 双过半 from mid-year)."""
    now = now or utcnow()
    county = actor.county_code or county
    kpis = totals(session, actor, ProjectFilters(county=county), period, now=now).kpis
    return _progress_of(kpis, stored_targets(session, period.year), county, period,
                        local_date(now))


@dataclass(frozen=True)
class CountyTargets:
    code: str
    name: str
    name_en: str
    progress: list[TargetProgress]


def county_targets(session: Session, actor: Actor, period: Period, *,
                   now: datetime | None = None, grouped: Groups | None = None,
                   stored: StoredTargets | None = None) -> list[CountyTargets]:
    """The 考核 table: every county in scope with projects or a target, against its targets
    for the period. `grouped` may pass the county grouping already made for the page."""
    now = now or utcnow()
    today = local_date(now)
    stored = stored if stored is not None else stored_targets(session, period.year)
    grouped = grouped or groups(session, actor, ProjectFilters(), period, ["county"], now=now)
    actual = {row.code: row for row in grouped.rows["county"] if row.code}
    with_target = {c for c, q, _m in stored if c is not None and q == period.quarter}
    counties = session.execute(
        select(County.code, County.name, County.name_en)
        .where(*([County.code == actor.county_code] if actor.county_code else []))
        .order_by(County.sort_order, County.code)).all()
    result = []
    in_period = dict(reached_from=period.start, reached_to=period.end)
    for code, name, name_en in counties:
        if code not in actual and code not in with_target:
            continue
        row = actual.get(code)
        scope = ProjectFilters(county=code)
        signed = row.signed if row else 0
        started = row.groundbreaking if row else 0
        kpis = Kpis(new_projects=0, signed_projects=signed,
                    signed_amount=row.signed_amount if row else ZERO, groundbreakings=started,
                    funds_in_place=grouped.funds.get(code, ZERO),
                    hrefs={"signed_projects": _link(scope, signed, reached=SIGNED.value,
                                                    **in_period),
                           "signed_amount": _link(scope, signed, reached=SIGNED.value,
                                                  **in_period),
                           "groundbreakings": _link(scope, started, reached=STARTED.value,
                                                    **in_period)})
        result.append(CountyTargets(code, name, name_en,
                                    _progress_of(kpis, stored, code, period, today)))
    return result


# --- the whole cockpit ----------------------------------------------------------------------------

@dataclass
class Cockpit:
    period: Period
    mode: str
    filters: ProjectFilters
    dimension: str
    funnel: list[FunnelRow]
    funnel_links: dict[str, FunnelLinks]
    kpis: Kpis
    rates: list[Rate]
    timing: list[StageTiming]
    cohort_timing: dict[str, tuple[int, Decimal | None, Decimal | None]]
    slowest: dict[str, list[Any]]
    by_county: list[BreakdownRow]
    by_chain: list[BreakdownRow]
    by_dimension: list[BreakdownRow]
    trend: list[TrendPoint]
    trend_links: dict[str, str]
    targets: list[TargetProgress]
    county_targets: list[CountyTargets]
    warnings: WarningPage
    warning_links: dict[str, str]
    league: list[LeagueRow]
    top: list[Any]
    today: date


def cockpit(session: Session, actor: Actor, filters: ProjectFilters, *, year: int,
            quarter: int = 0, mode: str = "now", dimension: str = "region",
            now: datetime | None = None) -> Cockpit:
    """Every figure of the cockpit page (and its export) in a fixed number of statements
    (about a dozen) whatever the data size. In cohort mode the projects are those first
    reported in the period."""
    now = now or utcnow()
    today = local_date(now)
    period = Period(year, quarter)
    if actor.county_code:
        filters = filters.model_copy(update={"county": actor.county_code})
    if mode == "cohort":
        filters = filters.model_copy(update={"reported_from": period.start,
                                             "reported_to": period.end})
    dimension = dimension if dimension in DIMENSIONS else "region"
    rules = warning_rules(session)
    tot = totals(session, actor, filters, period, rules=rules, now=now)
    grouped = groups(session, actor, filters, period, ["county", "chain", dimension, "leader"],
                     rules=rules, now=now)
    warnings = project_warnings(session, actor, filters, now, per_page=TOP_LIMIT, rules=rules,
                                counts=tot.lights)
    stored = stored_targets(session, year)
    # Targets count every project of the county (or city), whatever the other filters.
    scope = ProjectFilters(county=filters.county)
    plain = filters == scope
    year_period = Period(year, 0)
    year_kpis = tot.kpis if plain and not quarter else totals(
        session, actor, scope, year_period, rules=rules, now=now).kpis
    targets = _progress_of(year_kpis, stored, filters.county, year_period, today)
    if quarter:
        quarter_kpis = tot.kpis if plain else totals(session, actor, scope, period,
                                                     rules=rules, now=now).kpis
        targets += _progress_of(quarter_kpis, stored, filters.county, period, today)
    counties: list[CountyTargets] = []
    if filters.county is None:
        counties = county_targets(session, actor, year_period, now=now, stored=stored,
                                  grouped=grouped if plain and not quarter else None)
    return Cockpit(
        period=period, mode=mode, filters=filters, dimension=dimension,
        funnel=tot.funnel, funnel_links=funnel_links(filters, tot.funnel),
        kpis=tot.kpis, rates=tot.rates,
        timing=time_in_stage(session, actor, filters, now=now),
        cohort_timing=(cohort_timing(session, actor, filters, now=now)
                       if mode == "cohort" else {}),
        slowest=slowest(session, actor, filters, now=now),
        by_county=grouped.rows["county"], by_chain=grouped.rows["chain"],
        by_dimension=grouped.rows[dimension],
        trend=tot.trend, trend_links=tot.trend_links,
        targets=targets, county_targets=counties,
        warnings=warnings,
        warning_links={name: warnings_href(filters, name)
                       for name in LIGHTS if warnings.counts[name]},
        league=grouped.league,
        top=top_projects(session, actor, filters, now=now),
        today=today,
    )


def cached_cockpit(session: Session, actor: Actor, filters: ProjectFilters,
                   cache: FiguresCache, *, year: int, quarter: int = 0, mode: str = "now",
                   dimension: str = "region", now: datetime | None = None) -> Cockpit:
    """`cockpit`, reused while the data version and the local day stay the same. The key
    holds everything the figures depend on: who asks (scope and the names they may see),
    the filters, the period, the mode and the grouping. Call it only from a unit of work
    that writes nothing (a page view): figures computed from uncommitted changes must not
    outlive a rollback."""
    now = now or utcnow()
    if filters.idle_days:
        # "No follow-up for N days" counts from this instant, not from the day.
        return cockpit(session, actor, filters, year=year, quarter=quarter, mode=mode,
                       dimension=dimension, now=now)
    key = ("cockpit", actor.user_id, actor.county_code, actor.roles,
           filters.model_dump_json(), year, quarter, mode, dimension, local_date(now))
    return cache.get_or_compute(session, key, lambda: cockpit(
        session, actor, filters, year=year, quarter=quarter, mode=mode, dimension=dimension,
        now=now))


__all__ = ["Cockpit", "FunnelRow", "Period", "ProjectWarning", "Rules", "WarningPage",
           "add_funds_entry", "breakdown", "cached_cockpit", "cockpit", "funnel", "groups",
           "league", "period_kpis", "project_warnings", "ratio", "save_target",
           "save_warning_rules", "stage_rank", "target_progress", "time_in_stage", "totals",
           "warning_rules"]
