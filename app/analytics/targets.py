"""Targets (目标): the supervisors' (督查) yearly and quarterly numbers per county or the
city, set a grid at a time, and the progress against them (时序进度, 双过半, the 考核 table).
Every metric's actual is the cockpit's own figure (app.analytics.funnel.Kpis for the city or
the filters, app.analytics.groupings for a county), linked to the same list."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.permissions import Actor, Permission
from app.analytics.funnel import Kpis, kpi_links
from app.analytics.groupings import Groups, groups
from app.analytics.models import Target
from app.analytics.periods import Period
from app.analytics.schemas import (
    CITY_SCOPE,
    METRIC_LABELS,
    RATE_METRICS,
    RATE_TARGET_MAX,
    TARGET_YEARS,
    Metric,
    TargetCell,
    TargetIn,
    TargetProgress,
    metric_kind,
)
from app.analytics.sql import ZERO, lock_setting, ratio
from app.audit.service import record
from app.clock import local_date
from app.db import utcnow
from app.errors import FieldProblem, PermissionDenied, ValidationFailed
from app.i18n import _
from app.lookups.models import County
from app.projects.schemas import ProjectFilters

CITY_NAME = _("City")


# --- setting targets -----------------------------------------------------------------------

def valid_period(year: int, quarter: int) -> bool:
    """A year targets may be set for, and 0 (the whole year) or a quarter."""
    return TARGET_YEARS[0] <= year <= TARGET_YEARS[1] and 0 <= quarter <= 4


def whole_where_counted(metric: Metric, value: Decimal) -> bool:
    """Counts are whole numbers; amounts (万元) and percentages may have cents."""
    return metric_kind(metric.value) != "count" or value == value.to_integral()


def lock_target_period(session: Session, year: int, quarter: int) -> None:
    lock_setting(session, year * 10 + quarter)


def save_target_grid(session: Session, actor: Actor, year: int, quarter: int,
                     values: Mapping[TargetCell, Decimal | None], *,
                     now: datetime | None = None) -> int:
    """Set the targets of a year (quarter 0) or quarter, a grid at a time (supervisors);
    None removes a cell's target. Every cell is checked before any is saved. The stored
    targets are read once, under the period's lock, and only the cells that differ are
    written, each with its audit row. Returns how many changed."""
    now = now or utcnow()
    if not actor.can(Permission.targets_manage):
        raise PermissionDenied(_("You may not do this."),
                               action=Permission.targets_manage.value)
    if not valid_period(year, quarter):
        raise ValidationFailed(_("Please choose a valid {label}."), field="year",
                               label=_("year"))
    asked = {cell.county for cell in values if cell.county is not None}
    known = set(session.scalars(select(County.code).where(County.code.in_(asked)))
                ) if asked else set()
    problems: list[FieldProblem] = []
    for cell, value in values.items():
        if cell.county is not None and cell.county not in known:
            problems.append(FieldProblem(cell.field_name, _("Unexpected field {label}."),
                                         {"label": cell.field_name}))
        elif value is not None and not whole_where_counted(cell.metric, value):
            problems.append(FieldProblem(cell.field_name,
                                         _("The {label} must be a whole number."),
                                         {"label": _("target")}))
        elif (value is not None and cell.metric.value in RATE_METRICS
              and value > RATE_TARGET_MAX):
            problems.append(FieldProblem(cell.field_name,
                                         _("A rate target is a percentage, at most 100."),
                                         {}))
    if problems:
        raise ValidationFailed(problems[0].message, errors=problems, **problems[0].params)
    # A racing save of the same period waits here, then reads what the first one wrote.
    lock_target_period(session, year, quarter)
    stored = {(t.county_code, t.metric): t for t in session.scalars(
        select(Target).where(Target.year == year, Target.quarter == quarter))}
    changed: list[tuple[TargetCell, Target, Decimal | None, Decimal | None]] = []
    for cell, value in values.items():
        target = stored.get((cell.county, cell.metric.value))
        before = target.value if target is not None else None
        if value == before:
            continue
        if target is None:
            target = Target(year=year, quarter=quarter, county_code=cell.county,
                            metric=cell.metric.value, value=value)
            session.add(target)
        elif value is None:
            session.delete(target)
        if value is not None:
            target.value, target.updated_at, target.updated_by_id = value, now, actor.user_id
        changed.append((cell, target, before, value))
    session.flush()  # the grid's inserts, updates and deletes, each kind batched
    for cell, target, before, value in changed:
        record(session, actor, "target.set", object_type="target", object_id=target.id,
               changes={"value": [before, value]},
               detail=f"{year} Q{quarter} {cell.county or CITY_SCOPE} {cell.metric.value}",
               now=now)
    return len(changed)


def save_target(session: Session, actor: Actor, data: TargetIn, *,
                now: datetime | None = None) -> Target | None:
    """Set one yearly or quarterly number (supervisors); setting it again replaces it."""
    cell = TargetCell(data.county, data.metric)
    save_target_grid(session, actor, data.year, data.quarter, {cell: data.value}, now=now)
    return session.scalar(select(Target).where(
        Target.year == data.year, Target.quarter == data.quarter,
        Target.metric == data.metric.value,
        Target.county_code.is_(None) if data.county is None else
        Target.county_code == data.county))


@dataclass(frozen=True)
class TargetGridRow:
    scope: str  # "city" or a county code
    name: str
    name_en: str
    values: dict[str, Decimal | None]


def target_grid(session: Session, actor: Actor, year: int, quarter: int) -> list[TargetGridRow]:
    """The city and every county with their targets for the year or quarter (two
    statements), for the supervisor's form."""
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


# --- progress against the targets ---------------------------------------------------------

StoredTargets = dict[tuple[str | None, int, str], Decimal]


def stored_targets(session: Session, year: int) -> StoredTargets:
    """The year's targets by (county or None for the city, quarter, metric)."""
    return {(c, q, m): v for c, q, m, v in session.execute(
        select(Target.county_code, Target.quarter, Target.metric, Target.value)
        .where(Target.year == year))}


def _progress(metric: str, target: Decimal | None, actual: Decimal | None, period: Period,
              today: date, href: str | None) -> TargetProgress:
    kind = metric_kind(metric)
    share = ratio(actual, target) if target and actual is not None else None
    elapsed = period.elapsed(today)
    half = None
    if kind == "rate":
        # A rate is met or not whatever the time of year: no 时序进度, no 双过半.
        on_pace = None if target is None or actual is None else actual >= target
    else:
        on_pace = None if share is None else share >= elapsed
        # 双过半: from the last day of the first half on, half of the year's target is done.
        if not period.quarter and share is not None and today >= date(period.year, 6, 30):
            half = share >= Decimal("0.5")
    return TargetProgress(metric=metric, label=METRIC_LABELS[metric], target=target,
                          actual=actual, share=share, elapsed=elapsed, on_pace=on_pace,
                          half_by_mid_year=half, href=href, quarter=period.quarter,
                          kind=kind)


def percent(rate: Decimal | None) -> Decimal | None:
    """A rate (0.9123) as the percentage its target is written in (91.23)."""
    return None if rate is None else rate * 100


def metric_actuals(kpis: Kpis) -> dict[str, Decimal | None]:
    """Each metric's actual: the key figure the cockpit shows (a rate as a percentage)."""
    return {"new_projects": Decimal(kpis.new_projects),
            "signed_projects": Decimal(kpis.signed_projects),
            "signed_amount": kpis.signed_amount,
            "contracts": Decimal(kpis.contracts),
            "groundbreakings": Decimal(kpis.groundbreakings),
            "start_rate": percent(kpis.start_rate),
            "production": Decimal(kpis.production),
            "achieved": Decimal(kpis.achieved),
            "funds_in_place": kpis.funds_in_place}


def progress_of(kpis: Kpis, stored: StoredTargets, county: str | None, period: Period,
                today: date) -> list[TargetProgress]:
    """The targets of the county (or the city) for the period against the period's key
    figures, and against the share of the period gone by."""
    actual = metric_actuals(kpis)
    return [_progress(m.value, stored.get((county, period.quarter, m.value)), actual[m.value],
                      period, today, kpis.hrefs.get(m.value)) for m in Metric]


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
    for code, name, name_en in counties:
        if code not in actual and code not in with_target:
            continue
        row = actual.get(code)
        kpis = Kpis(new_projects=row.new_projects if row else 0,
                    signed_projects=row.signed if row else 0,
                    signed_amount=row.signed_amount if row else ZERO,
                    groundbreakings=row.groundbreaking if row else 0,
                    funds_in_place=grouped.funds.get(code, ZERO),
                    contracts=row.contracts if row else 0,
                    production=row.production if row else 0,
                    achieved=row.achieved if row else 0,
                    planned_starts=row.planned_starts if row else 0,
                    planned_started=row.planned_started if row else 0,
                    funds_projects=grouped.funds_projects.get(code, 0))
        kpis.hrefs.update(kpi_links(ProjectFilters(county=code), kpis, period))
        result.append(CountyTargets(code, name, name_en,
                                    progress_of(kpis, stored, code, period, today)))
    return result
