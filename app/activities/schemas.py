"""Follow-up shapes shared by the pages and the API."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from app.i18n import _
from app.inputs import RowId


class ActivityKind(StrEnum):
    visit_out = "visit_out"  # 外出拜访 (走出去)
    visit_in = "visit_in"  # 来访考察 (请进来)
    call = "call"
    meeting = "meeting"
    signing_ceremony = "signing_ceremony"
    other = "other"


ACTIVITY_KIND_LABELS: dict[str, str] = {
    ActivityKind.visit_out: _("Visit out"),
    ActivityKind.visit_in: _("Inspection visit"),
    ActivityKind.call: _("Phone call"),
    ActivityKind.meeting: _("Talks"),
    ActivityKind.signing_ceremony: _("Signing ceremony"),
    ActivityKind.other: _("Other"),
}


def _plausible(moment: datetime) -> datetime:
    # Far-off years overflow when converted to UTC for storage; no follow-up is that old.
    if not 1900 <= moment.year <= 9998:
        raise ValueError("year out of range")
    return moment


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ActivityKind
    happened_at: Annotated[AwareDatetime, AfterValidator(_plausible)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=5000)]
    next_step: Annotated[str, StringConstraints(strip_whitespace=True,
                                                max_length=2000)] | None = None
    next_due_on: date | None = None
    participant_ids: list[RowId] = Field(
        default_factory=list, max_length=50)
    other_participants: Annotated[str, StringConstraints(strip_whitespace=True,
                                                         max_length=500)] | None = None


class ActivityRead(BaseModel):
    id: int
    project_id: int
    kind: ActivityKind
    happened_at: datetime
    summary: str
    next_step: str | None
    next_due_on: date | None
    participant_ids: list[int]
    other_participants: str | None
    created_at: datetime
