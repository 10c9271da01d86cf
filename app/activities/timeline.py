"""A project's timeline: stage moves, status changes, leader assignments and follow-ups in
one list. It lives with the follow-ups because they depend on projects, not the reverse."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor
from app.activities.models import Activity, ActivityParticipant
from app.db import Money
from app.projects.models import LeaderAssignment, Project, StageEvent, StatusChange
from app.projects.service import visible


@dataclass
class TimelineEntry:
    """One line of the project's timeline; `kind` says which fields are filled:
    stage (from/to stage, evidence), status (from/to status, reason code, city),
    leader (subject = the new leader) and activity (follow-up kind, next step, people)."""

    kind: str
    id: int
    at: datetime
    happened_on: date | None
    code_from: str | None
    code_to: str | None
    backward: bool | None
    reason_code: str | None
    city: str | None
    body: str | None
    next_step: str | None
    next_due_on: date | None
    others: str | None
    doc_no: str | None
    amount: Decimal | None
    evidence_on: date | None
    subject_name: str | None
    subject_title: str | None
    actor_name: str | None
    participants: list[str]


def _typed_null(type_: Any) -> Any:
    # A real CAST: PostgreSQL types a UNION's NULL columns pairwise and would guess text.
    return sa.cast(sa.null(), type_)


def project_timeline(session: Session, actor: Actor, project_id: int, *,
                     limit: int = 100) -> list[TimelineEntry]:
    """Stage moves, status changes, leader assignments and follow-ups, newest first: one
    UNION ALL for the entries and one query for the follow-ups' participants."""
    by = aliased(User, name="by")
    subject = aliased(User, name="subject")
    scoped = sa.exists().where(Project.id == project_id, visible(actor))
    text, day, flag = sa.String(), sa.Date(), sa.Boolean()
    stages = (
        select(sa.literal("stage").label("kind"), StageEvent.id.label("id"),
               StageEvent.recorded_at.label("at"), StageEvent.happened_on.label("happened_on"),
               StageEvent.from_stage.label("code_from"), StageEvent.to_stage.label("code_to"),
               StageEvent.is_backward.label("backward"), _typed_null(text).label("reason_code"),
               _typed_null(text).label("city"), StageEvent.note.label("body"),
               _typed_null(text).label("next_step"), _typed_null(day).label("next_due_on"),
               _typed_null(text).label("others"),
               func.coalesce(StageEvent.agreement_no, StageEvent.contract_no).label("doc_no"),
               sa.type_coerce(func.coalesce(StageEvent.agreed_amount,
                                            StageEvent.contract_amount), Money).label("amount"),
               sa.type_coerce(func.coalesce(StageEvent.contract_on, StageEvent.started_on,
                                            StageEvent.production_on,
                                            StageEvent.achieved_on), day).label("evidence_on"),
               _typed_null(text).label("subject_name"), _typed_null(text).label("subject_title"),
               by.display_name.label("actor_name"))
        .outerjoin(by, by.id == StageEvent.actor_id)
        .where(StageEvent.project_id == project_id, scoped)
    )
    statuses = (
        select(sa.literal("status"), StatusChange.id, StatusChange.recorded_at,
               StatusChange.happened_on, StatusChange.from_status, StatusChange.to_status,
               _typed_null(flag), StatusChange.reason_code, StatusChange.lost_to_city,
               StatusChange.reason, _typed_null(text), _typed_null(day), _typed_null(text),
               _typed_null(text), _typed_null(Money), _typed_null(day), _typed_null(text),
               _typed_null(text), by.display_name)
        .outerjoin(by, by.id == StatusChange.actor_id)
        .where(StatusChange.project_id == project_id, scoped)
    )
    leaders = (
        select(sa.literal("leader"), LeaderAssignment.id, LeaderAssignment.started_at,
               _typed_null(day), _typed_null(text), _typed_null(text), _typed_null(flag),
               _typed_null(text), _typed_null(text), LeaderAssignment.reason,
               _typed_null(text), _typed_null(day), _typed_null(text), _typed_null(text),
               _typed_null(Money), _typed_null(day), subject.display_name, subject.title,
               by.display_name)
        .join(subject, subject.id == LeaderAssignment.leader_id)
        .outerjoin(by, by.id == LeaderAssignment.assigned_by_id)
        .where(LeaderAssignment.project_id == project_id, scoped)
    )
    activities = (
        select(sa.literal("activity"), Activity.id, Activity.happened_at, _typed_null(day),
               Activity.kind, _typed_null(text), _typed_null(flag), _typed_null(text),
               _typed_null(text), Activity.summary, Activity.next_step, Activity.next_due_on,
               Activity.other_participants, _typed_null(text), _typed_null(Money),
               _typed_null(day), _typed_null(text), _typed_null(text), by.display_name)
        .outerjoin(by, by.id == Activity.created_by_id)
        .where(Activity.project_id == project_id, scoped)
    )
    merged = sa.union_all(stages, statuses, leaders, activities).subquery("timeline")
    rows = session.execute(
        select(merged).order_by(merged.c.at.desc(), merged.c.id.desc()).limit(limit)
    ).all()
    names = participant_names(session, [row.id for row in rows if row.kind == "activity"])
    return [TimelineEntry(**row._mapping,
                          participants=names.get(row.id, []) if row.kind == "activity" else [])
            for row in rows]


def participant_names(session: Session, activity_ids: list[int]) -> dict[int, list[str]]:
    """Display names of the colleagues who took part, per follow-up (one statement)."""
    if not activity_ids:
        return {}
    names: dict[int, list[str]] = {}
    for activity_id, name in session.execute(
        select(ActivityParticipant.activity_id, User.display_name)
        .join(User, User.id == ActivityParticipant.user_id)
        .where(ActivityParticipant.activity_id.in_(activity_ids))
        .order_by(ActivityParticipant.activity_id, User.display_name)
    ):
        names.setdefault(activity_id, []).append(name)
    return names
