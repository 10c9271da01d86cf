"""Cockpit shapes: the figures the service answers with and the inputs admins send."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from app.i18n import _
from app.inputs import WHOLE_NUMBER, Amount, PositiveAmount
from app.projects.schemas import Code

# --- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelRow:
    """One stage of the funnel, exactly as docs/api.md ("The funnel") defines it."""

    stage: str
    count: int  # now at this stage, active or paused
    terminated: int  # terminated while at this stage
    reached: int  # ever reached this stage or a later one (stage events)
    total_investment: Decimal  # Σ planned total investment over the `count` projects
    conversion_from_previous: Decimal | None  # reached / reached of the previous stage


@dataclass(frozen=True)
class Rate:
    """A named rate: numerator / denominator, 4 places; None with a zero divisor."""

    key: str
    label: str
    numerator: Decimal | int
    denominator: Decimal | int
    value: Decimal | None
    numerator_href: str | None = None
    denominator_href: str | None = None


@dataclass(frozen=True)
class StageTiming:
    """Days spent in `stage` before the next forward move: median and 75th percentile."""

    stage: str
    to_stage: str
    moves: int
    median_days: Decimal | None
    p75_days: Decimal | None


@dataclass(frozen=True)
class BreakdownRow:
    code: str | None
    name: str
    name_en: str
    projects: int  # live projects (active or paused)
    signed: int  # live or not, reached signed
    signed_amount: Decimal  # Σ agreed amount over `signed`
    groundbreaking: int  # reached groundbreaking
    total_investment: Decimal  # Σ planned total over `projects`
    new_projects: int = 0  # first reported in the period
    contracts: int = 0  # first reached contract in the period
    production: int = 0  # first reached production in the period
    achieved: int = 0  # first reached 达效 in the period
    planned_starts: int = 0  # planned to break ground in the period
    planned_started: int = 0  # of those, started
    hrefs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendPoint:
    month: str  # YYYY-MM
    signed: int
    groundbreaking: int


@dataclass(frozen=True)
class TargetProgress:
    metric: str
    label: str
    target: Decimal | None
    actual: Decimal | None  # None: a rate with nothing to divide by
    share: Decimal | None  # actual / target
    elapsed: Decimal  # share of the period elapsed (时序进度)
    on_pace: bool | None  # share >= elapsed
    half_by_mid_year: bool | None  # 双过半: only for yearly targets
    href: str | None = None
    quarter: int = 0  # the target's period: 0 the year, or its quarter
    kind: str = "count"  # metric_kind: count, money or rate (actual and target in percent)


@dataclass(frozen=True)
class LeagueRow:
    leader_id: int
    name: str
    title: str | None
    projects: int
    signed: int
    signed_amount: Decimal
    conversions: int  # forward stage moves in the period
    red: int
    yellow: int
    hrefs: dict[str, str] = field(default_factory=dict)


# --- inputs --------------------------------------------------------------------------------

class Metric(StrEnum):
    """What a target may be set on: each one a figure of the cockpit (docs/figures.md)."""

    new_projects = "new_projects"
    signed_projects = "signed_projects"
    signed_amount = "signed_amount"
    contracts = "contracts"
    groundbreakings = "groundbreakings"
    start_rate = "start_rate"
    production = "production"
    achieved = "achieved"
    funds_in_place = "funds_in_place"


METRIC_LABELS: dict[str, str] = {
    "new_projects": _("New projects introduced"),
    "signed_projects": _("New signed projects"),
    "signed_amount": _("Signed amount"),
    "contracts": _("New contracts"),
    "groundbreakings": _("Groundbreakings"),
    "start_rate": _("Start and resumption rate"),
    "production": _("Into production"),
    "achieved": _("Reached designed output"),
    "funds_in_place": _("Funds in place"),
}
MONEY_METRICS = frozenset({Metric.signed_amount.value, Metric.funds_in_place.value})
# A rate's target is a percentage (90 for 90%), met or not whatever the time of year.
RATE_METRICS = frozenset({Metric.start_rate.value})
RATE_TARGET_MAX = Decimal(100)


def metric_kind(metric: str) -> str:
    """How a metric's numbers read: "money" (万元), "rate" (percent) or "count"."""
    return ("money" if metric in MONEY_METRICS else "rate" if metric in RATE_METRICS
            else "count")


TARGET_YEARS = (2000, 2100)  # the first and last year a target or a cockpit view may name
CITY_SCOPE = "city"  # the targets grid's row for city-wide targets (no county)


class TargetIn(BaseModel):
    """One target: the year, 0 for the whole year or 1-4 for a quarter, a county or the city."""

    model_config = ConfigDict(extra="forbid")
    year: Annotated[int, Field(ge=TARGET_YEARS[0], le=TARGET_YEARS[1]), WHOLE_NUMBER]
    quarter: Annotated[int, Field(ge=0, le=4), WHOLE_NUMBER] = 0
    county: Code | None = None
    metric: Metric
    value: Amount


class TargetCell(NamedTuple):
    """One cell of the targets grid: a county (None: the city) and a metric."""

    county: str | None
    metric: Metric

    @property
    def field_name(self) -> str:
        """The cell's name in the grid's form, and in any error about it."""
        return f"t.{self.county or CITY_SCOPE}.{self.metric.value}"


class FundsEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: PositiveAmount
    on_date: date
    note: Annotated[str, Field(max_length=200)] | None = None


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yellow: Annotated[int, Field(ge=0, le=3650), WHOLE_NUMBER]
    red: Annotated[int, Field(ge=1, le=3650), WHOLE_NUMBER]


class WarningRulesIn(BaseModel):
    """Thresholds by rule key (see app.analytics.models.WarningRule): days, or months for
    `groundbreaking`; red must not come before yellow."""

    model_config = ConfigDict(extra="forbid")
    rules: dict[str, RuleIn]
