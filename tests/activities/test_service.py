"""Recording a follow-up (app.activities.service): what it refuses, and how it keeps the
project's last follow-up and next due date current without touching its version."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.activities.models import Activity, ActivityParticipant
from app.activities.schemas import ActivityCreate
from app.activities.service import activity_page, add_activity
from app.audit.models import AuditEvent
from app.errors import Conflict, NotFound, ValidationFailed
from app.projects.schemas import TerminateIn
from app.projects.service import terminate_project
from tests.conftest import FROZEN_NOW, count, make_actor

# 2026-03-31 17:00 UTC is 2026-04-01 01:00 in Shanghai: the bureau's 1 April.
AFTER_LOCAL_MIDNIGHT = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)


def follow_up(**overrides) -> ActivityCreate:
    data = {"kind": "call", "happened_at": FROZEN_NOW - timedelta(days=1),
            "summary": "电话沟通用地需求"}
    data.update(overrides)
    return ActivityCreate.model_validate(data)


def refusal(session, project_id, actor, data) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        add_activity(session, project_id, data, actor=actor, now=FROZEN_NOW)
    assert count(session, Activity) == 0
    return refused.value


def test_a_follow_up_sets_the_last_follow_up_and_next_due_date_but_not_the_version(
        session, staff, make_project):
    project = make_project()
    version = project.version
    happened = FROZEN_NOW - timedelta(hours=3)

    activity = add_activity(session, project.id, follow_up(
        happened_at=happened, next_step="寄送协议文本", next_due_on=date(2026, 7, 3)),
        actor=staff, now=FROZEN_NOW)

    session.refresh(project)
    assert project.last_activity_at == happened
    assert project.next_follow_up_on == date(2026, 7, 3)
    assert project.version == version  # a follow-up never makes an open edit form stale
    assert (activity.created_by_id, activity.created_at) == (staff.user_id, FROZEN_NOW)
    row = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "activity.create")).one()
    assert (row.object_type, row.object_id) == ("project", str(project.id))
    assert row.changed_fields()["activity_id"] == [None, activity.id]


def test_an_older_follow_up_recorded_late_does_not_move_the_project_back(session, staff,
                                                                          make_project):
    project = make_project()
    recent = FROZEN_NOW - timedelta(days=1)
    add_activity(session, project.id, follow_up(happened_at=recent, next_step="再次拜访",
                                                next_due_on=date(2026, 7, 10)),
                 actor=staff, now=FROZEN_NOW)

    add_activity(session, project.id, follow_up(happened_at=recent - timedelta(days=20),
                                                next_step="旧的下一步",
                                                next_due_on=date(2026, 6, 15)),
                 actor=staff, now=FROZEN_NOW)

    session.refresh(project)
    assert project.last_activity_at == recent
    assert project.next_follow_up_on == date(2026, 7, 10)
    assert count(session, Activity, Activity.project_id == project.id) == 2


def test_a_follow_up_in_the_future_is_refused_and_writes_nothing(session, staff,
                                                                 make_project):
    project = make_project()
    refused = refusal(session, project.id, staff,
                      follow_up(happened_at=FROZEN_NOW + timedelta(minutes=1)))
    assert [p.field for p in refused.errors] == ["happened_at"]
    session.refresh(project)
    assert project.last_activity_at is None
    assert count(session, AuditEvent, AuditEvent.action == "activity.create") == 0


def test_a_next_step_needs_a_due_date(session, staff, make_project):
    project = make_project()
    refused = refusal(session, project.id, staff, follow_up(next_step="寄送协议文本"))
    assert [p.field for p in refused.errors] == ["next_due_on"]
    assert refused.detail() == "请填写下一步工作的完成时限。"


def test_the_next_step_may_be_due_on_the_follow_ups_local_day_not_before(session, staff,
                                                                        make_project):
    project = make_project()
    early = follow_up(happened_at=AFTER_LOCAL_MIDNIGHT, next_step="寄送协议文本",
                      next_due_on=date(2026, 3, 31))
    refused = refusal(session, project.id, staff, early)
    assert [p.field for p in refused.errors] == ["next_due_on"]

    same_day = early.model_copy(update={"next_due_on": date(2026, 4, 1)})
    add_activity(session, project.id, same_day, actor=staff, now=FROZEN_NOW)
    session.refresh(project)
    assert project.next_follow_up_on == date(2026, 4, 1)


def test_participants_are_active_users_each_named_once(session, staff, leader,
                                                       make_project):
    project = make_project()
    gone = make_actor(session, "former.staff", "前同事", ["staff"])
    session.get(User, gone.user_id).is_active = False
    session.flush()
    for ids in ([leader.user_id, gone.user_id], [leader.user_id, 999_999]):
        refused = refusal(session, project.id, staff, follow_up(participant_ids=ids))
        assert [p.field for p in refused.errors] == ["participant_ids"]

    activity = add_activity(session, project.id, follow_up(
        participant_ids=[leader.user_id, staff.user_id, leader.user_id]),
        actor=staff, now=FROZEN_NOW)
    named = session.scalars(sa.select(ActivityParticipant.user_id).where(
        ActivityParticipant.activity_id == activity.id)).all()
    assert sorted(named) == sorted([leader.user_id, staff.user_id])


def test_another_countys_project_does_not_exist_for_a_county_user(session, county_staff,
                                                                  make_project):
    elsewhere = make_project(county="yaodu")
    with pytest.raises(NotFound):
        add_activity(session, elsewhere.id, follow_up(), actor=county_staff, now=FROZEN_NOW)
    assert count(session, Activity) == 0


def test_a_terminated_project_takes_no_follow_up(session, staff, make_project):
    project = make_project()
    terminate_project(session, project.id, TerminateIn(reason_code="investor_withdrew"),
                      expected_version=project.version, actor=staff)
    with pytest.raises(Conflict):
        add_activity(session, project.id, follow_up(), actor=staff, now=FROZEN_NOW)
    assert count(session, Activity) == 0


def test_pages_of_follow_ups_run_newest_recorded_first_and_continue_below_the_cursor(
        session, staff, make_project):
    project = make_project()
    # Recorded in this order; the second happened first, the order a page must not follow.
    recorded = [add_activity(session, project.id, follow_up(
        happened_at=FROZEN_NOW - timedelta(days=days), summary=f"第{n}次"),
        actor=staff, now=FROZEN_NOW).id for n, days in enumerate((3, 9, 1))]

    first = activity_page(session, project.id, staff, limit=2)
    assert [a.id for a in first] == [recorded[2], recorded[1]]
    rest = activity_page(session, project.id, staff, limit=2, before_id=first[-1].id)
    assert [a.id for a in rest] == [recorded[0]]
