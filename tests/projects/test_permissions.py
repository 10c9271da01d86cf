"""Scope and object rules, enforced in the service whichever door calls it."""

import pytest

from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.projects.schemas import LeaderAssignIn, ProjectUpdate, TerminateIn, TransitionIn
from app.projects.service import (
    advance_stage,
    assign_leader,
    create_project,
    get_project,
    terminate_project,
    update_project,
)
from tests.conftest import make_actor, project_input


def test_county_staff_do_not_see_another_countys_project(session, county_staff, make_project):
    elsewhere = make_project(county="yaodu")
    with pytest.raises(NotFound):
        get_project(session, elsewhere.id, county_staff)
    with pytest.raises(NotFound):
        update_project(session, elsewhere.id, ProjectUpdate(name="x"), expected_version=None,
                       actor=county_staff)


def test_county_staff_change_their_own_countys_projects(session, county_staff, make_project):
    mine = make_project(county="houma")
    update_project(session, mine.id, ProjectUpdate(name="侯马新项目"), expected_version=None,
                   actor=county_staff)
    assert get_project(session, mine.id, county_staff).name == "侯马新项目"


def test_county_staff_create_only_in_their_county(session, county_staff):
    with pytest.raises(ValidationFailed) as refused:
        create_project(session, project_input(county="yaodu"), actor=county_staff)
    assert refused.value.errors[0].field == "county"


def test_a_leader_changes_only_the_projects_they_lead(session, staff, leader, other_leader,
                                                      make_project):
    led = make_project()
    assign_leader(session, led.id, LeaderAssignIn(leader_id=leader.user_id),
                  expected_version=None, actor=staff)
    advance_stage(session, led.id, TransitionIn(to_stage="intent"), expected_version=None,
                  actor=leader)
    with pytest.raises(PermissionDenied):
        advance_stage(session, led.id, TransitionIn(to_stage="signed", agreement_no="A",
                                                    agreed_amount="1"),
                      expected_version=None, actor=other_leader)
    assert led.stage == "intent"


def test_a_leader_may_not_reassign_the_leader(session, staff, leader, other_leader,
                                              make_project):
    led = make_project()
    assign_leader(session, led.id, LeaderAssignIn(leader_id=leader.user_id),
                  expected_version=None, actor=staff)
    with pytest.raises(PermissionDenied):
        assign_leader(session, led.id, LeaderAssignIn(leader_id=other_leader.user_id,
                                                      reason="x"),
                      expected_version=None, actor=leader)


def test_a_supervisor_reads_but_does_not_change(session, make_project):
    supervisor = make_actor(session, "du.cha", "督查", ["supervisor"])
    project = make_project()
    assert get_project(session, project.id, supervisor).id == project.id
    with pytest.raises(PermissionDenied):
        update_project(session, project.id, ProjectUpdate(name="x"), expected_version=None,
                       actor=supervisor)
    with pytest.raises(PermissionDenied):
        create_project(session, project_input(), actor=supervisor)


def test_only_an_administrator_edits_a_terminated_project(session, staff, admin, make_project):
    project = make_project()
    terminate_project(session, project.id, TerminateIn(reason_code="land"),
                      expected_version=None, actor=staff)
    update_project(session, project.id, ProjectUpdate(description="核实后补录"),
                   expected_version=None, actor=admin)
    assert project.description == "核实后补录"


def test_only_those_on_a_confidential_project_may_rename_or_unmask_it(session, staff):
    from app.errors import PermissionDenied as Refused
    from app.projects.models import Project
    from app.projects.schemas import ProjectUpdate
    from app.projects.service import create_project, update_project
    from tests.conftest import make_actor, project_input

    secret = create_project(session, project_input(is_confidential=True, code_name="A计划"),
                            actor=staff)
    other = make_actor(session, "other.staff", "周敏", ["staff"])
    for change in ({"name": "改名"}, {"is_confidential": False}, {"code_name": "B计划"}):
        with pytest.raises(Refused):
            update_project(session, secret.id, ProjectUpdate(**change), expected_version=None,
                           actor=other)
    session.expire_all()
    kept = session.get(Project, secret.id)
    assert (kept.name, kept.is_confidential, kept.code_name, kept.version) == (
        "年产10万吨针状焦项目", True, "A计划", 1)
    # Other fields stay open to county staff, and the reporter may rename it.
    update_project(session, secret.id, ProjectUpdate(total_investment="9.00"),
                   expected_version=None, actor=other)
    update_project(session, secret.id, ProjectUpdate(name="新名称"), expected_version=None,
                   actor=staff)
    assert session.get(Project, secret.id).name == "新名称"
