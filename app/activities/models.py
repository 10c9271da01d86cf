"""Follow-ups (跟进记录) on a project."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow

ACTIVITY_KINDS = ("visit_out", "visit_in", "call", "meeting", "signing_ceremony", "other")


class Activity(SQLModel, table=True):
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {ACTIVITY_KINDS!r}", name="known_kind"),
        sa.Index("ix_activity_project_happened", "project_id", "happened_at"),
        sa.Index("ix_activity_next_due", "next_due_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    kind: str = Field(max_length=24)
    happened_at: datetime = Field(sa_type=UTCDateTime)
    summary: str
    next_step: str | None = Field(default=None)
    next_due_on: date | None = Field(default=None)
    # People from outside the bureau, as free text (investor's side, other agencies).
    other_participants: str | None = Field(default=None, max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ActivityParticipant(SQLModel, table=True):
    """A leader or staff member who took part in the follow-up."""

    __tablename__ = "activity_participant"
    activity_id: int = Field(foreign_key="activity.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)
