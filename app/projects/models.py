"""Projects, their investors (with contacts), stage and status history, leader
assignments, team and plan."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedField, PersonalData, email_lower, phone_digits
from app.db import Money, UTCDateTime, utcnow
from app.projects.stages import STAGE_ORDER, KeyLevel, Stage, Status, TeamRole, TerminationReason


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


COCKPIT_COLUMNS = (
    "stage", "status", "stage_entered_on", "id", "county_code", "chain_code", "region_code",
    "method_code", "category_code", "key_level", "leader_id", "total_investment",
    "agreed_amount", "first_reported_at", "planned_groundbreaking_on", "last_activity_at",
    *(f"reached_{stage.value}_on" for stage in STAGE_ORDER))


class Investor(SQLModel, table=True):
    """The company behind a project (投资方); one row per company, shared by its projects."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # Name without spaces, punctuation and company-form suffixes, for duplicate checks.
    normalized_name: str = Field(max_length=200, index=True)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    hq_province: str | None = Field(default=None, max_length=32)
    hq_city: str | None = Field(default=None, max_length=32)
    ownership: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InvestorContact(PersonalData, table=True):
    """A person at the investor: personal information, shown by app.investors (masked)."""

    __tablename__ = "investor_contact"
    id: int | None = Field(default=None, primary_key=True)
    investor_id: int = Field(foreign_key="investor.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=64)
    title: str | None = Field(default=None, max_length=64)
    # Encrypted at rest (app/crypto.py); the blind indexes tell a contact sent again.
    phone_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    phone_blind_index: str | None = Field(default=None, max_length=64)
    email_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    email_blind_index: str | None = Field(default=None, max_length=64)

    phone = EncryptedField(normalise=phone_digits)
    email = EncryptedField(normalise=email_lower)


class Project(SQLModel, table=True):
    __table_args__ = (
        sa.CheckConstraint(_in("stage", STAGE_ORDER), name="known_stage"),
        sa.CheckConstraint(_in("status", tuple(Status)), name="known_status"),
        sa.CheckConstraint(f"key_level IS NULL OR {_in('key_level', tuple(KeyLevel))}",
                           name="known_key_level"),
        # One project, one leader: from intent on, the leader is never missing.
        sa.CheckConstraint("stage = 'contact' OR leader_id IS NOT NULL", name="leader_from_intent"),
        sa.CheckConstraint("total_investment >= 0", name="total_investment_not_negative"),
        sa.CheckConstraint("status <> 'terminated' OR termination_reason IS NOT NULL",
                           name="terminated_has_reason"),
        # The list and funnel filter on these (stage totals: ix_project_cockpit below).
        sa.Index("ix_project_county_stage", "county_code", "stage"),
        sa.Index("ix_project_chain_stage", "chain_code", "stage"),
        sa.Index("ix_project_leader_stage", "leader_id", "stage"),
        # The kanban's first cards of a stage, newest first, read off the index with a LIMIT.
        sa.Index("ix_project_stage_updated", "stage", "updated_at", "id",
                 sqlite_where=sa.text("deleted_at IS NULL"),
                 postgresql_where=sa.text("deleted_at IS NULL")),
        # Covers every column the cockpit's figures read, live rows only: a figure scans
        # this narrow index instead of the wide rows (measured 2x on SQLite), in stage and
        # status order (no sort to group by them), longest in the stage first (the slowest).
        sa.Index("ix_project_cockpit", *COCKPIT_COLUMNS,
                 sqlite_where=sa.text("deleted_at IS NULL"),
                 postgresql_where=sa.text("deleted_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    investor_id: int = Field(foreign_key="investor.id", index=True)
    # A further project of the same investor (second phase, capital increase) links here.
    related_project_id: int | None = Field(default=None, foreign_key="project.id")
    description: str | None = Field(default=None)

    category_code: str = Field(foreign_key="category.code", max_length=32)
    chain_code: str = Field(foreign_key="chain.code", max_length=32)
    chain_link_code: str | None = Field(default=None, foreign_key="chain_link.code", max_length=32)
    region_code: str = Field(foreign_key="region.code", index=True, max_length=32)
    method_code: str = Field(foreign_key="method.code", max_length=32)
    county_code: str = Field(foreign_key="county.code", max_length=32)
    zone_code: str | None = Field(default=None, foreign_key="zone.code", max_length=32)
    key_level: str | None = Field(default=None, max_length=16)

    total_investment: Decimal = Field(sa_type=Money)
    fixed_asset_investment: Decimal | None = Field(default=None, sa_type=Money)
    agreed_amount: Decimal | None = Field(default=None, sa_type=Money)
    contract_amount: Decimal | None = Field(default=None, sa_type=Money)
    expected_jobs: int | None = Field(default=None)
    expected_annual_output: Decimal | None = Field(default=None, sa_type=Money)
    expected_annual_tax: Decimal | None = Field(default=None, sa_type=Money)
    land_mu: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)
    energy_tce: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)
    planned_groundbreaking_on: date | None = Field(default=None)

    stage: str = Field(default=Stage.contact.value, max_length=16)
    stage_entered_on: date  # set by the service, in the bureau's time zone
    # Milestones: the first day the project reached each stage or a later one, kept by the
    # service with the stage events (a move back leaves them). The funnel, the cockpit and
    # the list's drill-downs read these, so no figure re-reads the event history.
    reached_contact_on: date | None = Field(default=None)
    reached_intent_on: date | None = Field(default=None)
    reached_signed_on: date | None = Field(default=None)
    reached_contract_on: date | None = Field(default=None)
    reached_groundbreaking_on: date | None = Field(default=None)
    reached_production_on: date | None = Field(default=None)
    reached_achieved_on: date | None = Field(default=None)
    status: str = Field(default=Status.active.value, max_length=16)
    status_reason: str | None = Field(default=None)
    termination_reason: str | None = Field(default=None, max_length=32)
    lost_to_city: str | None = Field(default=None, max_length=64)

    is_confidential: bool = Field(default=False)
    code_name: str | None = Field(default=None, max_length=64)

    first_reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    first_report_county_code: str = Field(foreign_key="county.code", max_length=32)

    leader_id: int | None = Field(default=None, foreign_key="app_user.id")
    plan: str | None = Field(default=None)

    last_activity_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    next_follow_up_on: date | None = Field(default=None, index=True)
    # Name, investor, code and pinyin (full and initials), lower case, for one LIKE.
    search_text: str = Field(default="")

    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bumped by every change; writes carry the version they read (optimistic concurrency).
    version: int = Field(default=1)


def reached_on(stage: Stage) -> Any:
    """The milestone column of `stage`: the first day the project reached it or a later one."""
    return getattr(Project, f"reached_{stage.value}_on")


class StageEvent(SQLModel, table=True):
    """One move between stages; a jump over several stages records one row per stage."""

    __tablename__ = "stage_event"
    __table_args__ = (
        sa.CheckConstraint(_in("to_stage", STAGE_ORDER), name="known_to_stage"),
        sa.Index("ix_stage_event_project_recorded", "project_id", "recorded_at"),
        # The workbench's recent changes: the last days' rows, not the whole history.
        sa.Index("ix_stage_event_recorded", "recorded_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    from_stage: str | None = Field(default=None, max_length=16)
    to_stage: str = Field(max_length=16)
    is_backward: bool = Field(default=False)
    happened_on: date
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    agreement_no: str | None = Field(default=None, max_length=64)
    agreed_amount: Decimal | None = Field(default=None, sa_type=Money)
    contract_no: str | None = Field(default=None, max_length=64)
    contract_on: date | None = Field(default=None)
    contract_amount: Decimal | None = Field(default=None, sa_type=Money)
    started_on: date | None = Field(default=None)
    production_on: date | None = Field(default=None)
    achieved_on: date | None = Field(default=None)
    note: str | None = Field(default=None)


class StatusChange(SQLModel, table=True):
    """Pause, resume or termination, with its reason."""

    __tablename__ = "status_change"
    __table_args__ = (
        sa.CheckConstraint(_in("to_status", tuple(Status)), name="known_to_status"),
        sa.CheckConstraint(
            f"reason_code IS NULL OR {_in('reason_code', tuple(TerminationReason))}",
            name="known_reason_code",
        ),
        sa.Index("ix_status_change_recorded", "recorded_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    stage: str = Field(max_length=16)
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    reason_code: str | None = Field(default=None, max_length=32)
    lost_to_city: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None)
    happened_on: date
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")


class LeaderAssignment(SQLModel, table=True):
    """Who was responsible, from when to when. Rows are closed, never rewritten."""

    __tablename__ = "leader_assignment"
    __table_args__ = (
        # At most one open assignment per project, on both databases.
        sa.Index(
            "uq_leader_assignment_open",
            "project_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.Index("ix_leader_assignment_project_started", "project_id", "started_at"),
        sa.Index("ix_leader_assignment_started", "started_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    leader_id: int = Field(foreign_key="app_user.id", index=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    assigned_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reason: str | None = Field(default=None)


class TeamMember(SQLModel, table=True):
    """The project's task force (专班)."""

    __tablename__ = "team_member"
    __table_args__ = (
        sa.CheckConstraint(_in("role", tuple(TeamRole)), name="known_team_role"),
        sa.UniqueConstraint("project_id", "user_id", name="uq_team_member_project_user"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    role: str = Field(max_length=16)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    added_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class PlanMilestone(SQLModel, table=True):
    """A dated step of the project's plan (方案)."""

    __tablename__ = "plan_milestone"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    title: str = Field(max_length=200)
    due_on: date
    done_on: date | None = Field(default=None)


class CodeSequence(SQLModel, table=True):
    """Per-year counter behind readable project codes; incremented in SQL, safe across workers."""

    __tablename__ = "code_sequence"
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_value: int = Field(default=0)


class SavedView(SQLModel, table=True):
    """A user's named project-list filter (its query string), shown as a tab."""

    __tablename__ = "saved_view"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_saved_view_user_name"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE")
    name: str = Field(max_length=40)
    query: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FundsEntry(SQLModel, table=True):
    """Money actually in place for a project (资金到位), dated; the rate sums these."""

    __tablename__ = "funds_entry"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.Index("ix_funds_entry_project_on", "project_id", "on_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    amount: Decimal = Field(sa_type=Money)
    on_date: date
    note: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
