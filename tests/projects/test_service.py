"""The project rules, one behaviour per test, each refusal checked to change nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from app.clock import local_date, local_text
from app.errors import Conflict, StaleVersion, ValidationFailed
from app.projects.models import Investor, LeaderAssignment, Project, StatusChange
from app.projects.schemas import (
    InvestorIn,
    LeaderAssignIn,
    MoveBackIn,
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
    create_project,
    leader_history,
    move_back,
    pause_project,
    resume_project,
    soft_delete_project,
    stage_history,
    terminate_project,
    update_project,
)
from tests.conftest import count, project_input, snapshot

SIGNING = {"agreement_no": "LFXY-2026-001", "agreed_amount": Decimal("120000.00")}
CONTRACT = {"contract_no": "LFHT-2026-001", "contract_on": date(2026, 1, 5),
            "contract_amount": Decimal("118000.00")}


def with_leader(session, project, leader, staff):
    assign_leader(session, project.id, LeaderAssignIn(leader_id=leader.user_id),
                  expected_version=project.version, actor=staff)
    return project


# --- creation ----------------------------------------------------------------------------

def test_new_project_gets_a_readable_code_and_a_first_contact_event(session, staff):
    project = create_project(session, project_input(), actor=staff)
    assert project.code.startswith("ZS-") and project.code.endswith("-0001")
    second = create_project(session, project_input(
        name="二号项目", investor=InvestorIn(name="另一家公司")), actor=staff)
    assert second.code.endswith("-0002")
    events = stage_history(session, project.id, staff)
    assert [(e.from_stage, e.to_stage) for e in events] == [(None, "contact")]
    assert project.stage == "contact" and project.status == "active" and project.version == 1
    assert project.first_report_county_code == "yaodu"


def test_amounts_are_exact_decimals_and_sums_are_exact(session, make_project):
    for _ in range(10):
        make_project(total_investment=Decimal("0.10"))
    make_project(total_investment=Decimal("41900000.07"))
    total = session.scalar(sa.select(sa.func.sum(Project.total_investment)))
    assert total == Decimal("41900001.07")
    assert isinstance(total, Decimal)


def test_search_text_holds_pinyin_initials(session, staff):
    project = create_project(session, project_input(
        name="宁远电池项目", investor=InvestorIn(name="宁远新能源有限公司")), actor=staff)
    assert "nydc" in project.search_text
    assert "ningyuan" in project.search_text


@pytest.mark.parametrize("code", ["91140100MA0K9ABC11", "12345", "91140100MA0K9ABCI0"])
def test_bad_credit_code_is_refused_and_nothing_is_written(session, staff, code):
    with pytest.raises(ValidationFailed) as refused:
        create_project(session, project_input(
            investor=InvestorIn(name="某公司", credit_code=code)), actor=staff)
    assert refused.value.errors[0].field == "investor.credit_code"
    assert count(session, Project) == 0 and count(session, Investor) == 0


@pytest.mark.parametrize("amount", ["-1", "abc", "1.234", "NaN"])
def test_negative_or_non_numeric_amount_is_refused_by_the_shared_schema(amount):
    with pytest.raises(ValidationError) as refused:
        project_input(total_investment=amount)
    assert refused.value.errors()[0]["loc"] == ("total_investment",)


@pytest.mark.parametrize(("field", "value"), [("region", "mars"), ("chain", "nope"),
                                                ("county", "atlantis"), ("method", "x"),
                                                ("category", "y"), ("zone", "yaodu.zz")])
def test_unknown_lookup_code_names_the_field_and_writes_nothing(session, staff, field, value):
    with pytest.raises(ValidationFailed) as refused:
        create_project(session, project_input(**{field: value}), actor=staff)
    assert [e.field for e in refused.value.errors] == [field]
    assert count(session, Project) == 0


def test_chain_link_must_belong_to_the_chain(session, staff):
    with pytest.raises(ValidationFailed) as refused:
        create_project(session, project_input(chain="wind", chain_link="carbon.pitch"),
                       actor=staff)
    assert refused.value.errors[0].field == "chain_link"


def test_confidential_project_needs_a_code_name(session, staff):
    with pytest.raises(ValidationFailed) as refused:
        create_project(session, project_input(is_confidential=True), actor=staff)
    assert refused.value.errors[0].field == "code_name"


# --- duplicates --------------------------------------------------------------------------

def test_same_credit_code_is_a_conflict_naming_the_existing_project(session, staff):
    first = create_project(session, project_input(), actor=staff)
    with pytest.raises(Conflict) as refused:
        create_project(session, project_input(
            name="另一个名字", county="houma",
            investor=InvestorIn(name="完全不同的名字", credit_code="91140100MA0K9ABC10")),
            actor=staff)
    params = refused.value.params
    assert params["code"] == first.code
    assert params["county"] == "尧都区"
    assert params["reported"] == local_text(first.first_reported_at)  # as people read it
    assert count(session, Project) == 1


def test_same_normalised_name_is_a_duplicate(session, staff):
    create_project(session, project_input(
        investor=InvestorIn(name="山西 宏达碳素科技股份有限公司")), actor=staff)
    with pytest.raises(Conflict):
        create_project(session, project_input(
            investor=InvestorIn(name="山西宏达碳素科技（有限公司）")), actor=staff)


def test_another_project_of_the_same_investor_is_linked_when_the_caller_says_so(session, staff):
    first = create_project(session, project_input(), actor=staff)
    second = create_project(session, project_input(
        name="年产10万吨针状焦项目二期", same_investor_as=first.id), actor=staff)
    assert second.related_project_id == first.id
    assert second.investor_id == first.investor_id


def test_linking_to_a_project_of_another_investor_is_refused(session, staff, make_project):
    stranger = make_project()
    with pytest.raises(ValidationFailed) as refused:
        create_project(session, project_input(same_investor_as=stranger.id), actor=staff)
    assert refused.value.errors[0].field == "same_investor_as"


def test_a_terminated_project_does_not_block_a_new_one(session, staff):
    first = create_project(session, project_input(), actor=staff)
    terminate_project(session, first.id, TerminateIn(reason_code="investor_withdrew"),
                      expected_version=None, actor=staff)
    again = create_project(session, project_input(), actor=staff)
    assert again.investor_id == first.investor_id


# --- stages ------------------------------------------------------------------------------

def test_intent_without_a_leader_is_refused_and_changes_nothing(session, staff, make_project):
    project = make_project()
    before = snapshot(session, project)
    with pytest.raises(ValidationFailed) as refused:
        advance_stage(session, project.id, TransitionIn(to_stage="intent"),
                      expected_version=project.version, actor=staff)
    assert refused.value.errors[0].field == "leader_id"
    assert snapshot(session, project) == before


def test_signing_requires_agreement_number_and_agreed_amount(session, staff, leader,
                                                             make_project):
    project = with_leader(session, make_project(), leader, staff)
    before = snapshot(session, project)
    with pytest.raises(ValidationFailed) as refused:
        advance_stage(session, project.id, TransitionIn(to_stage="signed"),
                      expected_version=None, actor=staff)
    assert {e.field for e in refused.value.errors} == {"agreement_no", "agreed_amount"}
    assert snapshot(session, project) == before


def test_jumping_stages_records_one_event_per_stage_with_its_evidence(session, staff, leader,
                                                                      make_project):
    project = with_leader(session, make_project(), leader, staff)
    events = advance_stage(session, project.id,
                           TransitionIn(to_stage="contract", **SIGNING, **CONTRACT),
                           expected_version=None, actor=staff)
    assert [(e.from_stage, e.to_stage) for e in events] == [
        ("contact", "intent"), ("intent", "signed"), ("signed", "contract")]
    assert events[1].agreed_amount == Decimal("120000.00") and events[1].contract_no is None
    assert events[2].contract_no == "LFHT-2026-001"
    assert project.stage == "contract" and project.contract_amount == Decimal("118000.00")


def test_every_later_stage_requires_its_evidence(session, staff, leader, make_project):
    project = with_leader(session, make_project(), leader, staff)
    with pytest.raises(ValidationFailed) as refused:
        advance_stage(session, project.id, TransitionIn(to_stage="achieved", **SIGNING),
                      expected_version=None, actor=staff)
    assert {e.field for e in refused.value.errors} == {
        "contract_no", "contract_on", "contract_amount", "started_on", "production_on",
        "achieved_on"}


def test_advancing_backwards_is_refused(session, staff, leader, make_project):
    project = with_leader(session, make_project(), leader, staff)
    advance_stage(session, project.id, TransitionIn(to_stage="signed", **SIGNING),
                  expected_version=None, actor=staff)
    with pytest.raises(ValidationFailed):
        advance_stage(session, project.id, TransitionIn(to_stage="intent"),
                      expected_version=None, actor=staff)


def test_moving_back_needs_a_reason_and_is_its_own_event(session, staff, leader, make_project):
    project = with_leader(session, make_project(), leader, staff)
    advance_stage(session, project.id, TransitionIn(to_stage="signed", **SIGNING),
                  expected_version=None, actor=staff)
    with pytest.raises(ValidationError):
        MoveBackIn(to_stage="intent", reason="  ")
    event = move_back(session, project.id,
                      MoveBackIn(to_stage="intent", reason="协议作废，重新谈判"),
                      expected_version=None, actor=staff)
    assert event.is_backward and (event.from_stage, event.to_stage) == ("signed", "intent")
    assert project.stage == "intent"
    assert [e.to_stage for e in stage_history(session, project.id, staff)] == [
        "contact", "intent", "signed", "intent"]


def test_a_future_date_is_refused(session, staff, leader, make_project):
    project = with_leader(session, make_project(), leader, staff)
    with pytest.raises(ValidationFailed) as refused:
        advance_stage(session, project.id, TransitionIn(
            to_stage="intent", happened_on=date.today() + timedelta(days=2)),
            expected_version=None, actor=staff)
    assert refused.value.errors[0].field == "happened_on"


def test_a_visit_last_week_becomes_an_intent_dated_last_week(session, staff, leader):
    visited = local_date() - timedelta(days=7)
    project = create_project(session, project_input(first_contact_on=visited), actor=staff)
    assert project.reached_contact_on == visited and project.stage_entered_on == visited
    assert project.first_reported_at.date() >= visited + timedelta(days=6)  # when entered
    with_leader(session, project, leader, staff)
    intent_on = visited + timedelta(days=1)
    advance_stage(session, project.id, TransitionIn(to_stage="intent", happened_on=intent_on),
                  expected_version=None, actor=staff)
    assert [e.happened_on for e in stage_history(session, project.id, staff)] == [
        visited, intent_on]
    # The same day as the previous move is allowed too.
    advance_stage(session, project.id, TransitionIn(to_stage="signed", happened_on=intent_on,
                                                    **SIGNING),
                  expected_version=None, actor=staff)
    assert project.reached_signed_on == intent_on


def test_a_first_contact_in_the_future_is_refused_and_nothing_is_written(session, staff):
    with pytest.raises(ValidationFailed) as refused:
        create_project(session, project_input(
            first_contact_on=local_date() + timedelta(days=1)), actor=staff)
    assert refused.value.errors[0].field == "first_contact_on"
    assert count(session, Project) == 0


def test_a_date_before_the_last_move_is_refused(session, staff, leader, make_project):
    project = with_leader(session, make_project(), leader, staff)
    with pytest.raises(ValidationFailed):
        advance_stage(session, project.id, TransitionIn(
            to_stage="intent", happened_on=date.today() - timedelta(days=400)),
            expected_version=None, actor=staff)


# --- status ------------------------------------------------------------------------------

def test_a_paused_project_does_not_advance_until_resumed(session, staff, leader, make_project):
    project = with_leader(session, make_project(), leader, staff)
    pause_project(session, project.id, PauseIn(reason="投资方资金调整"), expected_version=None,
                  actor=staff)
    before = snapshot(session, project)
    with pytest.raises(Conflict):
        advance_stage(session, project.id, TransitionIn(to_stage="intent"),
                      expected_version=None, actor=staff)
    assert snapshot(session, project) == before
    resume_project(session, project.id, ResumeIn(), expected_version=None, actor=staff)
    advance_stage(session, project.id, TransitionIn(to_stage="intent"), expected_version=None,
                  actor=staff)
    assert project.stage == "intent" and project.status == "active"


def test_terminating_needs_a_reason_code_and_the_lost_city(session, staff, make_project):
    project = make_project()
    with pytest.raises(ValidationError):
        TerminateIn(reason_code="bored")
    with pytest.raises(ValidationFailed) as refused:
        terminate_project(session, project.id, TerminateIn(reason_code="lost_to_other_city"),
                          expected_version=None, actor=staff)
    assert refused.value.errors[0].field == "lost_to_city"
    change = terminate_project(session, project.id,
                               TerminateIn(reason_code="lost_to_other_city", lost_to_city="运城"),
                               expected_version=None, actor=staff)
    assert change.to_status == "terminated" and project.termination_reason == "lost_to_other_city"
    assert project.stage == "contact"  # the stage it was terminated at


def test_a_terminated_project_cannot_be_changed(session, staff, leader, make_project):
    project = make_project()
    terminate_project(session, project.id, TerminateIn(reason_code="policy"),
                      expected_version=None, actor=staff)
    before = snapshot(session, project)
    for attempt in (
        lambda: advance_stage(session, project.id, TransitionIn(to_stage="intent"),
                              expected_version=None, actor=staff),
        lambda: update_project(session, project.id, ProjectUpdate(name="新名字"),
                               expected_version=None, actor=staff),
        lambda: assign_leader(session, project.id, LeaderAssignIn(leader_id=leader.user_id),
                              expected_version=None, actor=staff),
        lambda: pause_project(session, project.id, PauseIn(reason="x"), expected_version=None,
                              actor=staff),
    ):
        with pytest.raises(Conflict):
            attempt()
    assert snapshot(session, project) == before


# --- versions ----------------------------------------------------------------------------

def test_every_change_bumps_the_version(session, staff, leader, make_project):
    project = make_project()
    assert project.version == 1
    update_project(session, project.id, ProjectUpdate(total_investment=Decimal("9.99")),
                   expected_version=1, actor=staff)
    assign_leader(session, project.id, LeaderAssignIn(leader_id=leader.user_id), expected_version=2,
                  actor=staff)
    advance_stage(session, project.id, TransitionIn(to_stage="intent"), expected_version=3,
                  actor=staff)
    assert project.version == 4


def test_a_stale_version_is_refused_and_changes_nothing(session, staff, make_project):
    project = make_project()
    update_project(session, project.id, ProjectUpdate(name="改过的名字"), expected_version=1,
                   actor=staff)
    before = snapshot(session, project)
    with pytest.raises(StaleVersion) as refused:
        update_project(session, project.id, ProjectUpdate(name="又改一次"), expected_version=1,
                       actor=staff)
    assert refused.value.params["current"] == 2
    session.refresh(project)
    assert project.name == "改过的名字" and snapshot(session, project) == before


def test_update_validates_lookups_and_keeps_other_fields(session, staff, make_project):
    project = make_project(zone="yaodu.dz")
    with pytest.raises(ValidationFailed) as refused:
        update_project(session, project.id, ProjectUpdate(county="houma"),
                       expected_version=None, actor=staff)
    assert refused.value.errors[0].field == "zone"
    update_project(session, project.id, ProjectUpdate(county="houma", zone="houma.dz"),
                   expected_version=None, actor=staff)
    assert (project.county_code, project.zone_code, project.chain_code) == (
        "houma", "houma.dz", "carbon")


def test_deleted_projects_are_gone_for_reads_and_writes(session, staff, make_project):
    from app.errors import NotFound
    from app.projects.service import get_project

    project = make_project()
    soft_delete_project(session, project.id, expected_version=1, actor=staff)
    with pytest.raises(NotFound):
        get_project(session, project.id, staff)
    assert count(session, Project) == 1  # kept, only marked


# --- one project, one leader -------------------------------------------------------------

def test_reassignment_closes_the_open_assignment_and_keeps_history(session, staff, leader,
                                                                   other_leader, make_project):
    project = with_leader(session, make_project(), leader, staff)
    with pytest.raises(ValidationFailed) as refused:
        assign_leader(session, project.id, LeaderAssignIn(leader_id=other_leader.user_id),
                      expected_version=None, actor=staff)
    assert refused.value.errors[0].field == "reason"
    assign_leader(session, project.id, LeaderAssignIn(leader_id=other_leader.user_id,
                                                       reason="分工调整"),
                  expected_version=None, actor=staff)
    history = leader_history(session, project.id, staff)
    assert [(a.leader_id, a.ended_at is None) for a in history] == [
        (leader.user_id, False), (other_leader.user_id, True)]
    assert history[1].reason == "分工调整" and project.leader_id == other_leader.user_id


def test_only_an_active_leader_can_be_responsible(session, staff, make_project):
    project = make_project()
    with pytest.raises(ValidationFailed) as refused:
        assign_leader(session, project.id, LeaderAssignIn(leader_id=staff.user_id),
                      expected_version=None, actor=staff)
    assert refused.value.errors[0].field == "leader_id"
    assert project.leader_id is None


def test_the_database_refuses_a_project_past_contact_without_leader(session, make_project):
    project = make_project()
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(sa.update(Project).where(Project.id == project.id)
                        .values(stage="intent"))


def test_the_database_refuses_two_open_leader_assignments(session, staff, leader, other_leader,
                                                          make_project):
    project = with_leader(session, make_project(), leader, staff)
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.add(LeaderAssignment(project_id=project.id, leader_id=other_leader.user_id))
        session.flush()


def test_team_members_are_added_once(session, staff, leader, make_project):
    project = make_project()
    member = add_team_member(session, project.id, TeamMemberIn(user_id=staff.user_id, role="head"),
                             actor=staff)
    assert member.role == "head"
    with pytest.raises(Conflict):
        add_team_member(session, project.id, TeamMemberIn(user_id=staff.user_id, role="member"),
                        actor=staff)


def test_a_terminated_project_cannot_be_terminated_again_even_by_an_admin(session, admin,
                                                                          make_project):
    project = make_project()
    terminate_project(session, project.id, TerminateIn(reason_code="policy"),
                      expected_version=None, actor=admin)
    with pytest.raises(Conflict):
        terminate_project(session, project.id, TerminateIn(reason_code="land"),
                          expected_version=None, actor=admin)
    assert count(session, StatusChange, StatusChange.project_id == project.id) == 1


def test_a_pause_cannot_be_dated_before_the_last_move(session, staff, leader, make_project):
    project = with_leader(session, make_project(), leader, staff)
    with pytest.raises(ValidationFailed) as refused:
        pause_project(session, project.id, PauseIn(reason="x",
                                                   happened_on=date.today() - timedelta(days=30)),
                      expected_version=None, actor=staff)
    assert refused.value.errors[0].field == "happened_on"


def test_resending_a_contact_does_not_duplicate_it(session, staff):
    from app.projects.models import InvestorContact
    from app.projects.schemas import ContactIn

    contact = ContactIn(name="陈经理", phone="13812341234")
    first = create_project(session, project_input(investor=InvestorIn(
        name="山西宏达碳素科技有限公司", contacts=[contact])), actor=staff)
    create_project(session, project_input(name="二期", same_investor_as=first.id,
                                          investor=InvestorIn(name="山西宏达碳素科技有限公司",
                                                              contacts=[contact])),
                   actor=staff)
    assert count(session, InvestorContact) == 1
