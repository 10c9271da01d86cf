"""Follow-ups: recording one keeps the project's last-activity and next-due columns current."""

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor, Permission
from app.activities.models import Activity, ActivityParticipant
from app.activities.schemas import ActivityCreate
from app.audit.service import record
from app.clock import local_date, local_text
from app.db import utcnow
from app.errors import ValidationFailed
from app.i18n import _
from app.projects.service import ensure_can_change, get_project


def add_activity(session: Session, project_id: int, data: ActivityCreate, *,
                 actor: Actor, now: datetime | None = None) -> Activity:
    now = now or utcnow()
    project = get_project(session, project_id, actor)
    ensure_can_change(actor, project, Permission.activity_create)
    if data.happened_at > now:
        raise ValidationFailed(_("The time {moment} is in the future."), field="happened_at",
                               moment=local_text(data.happened_at))
    if data.next_step and data.next_due_on is None:
        raise ValidationFailed(_("Give a due date for the next step."), field="next_due_on")
    if data.next_due_on is not None and data.next_due_on < local_date(data.happened_at):
        raise ValidationFailed(_("The next step cannot be due before the follow-up."),
                               field="next_due_on")
    participant_ids = sorted(set(data.participant_ids))
    if participant_ids:
        found = session.scalar(select(func.count()).select_from(User).where(
            User.id.in_(participant_ids), User.is_active))
        if found != len(participant_ids):
            raise ValidationFailed(_("A participant is not an active user."),
                                   field="participant_ids")
    activity = Activity(
        project_id=project.id,
        kind=data.kind.value,
        happened_at=data.happened_at,
        summary=data.summary,
        next_step=data.next_step,
        next_due_on=data.next_due_on,
        other_participants=data.other_participants,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(activity)
    session.flush()
    session.add_all(ActivityParticipant(activity_id=activity.id, user_id=user_id)
                    for user_id in participant_ids)
    # Denormalised for the "no follow-up in N days" lists (indexed, so they stay cheap).
    # Not a project edit, so the version stays: a follow-up never makes an edit stale.
    # Before `record`: the project's row first, then the audit's locks (app.audit.service).
    if project.last_activity_at is None or data.happened_at >= project.last_activity_at:
        project.last_activity_at = data.happened_at
        project.next_follow_up_on = data.next_due_on
    record(session, actor, "activity.create", object_type="project", object_id=project.id,
           changes={"activity_id": [None, activity.id], "kind": [None, activity.kind],
                    "next_due_on": [None, activity.next_due_on]}, now=now)
    session.flush()
    return activity


def activity_page(session: Session, project_id: int, actor: Actor, *, limit: int,
                  before_id: int | None = None) -> list[Activity]:
    """The API's pages: newest recorded first, by id, so a cursor (the last id) never skips
    or repeats a row (the project page's timeline orders by when they happened)."""
    get_project(session, project_id, actor)
    query = select(Activity).where(Activity.project_id == project_id)
    if before_id is not None:
        query = query.where(Activity.id < before_id)
    return list(session.scalars(query.order_by(Activity.id.desc()).limit(limit)))


def participants_of(session: Session, activity_ids: list[int]) -> dict[int, list[int]]:
    rows = session.execute(select(ActivityParticipant.activity_id, ActivityParticipant.user_id)
                           .where(ActivityParticipant.activity_id.in_(activity_ids)))
    result: dict[int, list[int]] = {activity_id: [] for activity_id in activity_ids}
    for activity_id, user_id in rows:
        result[activity_id].append(user_id)
    return result


__all__ = ["activity_page", "add_activity", "participants_of"]
