"""Project shapes of the JSON door (docs/api.md): reads, the list's query and page, history.

Writes use the shared schemas (ProjectCreate, ProjectUpdate, TransitionIn, ...), the same
ones the pages validate with."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.projects.schemas import FilterMoment, ListFilters
from app.projects.stages import KeyLevel, Stage, Status, TerminationReason
from app.web.api_types import Limit, MoneyOut


def _plausible_day(day: date) -> date:
    if not 1900 <= day.year <= 9998:
        raise ValueError("year out of range")
    return day


Day = Annotated[date, AfterValidator(_plausible_day)]


class InvestorOut(BaseModel):
    name: str
    credit_code: str | None


class LeaderOut(BaseModel):
    id: int
    name: str


class ProjectOut(BaseModel):
    """A confidential project shows its code name, and "***" for the investor, to those who
    do not work on it."""

    id: int
    code: str
    name: str
    description: str | None
    investor: InvestorOut
    chain: str
    chain_link: str | None
    region: str
    county: str
    zone: str | None
    category: str
    method: str
    key_level: KeyLevel | None
    stage: Stage
    status: Status
    termination_reason: TerminationReason | None
    total_investment: MoneyOut
    agreed_amount: MoneyOut | None
    contract_amount: MoneyOut | None
    leader: LeaderOut | None
    is_confidential: bool
    stage_entered_on: date
    planned_groundbreaking_on: date | None
    first_reported_at: datetime
    last_activity_at: datetime | None
    next_follow_up_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, row: object) -> "ProjectOut":
        r = row._mapping  # type: ignore[attr-defined]
        return cls(
            id=r["id"], code=r["code"], name=r["name"], description=r["description"],
            investor=InvestorOut(name=r["investor_name"], credit_code=r["investor_credit_code"]),
            chain=r["chain_code"], chain_link=r["chain_link_code"], region=r["region_code"],
            county=r["county_code"], zone=r["zone_code"], category=r["category_code"],
            method=r["method_code"], key_level=r["key_level"], stage=r["stage"],
            status=r["status"], termination_reason=r["termination_reason"],
            total_investment=r["total_investment"], agreed_amount=r["agreed_amount"],
            contract_amount=r["contract_amount"],
            leader=LeaderOut(id=r["leader_id"], name=r["leader_name"] or "")
            if r["leader_id"] is not None else None,
            is_confidential=r["is_confidential"], stage_entered_on=r["stage_entered_on"],
            planned_groundbreaking_on=r["planned_groundbreaking_on"],
            first_reported_at=r["first_reported_at"], last_activity_at=r["last_activity_at"],
            next_follow_up_on=r["next_follow_up_on"], created_at=r["created_at"],
            updated_at=r["updated_at"], version=r["version"],
        )


class ProjectPage(BaseModel):
    items: list[ProjectOut]
    next_cursor: str | None


class ProjectQuery(ListFilters):
    """GET /api/v1/projects: the list filters (docs/api.md), then the page."""

    model_config = ConfigDict(extra="forbid")
    updated_since: FilterMoment | None = Field(
        default=None, description="RFC 3339 with offset; lists by (updated_at, id) for sync.")
    limit: Limit = 50
    cursor: Annotated[str, Field(max_length=200)] | None = None


class FunnelQuery(ListFilters):
    """GET /api/v1/stats/funnel: the list filters and the cohort by first contact."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: Day | None = Field(default=None, alias="from",
                               description="Cohort: first contact on or after this date.")
    to: Day | None = Field(default=None, description="Cohort: first contact on or before.")


class FunnelRowOut(BaseModel):
    stage: Stage
    count: int
    terminated: int
    reached: int
    total_investment: MoneyOut
    conversion_from_previous: Annotated[
        str | None, Field(pattern=r"^\d+\.\d{4}$",
                          description="reached / reached of the stage before, 4 places.")]


class FunnelOut(BaseModel):
    stages: list[FunnelRowOut]


# --- history -------------------------------------------------------------------------------

class StageEntry(BaseModel):
    kind: Literal["stage"] = "stage"
    id: int
    at: datetime
    happened_on: date
    from_stage: Stage | None
    to_stage: Stage
    is_backward: bool
    note: str | None
    agreement_no: str | None
    agreed_amount: MoneyOut | None
    contract_no: str | None
    contract_on: date | None
    contract_amount: MoneyOut | None
    started_on: date | None
    production_on: date | None
    achieved_on: date | None


class LeaderEntry(BaseModel):
    kind: Literal["leader"] = "leader"
    id: int
    at: datetime
    ended_at: datetime | None
    leader: LeaderOut
    reason: str | None


class StatusEntry(BaseModel):
    kind: Literal["status"] = "status"
    id: int
    at: datetime
    happened_on: date
    stage: Stage
    from_status: Status
    to_status: Status
    reason_code: TerminationReason | None
    reason: str | None


HistoryEntry = Annotated[StageEntry | LeaderEntry | StatusEntry, Field(discriminator="kind")]


class HistoryOut(BaseModel):
    """Stage events, leader assignments and status changes, oldest first."""

    items: list[HistoryEntry]
