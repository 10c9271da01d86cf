"""Every audited action leaves exactly one row naming it."""

from datetime import UTC, datetime

import sqlalchemy as sa

from app.activities.schemas import ActivityCreate
from app.activities.service import add_activity
from app.audit.models import AuditEvent
from app.projects.schemas import (
    LeaderAssignIn,
    PauseIn,
    ProjectUpdate,
    ResumeIn,
    TeamMemberIn,
    TerminateIn,
    TransitionIn,
)
from app.projects.service import (
    add_team_member,
    advance_stage,
    assign_leader,
    pause_project,
    resume_project,
    soft_delete_project,
    terminate_project,
    update_project,
)


def actions_since(session, last_id: int) -> list[str]:
    return list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.id > last_id)
                                .order_by(AuditEvent.id)))


def last_id(session) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))


def test_each_change_is_one_audit_row(session, staff, leader, make_project):
    steps = []
    mark = last_id(session)
    project = make_project()
    steps.append(("create", actions_since(session, mark)))
    calls = [
        ("update", lambda: update_project(session, project.id, ProjectUpdate(name="改名"),
                                          expected_version=None, actor=staff)),
        ("leader", lambda: assign_leader(session, project.id,
                                         LeaderAssignIn(leader_id=leader.user_id),
                                         expected_version=None, actor=staff)),
        ("stage", lambda: advance_stage(session, project.id, TransitionIn(
            to_stage="signed", agreement_no="X-1", agreed_amount="10"),
            expected_version=None, actor=staff)),
        ("activity", lambda: add_activity(session, project.id, ActivityCreate(
            kind="call", happened_at=datetime.now(UTC), summary="电话沟通"), actor=staff)),
        ("team", lambda: add_team_member(session, project.id,
                                         TeamMemberIn(user_id=staff.user_id, role="head"),
                                         actor=staff)),
        ("pause", lambda: pause_project(session, project.id, PauseIn(reason="资金"),
                                        expected_version=None, actor=staff)),
        ("resume", lambda: resume_project(session, project.id, ResumeIn(),
                                          expected_version=None, actor=staff)),
        ("terminate", lambda: terminate_project(session, project.id,
                                                TerminateIn(reason_code="policy"),
                                                expected_version=None, actor=staff)),
    ]
    for name, call in calls:
        mark = last_id(session)
        call()
        steps.append((name, actions_since(session, mark)))
    other = make_project()
    mark = last_id(session)
    soft_delete_project(session, other.id, expected_version=None, actor=staff)
    steps.append(("delete", actions_since(session, mark)))
    assert steps == [
        ("create", ["project.create"]), ("update", ["project.update"]),
        ("leader", ["project.leader"]), ("stage", ["project.stage"]),
        ("activity", ["activity.create"]), ("team", ["project.team"]),
        ("pause", ["project.status"]), ("resume", ["project.status"]),
        ("terminate", ["project.status"]), ("delete", ["project.delete"]),
    ]
