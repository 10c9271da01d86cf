"""Follow-ups: recording one keeps the project's last-activity and next-due columns current."""

from collections.abc import Sequence
from dataclasses import dataclass
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
from app.projects.models import Project
from app.projects.service import ensure_can_change, get_project


@dataclass(frozen=True)
class FollowUp:
    """One follow-up to record: what happened, who writes it up, and when."""

    data: ActivityCreate
    actor: Actor
    now: datetime


def add_activity(session: Session, project_id: int, data: ActivityCreate, *,
                 actor: Actor, now: datetime | None = None) -> Activity:
    return add_activities(session, project_id, [FollowUp(data, actor, now or utcnow())])[0]


def add_activities(session: Session, project_id: int,
                   follow_ups: Sequence[FollowUp]) -> list[Activity]:
    """Follow-ups of one project in the order given, each checked and audited as if
    recorded alone, written with one flush for all (the demo's runs of follow-ups)."""
    if not follow_ups:
        return []
    projects = {actor: get_project(session, project_id, actor)
                for actor in {follow_up.actor for follow_up in follow_ups}}
    for follow_up in follow_ups:
        _check_follow_up(projects[follow_up.actor], follow_up)
    participant_ids = {user_id for follow_up in follow_ups
                       for user_id in follow_up.data.participant_ids}
    if participant_ids:
        found = session.scalar(select(func.count()).select_from(User).where(
            User.id.in_(participant_ids), User.is_active))
        if found != len(participant_ids):
            raise ValidationFailed(_("A participant is not an active user."),
                                   field="participant_ids")
    project = next(iter(projects.values()))
    activities = [Activity(
        project_id=project.id,
        kind=follow_up.data.kind.value,
        happened_at=follow_up.data.happened_at,
        summary=follow_up.data.summary,
        next_step=follow_up.data.next_step,
        next_due_on=follow_up.data.next_due_on,
        other_participants=follow_up.data.other_participants,
        created_by_id=follow_up.actor.user_id,
        created_at=follow_up.now,
    ) for follow_up in follow_ups]
    session.add_all(activities)
    session.flush()
    session.add_all(ActivityParticipant(activity_id=activity.id, user_id=user_id)
                    for activity, follow_up in zip(activities, follow_ups, strict=True)
                    for user_id in sorted(set(follow_up.data.participant_ids)))
    for activity, follow_up in zip(activities, follow_ups, strict=True):
        # Denormalised for the "no follow-up in N days" lists (indexed, so they stay cheap).
        # Not a project edit, so the version stays: a follow-up never makes an edit stale.
        # Before `record`: the project's row first, then the audit's locks
        # (app.audit.service).
        if project.last_activity_at is None or \
                activity.happened_at >= project.last_activity_at:
            project.last_activity_at = activity.happened_at
            project.next_follow_up_on = activity.next_due_on
        record(session, follow_up.actor, "activity.create", object_type="project",
               object_id=project.id,
               changes={"activity_id": [None, activity.id], "kind": [None, activity.kind],
                        "next_due_on": [None, activity.next_due_on]}, now=follow_up.now)
    session.flush()
    return activities


def _check_follow_up(project: Project, follow_up: FollowUp) -> None:
    data = follow_up.data
    ensure_can_change(follow_up.actor, project, Permission.activity_create)
    if data.happened_at > follow_up.now:
        raise ValidationFailed(_("The time {moment} is in the future."), field="happened_at",
                               moment=local_text(data.happened_at))
    if data.next_step and data.next_due_on is None:
        raise ValidationFailed(_("Give a due date for the next step."), field="next_due_on")
    if data.next_due_on is not None and data.next_due_on < local_date(data.happened_at):
        raise ValidationFailed(_("The next step cannot be due before the follow-up."),
                               field="next_due_on")


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


__all__ = ["FollowUp", "activity_page", "add_activities", "add_activity", "participants_of"]
