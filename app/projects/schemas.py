"""Project shapes shared by the pages and the API: Create / Update / moves / Read."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from app.i18n import _
from app.inputs import RFC3339, WHOLE_NUMBER, Amount, PositiveAmount, Quantity, RowId
from app.projects.stages import KeyLevel, Stage, Status, TeamRole, TerminationReason

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
DocumentNo = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Jobs = Annotated[int, Field(ge=0, le=10_000_000), WHOLE_NUMBER]
# Filter dates: wide, but bounded so a local midnight converts to UTC without overflow.
FilterDay = Annotated[date, Field(ge=date(1900, 1, 1), le=date(9998, 12, 31))]


def _plausible(moment: datetime) -> datetime:
    # Far-off years overflow when converted to UTC for the query.
    if not 1900 <= moment.year <= 9998:
        raise ValueError("year out of range")
    return moment


# An instant in a filter: RFC 3339 with an offset, as docs/api.md writes them.
FilterMoment = Annotated[AwareDatetime, AfterValidator(_plausible), RFC3339]

# Field labels for forms and for messages that name a field.
FIELD_LABELS: dict[str, str] = {
    "name": _("project name"),
    "investor": _("investor"),
    "description": _("description"),
    "category": _("category"),
    "chain": _("industry chain"),
    "chain_link": _("chain link"),
    "region": _("source region"),
    "method": _("attraction method"),
    "county": _("county"),
    "zone": _("development zone"),
    "key_level": _("key-project level"),
    "total_investment": _("total investment"),
    "fixed_asset_investment": _("fixed-asset investment"),
    "expected_jobs": _("expected jobs"),
    "expected_annual_output": _("expected annual output"),
    "expected_annual_tax": _("expected annual tax"),
    "land_mu": _("land (mu)"),
    "energy_tce": _("energy (tce)"),
    "planned_groundbreaking_on": _("planned groundbreaking date"),
    "code_name": _("code name"),
    "plan": _("plan"),
}


# --- the investor, as a new project names it -----------------------------------------------

CompanyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=200)]
Ownership = Literal["state", "private", "foreign", "joint", "collective", "other"]
OWNERSHIP_LABELS: dict[str, str] = {
    "state": _("State-owned"), "private": _("Private"), "foreign": _("Foreign"),
    "joint": _("Joint venture"), "collective": _("Collective"), "other": _("Other"),
}
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\-() ]{5,32}$")]


ContactName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=64)]
ShortOptional = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ContactName
    title: str | None = Field(default=None, max_length=64)
    phone: Phone | None = None
    email: EmailStr | None = None


class InvestorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: CompanyName
    credit_code: str | None = Field(default=None, max_length=32)
    hq_province: str | None = Field(default=None, max_length=32)
    hq_city: str | None = Field(default=None, max_length=32)
    ownership: Ownership | None = None
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)


class InvestorUpdate(BaseModel):
    """A partial edit of the investor: only the fields sent change (null clears, but not
    the name). The contacts have their own routes."""

    model_config = ConfigDict(extra="forbid")
    name: CompanyName | None = None
    credit_code: str | None = Field(default=None, max_length=32)
    hq_province: ShortOptional = None
    hq_city: ShortOptional = None
    ownership: Ownership | None = None


class ContactUpdate(BaseModel):
    """A partial edit of one contact: only the fields sent change (null clears)."""

    model_config = ConfigDict(extra="forbid")
    name: ContactName | None = None
    title: ShortText | None = None
    phone: Phone | None = None
    email: EmailStr | None = None


class ProjectFields(BaseModel):
    """Editable fields; lookups are referred to by code."""

    model_config = ConfigDict(extra="forbid")
    description: Text | None = None
    category: Code
    chain: Code
    chain_link: Code | None = None
    region: Code
    method: Code
    county: Code
    zone: Code | None = None
    key_level: KeyLevel | None = None
    total_investment: Amount
    fixed_asset_investment: Amount | None = None
    expected_jobs: Jobs | None = None
    expected_annual_output: Amount | None = None
    expected_annual_tax: Amount | None = None
    land_mu: Quantity | None = None
    energy_tce: Quantity | None = None
    planned_groundbreaking_on: date | None = None
    is_confidential: bool = False
    code_name: ShortText | None = None
    plan: Text | None = None


class ProjectCreate(ProjectFields):
    name: ProjectName
    investor: InvestorIn
    leader_id: RowId | None = None
    # Another project of the same investor (second phase, capital increase): its id.
    same_investor_as: RowId | None = None
    # The visit that started it, often days before it is entered; today when not given.
    first_contact_on: date | None = None


class ProjectUpdate(BaseModel):
    """A partial update: only the fields sent change. Not the stage, not the leader."""

    model_config = ConfigDict(extra="forbid")
    name: ProjectName | None = None
    description: Text | None = None
    category: Code | None = None
    chain: Code | None = None
    chain_link: Code | None = None
    region: Code | None = None
    method: Code | None = None
    county: Code | None = None
    zone: Code | None = None
    key_level: KeyLevel | None = None
    total_investment: Amount | None = None
    fixed_asset_investment: Amount | None = None
    expected_jobs: Jobs | None = None
    expected_annual_output: Amount | None = None
    expected_annual_tax: Amount | None = None
    land_mu: Quantity | None = None
    energy_tce: Quantity | None = None
    planned_groundbreaking_on: date | None = None
    is_confidential: bool | None = None
    code_name: ShortText | None = None
    plan: Text | None = None


class Evidence(BaseModel):
    """What a move proves; which fields are required depends on the stages passed."""

    model_config = ConfigDict(extra="forbid")
    agreement_no: DocumentNo | None = None
    agreed_amount: PositiveAmount | None = None
    contract_no: DocumentNo | None = None
    contract_on: date | None = None
    contract_amount: PositiveAmount | None = None
    started_on: date | None = None
    production_on: date | None = None
    achieved_on: date | None = None
    # An agreed amount above the total investment is usually a unit slip (元, 亿); it is
    # taken only when the sender says it is meant.
    agreed_above_total_confirmed: bool = False


class TransitionIn(Evidence):
    to_stage: Stage
    happened_on: date | None = None
    note: Text | None = None


class MoveBackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_stage: Stage
    happened_on: date | None = None
    reason: Reason


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason
    happened_on: date | None = None


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text | None = None
    happened_on: date | None = None


class TerminateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason_code: TerminationReason
    lost_to_city: ShortText | None = None
    reason: Text | None = None
    happened_on: date | None = None


class LeaderAssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leader_id: RowId
    reason: Text | None = None


class TeamMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: RowId
    role: TeamRole


SORTABLE = ("name", "total_investment", "stage", "last_activity_at", "first_reported_at",
            "updated_at", "code")


class ListFilters(BaseModel):
    """The list filters both doors take: the API's query parameters (docs/api.md) are
    exactly these; ProjectFilters adds those of the pages, exports and drill-downs."""

    stage: list[Stage] = Field(default_factory=list, max_length=len(Stage))
    status: list[Status] = Field(default_factory=list, max_length=len(Status))
    county: Code | None = None
    chain: Code | None = None
    region: Code | None = None
    method: Code | None = None
    category: Code | None = None
    leader_id: RowId | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    min_investment: Amount | None = None
    max_investment: Amount | None = None
    updated_since: FilterMoment | None = None

    def filters(self) -> "ProjectFilters":
        """These filters alone, as the list's query (an API query's paging left out)."""
        return ProjectFilters.model_validate(
            self.model_dump(include=set(ListFilters.model_fields), exclude_none=True))


class ProjectFilters(ListFilters):
    """The list's query: the same filters for the pages, the API, exports and drill-downs."""

    model_config = ConfigDict(extra="ignore")
    key_level: KeyLevel | None = None
    reported_from: FilterDay | None = None
    reported_to: FilterDay | None = None
    # No follow-up for at least this many days (or never).
    idle_days: Annotated[int, Field(ge=1, le=3650), WHOLE_NUMBER] | None = None
    needs_leader: bool = False
    # The next follow-up falls due on or before this date (today: due and overdue).
    follow_up_due_by: FilterDay | None = None
    # Cockpit drill-downs (app.analytics): reached this stage or a later one (the project's
    # milestones, whatever the status now); with reached_from/to, first reached it within
    # those dates.
    reached: Stage | None = None
    reached_from: FilterDay | None = None
    reached_to: FilterDay | None = None
    # First reached a stage after contact within these dates (converted).
    advanced_from: FilterDay | None = None
    advanced_to: FilterDay | None = None
    # Planned groundbreaking within these dates.
    planned_from: FilterDay | None = None
    planned_to: FilterDay | None = None
    # 到位资金: the dates the list's funds sum counts (`sum=funds`); with `with_funds`, only
    # projects that had funds in place within them.
    funds_from: FilterDay | None = None
    funds_to: FilterDay | None = None
    with_funds: bool = False
