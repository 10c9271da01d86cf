"""The assembled cockpit (领导驾驶舱): every figure of the page and its export for one
view, in a fixed number of statements, and reused while nothing behind it changed."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.accounts.permissions import Actor
from app.analytics.cache import FiguresCache
from app.analytics.funnel import FunnelLinks, Kpis, funnel_links, totals
from app.analytics.groupings import DIMENSIONS, TOP_LIMIT, groups, top_projects
from app.analytics.lights import LIGHTS, WarningPage, project_warnings, warning_rules
from app.analytics.links import warnings_href
from app.analytics.periods import Period
from app.analytics.schemas import (
    BreakdownRow,
    FunnelRow,
    LeagueRow,
    Rate,
    StageTiming,
    TargetProgress,
    TrendPoint,
)
from app.analytics.targets import CountyTargets, county_targets, progress_of, stored_targets
from app.analytics.timing import cohort_timing, slowest, time_in_stage
from app.clock import local_date
from app.db import utcnow
from app.projects.schemas import ProjectFilters


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
    kpi_targets: list[TargetProgress]  # the viewed period's (quarter's or year's) targets
    county_targets: list[CountyTargets]
    warnings: WarningPage
    warning_links: dict[str, str]
    league: list[LeagueRow]
    top: list[Any]
    today: date

    @property
    def kpi_target(self) -> dict[str, TargetProgress]:
        """The viewed period's targets by metric, for the key figure cards."""
        return {t.metric: t for t in self.kpi_targets}


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
    targets = progress_of(year_kpis, stored, filters.county, year_period, today)
    kpi_targets = targets
    if quarter:
        quarter_kpis = tot.kpis if plain else totals(session, actor, scope, period,
                                                     rules=rules, now=now).kpis
        # A quarter's cards compare with the quarter's targets, never the year's.
        kpi_targets = progress_of(quarter_kpis, stored, filters.county, period, today)
        targets = targets + kpi_targets
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
        targets=targets, kpi_targets=kpi_targets, county_targets=counties,
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
    key = ("cockpit", actor.user_id, actor.county_code, actor.roles,
           filters.model_dump_json(), year, quarter, mode, dimension, local_date(now))
    return cache.get_or_compute(session, key, lambda: cockpit(
        session, actor, filters, year=year, quarter=quarter, mode=mode, dimension=dimension,
        now=now))
