"""The project page: header, steps, one timeline, tabs, and every action with its refusals."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.activities.models import Activity
from app.activities.schemas import ActivityCreate
from app.activities.service import add_activity
from app.analytics.funds import add_funds_entry
from app.analytics.schemas import FundsEntryIn
from app.projects.schemas import LeaderAssignIn, PauseIn, ProjectUpdate, TransitionIn
from app.projects.service import advance_stage, assign_leader, pause_project, update_project
from tests.conftest import csrf_of, make_actor, snapshot

SIGNING = {"agreement_no": "LFXY-2026-001", "agreed_amount": "120000"}


class _Form(HTMLParser):
    """The fields a browser would send from one form (inputs, selects, textareas)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields.pop()
            self.fields.append((name, value + data))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, form_id: str) -> dict[str, str]:
    parser = _Form(form_id)
    parser.feed(html)
    assert parser.fields, f"no form {form_id}"
    return dict(parser.fields)


@pytest.fixture
def project(session, make_project, staff, leader):
    """A project at intent with 李云峰 as its leader, first reported by 王芳."""
    p = make_project(name="宁远电池项目", total_investment=Decimal("125000.50"),
                     key_level="province")
    assign_leader(session, p.id, LeaderAssignIn(leader_id=leader.user_id),
                  expected_version=None, actor=staff)
    advance_stage(session, p.id, TransitionIn(to_stage="intent"), expected_version=None,
                  actor=staff)
    session.commit()
    return p


def post(client, path, data, htmx=False):
    token = csrf_of(client, "/account")
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={"csrf_token": token, **data}, headers=headers,
                       follow_redirects=False)


# --- the page ------------------------------------------------------------------------------

def test_page_shows_header_timeline_and_tabs(client, signed_in, session, staff, leader,
                                             project):
    signed_in("zhang.wei")
    add_activity(session, project.id, ActivityCreate(
        kind="visit_out", happened_at=datetime.now(UTC) - timedelta(days=3),
        summary="赴宁波拜访总部，对接用地需求", next_step="报送用地预审材料",
        next_due_on=date.today() + timedelta(days=10), participant_ids=[leader.user_id]),
        actor=staff)
    session.commit()
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    html = page.text
    assert "宁远电池项目" in html and project.code in html
    assert 'class="stage-tag stage-intent">意向' in html and "省重点" in html
    assert "12.50 亿元" in html and "125,000.50" in html
    assert "李云峰（市长）" in html and "本阶段" in html
    assert "3 天未跟进" in html
    # One timeline: the stage move, the leader assignment and the follow-up with its due date.
    assert "阶段变更：接洽 → 意向" in html
    assert "包联领导：李云峰（市长）" in html
    assert "赴宁波拜访总部，对接用地需求" in html and "下一步：报送用地预审材料" in html
    assert (date.today() + timedelta(days=10)).isoformat() in html
    assert "外出拜访" in html
    for tab in ("跟进记录", "专班与方案", "投资方与联系人", "操作日志"):
        assert tab in html
    # The steps bar: seven stages, intent current, contact done.
    assert re.search(r'zs-step-current" aria-current="step">\s*<span class="zs-step-dot">2<',
                     html)
    assert "编辑" in html and "推进阶段" in html and "终止" in html
    assert "前期手续" not in html


def test_tabs_swap_by_htmx_and_show_team_investor_and_history(client, signed_in, project):
    signed_in("zhang.wei")
    fragment = client.get(f"/projects/{project.id}?tab=history",
                          headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section class="zs-card" id="project-tabs"')
    assert "<html" not in fragment.text
    assert "阶段变更" in fragment.text and "王芳" in fragment.text
    investor = client.get(f"/projects/{project.id}?tab=investor")
    assert 'id="contacts-' in investor.text
    team = client.get(f"/projects/{project.id}?tab=team")
    assert "添加成员" in team.text and "推进方案" in team.text


def test_a_supervisor_sees_the_page_without_action_buttons(client, signed_in, project):
    signed_in("du.cha", roles=["supervisor"])
    html = client.get(f"/projects/{project.id}").text
    assert "宁远电池项目" in html
    assert f'href="/projects/{project.id}/edit"' not in html
    assert "推进阶段" not in html and "写跟进" not in html and "添加成员" not in html


def test_a_confidential_project_shows_its_code_name_to_others(client, signed_in, session,
                                                               make_project, staff):
    secret = make_project(name="某新能源电池项目", is_confidential=True, code_name="一号工程")
    session.commit()
    signed_in("zhang.wei")
    html = client.get(f"/projects/{secret.id}").text
    assert "一号工程" in html and "某新能源电池项目" not in html
    edit = client.get(f"/projects/{secret.id}/edit").text
    assert 'name="name"' not in edit and "某新能源电池项目" not in edit


# --- advancing -----------------------------------------------------------------------------

def test_advance_without_evidence_shows_the_reason_and_changes_nothing(client, signed_in,
                                                                       session, project):
    signed_in("zhang.wei")
    before = snapshot(session, project)
    answer = post(client, f"/projects/{project.id}/advance",
                  {"to_stage": "signed", "version": project.version}, htmx=True)
    assert answer.status_code == 422
    assert "进入签约阶段须填写协议编号" in answer.text
    assert "进入签约阶段须填写协议金额" in answer.text
    assert answer.text.lstrip().startswith("<form")
    assert snapshot(session, project) == before


def test_advance_with_evidence_moves_the_stage_and_shows_the_new_step(client, signed_in,
                                                                      session, project):
    signed_in("zhang.wei")
    answer = post(client, f"/projects/{project.id}/advance",
                  {"to_stage": "signed", "version": project.version, **SIGNING})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/projects/{project.id}"
    session.refresh(project)
    assert project.stage == "signed" and project.agreed_amount == Decimal("120000.00")
    html = client.get(f"/projects/{project.id}").text
    assert re.search(r'zs-step-current" aria-current="step">\s*<span class="zs-step-dot">3<',
                     html)
    assert "阶段变更：意向 → 签约" in html and "LFXY-2026-001" in html


def test_an_agreed_amount_above_the_total_asks_for_confirmation(client, signed_in, session,
                                                                 project):
    """Total 125,000.50 万元; 1,200,000 typed (元 for 万元?): the form asks, with a box to
    tick, and changes nothing until it is ticked."""
    signed_in("zhang.wei")
    before = snapshot(session, project)
    typo = {"to_stage": "signed", "version": project.version, "agreement_no": "LFXY-2026-001",
            "agreed_amount": "1,200,000"}
    asked = post(client, f"/projects/{project.id}/advance", typo, htmx=True)
    assert asked.status_code == 422
    assert "协议金额 1,200,000.00 万元高于总投资 125,000.50 万元" in asked.text
    assert "已核对：协议金额确实高于总投资" in asked.text
    assert snapshot(session, project) == before
    fields = form_fields(asked.text, f"advance-form-{project.id}")
    assert fields["agreed_amount"] == "1,200,000" and "agreed_above_total_confirmed" not in fields
    done = post(client, f"/projects/{project.id}/advance",
                {**fields, "agreed_above_total_confirmed": "true"})
    assert done.status_code == 303
    session.refresh(project)
    assert project.stage == "signed" and project.agreed_amount == Decimal("1200000.00")


def test_the_funds_in_place_are_a_figure_and_a_tab_of_the_project(client, signed_in, session,
                                                                  project, staff):
    add_funds_entry(session, staff, project.id,
                    FundsEntryIn(amount=Decimal("3000.50"), on_date=date(2026, 3, 1)))
    session.commit()
    signed_in("zhang.wei")
    html = client.get(f"/projects/{project.id}").text
    figure = re.search(r'data-testid="stat-funds"><a href="([^"]+)">([^<]+)<', html)
    assert figure.groups() == (f"/projects/{project.id}?tab=funds", "3,000.50 万元")
    tab = client.get(figure.group(1)).text
    assert f'hx-get="/projects/{project.id}/funds"' in tab
    fragment = client.get(f"/projects/{project.id}/funds").text
    assert "3,000.50" in fragment and "2026-03-01" in fragment


def test_advance_by_htmx_redirects_the_browser(client, signed_in, session, project):
    signed_in("zhang.wei")
    answer = post(client, f"/projects/{project.id}/advance",
                  {"to_stage": "signed", "version": project.version,
                   "next": "/projects/kanban", **SIGNING}, htmx=True)
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == "/projects/kanban"


def test_a_multi_stage_jump_asks_for_all_the_evidence(client, signed_in, session, project):
    signed_in("zhang.wei")
    form = client.get(f"/projects/{project.id}/advance?to_stage=contract",
                      headers={"HX-Request": "true"}).text
    for name in ("agreement_no", "agreed_amount", "contract_no", "contract_on",
                 "contract_amount"):
        assert f'name="{name}"' in form
    assert 'name="started_on"' not in form
    before = snapshot(session, project)
    answer = post(client, f"/projects/{project.id}/advance",
                  {"to_stage": "contract", "version": project.version, **SIGNING}, htmx=True)
    assert answer.status_code == 422
    assert "进入合同阶段须填写合同编号" in answer.text
    assert "进入合同阶段须填写合同金额" in answer.text
    assert 'value="LFXY-2026-001"' in answer.text  # nothing typed is lost
    assert snapshot(session, project) == before


def test_the_htmx_advance_fragment_is_just_the_form(client, signed_in, project):
    signed_in("zhang.wei")
    answer = client.get(f"/projects/{project.id}/advance?to_stage=signed&next=/projects/kanban",
                        headers={"HX-Request": "true"})
    assert answer.status_code == 200
    text = answer.text.strip()
    assert text.startswith(f'<form id="advance-form-{project.id}"') and text.endswith("</form>")
    assert 'name="csrf_token"' in text and f'name="version" value="{project.version}"' in text
    assert 'name="next" value="/projects/kanban"' in text
    assert 'name="agreement_no"' in text and "<html" not in text


def test_without_javascript_the_advance_form_opens_on_the_page(client, signed_in, project):
    signed_in("zhang.wei")
    page = client.get(f"/projects/{project.id}/advance")
    assert "<html" in page.text and 'id="open-action"' in page.text
    assert f'id="advance-form-{project.id}"' in page.text


def test_a_stale_version_is_refused_and_the_form_offers_the_new_one(client, signed_in,
                                                                     session, staff, project):
    signed_in("zhang.wei")
    old = project.version
    update_project(session, project.id, ProjectUpdate(description="新的简介"),
                   expected_version=old, actor=staff)
    session.commit()
    answer = post(client, f"/projects/{project.id}/advance",
                  {"to_stage": "signed", "version": old, **SIGNING}, htmx=True)
    assert answer.status_code == 409
    assert "已被他人修改" in answer.text
    assert f'name="version" value="{old + 1}"' in answer.text
    session.refresh(project)
    assert project.stage == "intent"


# --- moving back, pausing, terminating -----------------------------------------------------

def test_moving_back_needs_a_reason(client, signed_in, session, project):
    signed_in("zhang.wei")
    before = snapshot(session, project)
    answer = post(client, f"/projects/{project.id}/back",
                  {"to_stage": "contact", "version": project.version}, htmx=True)
    assert answer.status_code == 422 and "请填写原因" in answer.text
    assert snapshot(session, project) == before
    done = post(client, f"/projects/{project.id}/back",
                {"to_stage": "contact", "version": project.version, "reason": "意向书未盖章"})
    assert done.status_code == 303
    session.refresh(project)
    assert project.stage == "contact"
    html = client.get(f"/projects/{project.id}").text
    assert "退回：意向 → 接洽" in html and "意向书未盖章" in html


def test_a_paused_project_cannot_advance_until_resumed(client, signed_in, session, project):
    signed_in("zhang.wei")
    refused = post(client, f"/projects/{project.id}/pause", {"version": project.version},
                   htmx=True)
    assert refused.status_code == 422 and "请填写原因" in refused.text
    assert post(client, f"/projects/{project.id}/pause",
                {"version": project.version, "reason": "投资方资金调整"}).status_code == 303
    session.refresh(project)
    assert project.status == "paused"
    page = client.get(f"/projects/{project.id}").text
    assert "该项目已暂缓" in page and "投资方资金调整" in page and "恢复推进" in page
    before = snapshot(session, project)
    answer = post(client, f"/projects/{project.id}/advance",
                  {"to_stage": "signed", "version": project.version, **SIGNING}, htmx=True)
    assert answer.status_code == 409
    assert f"项目 {project.code} 处于暂缓状态，请先恢复再推进" in answer.text
    assert snapshot(session, project) == before
    assert post(client, f"/projects/{project.id}/resume",
                {"version": project.version}).status_code == 303
    session.refresh(project)
    assert project.status == "active"
    assert "恢复推进" in client.get(f"/projects/{project.id}").text


def test_terminating_as_lost_to_another_city_needs_the_city(client, signed_in, session,
                                                            project):
    signed_in("zhang.wei")
    form = client.get(f"/projects/{project.id}/terminate", headers={"HX-Request": "true"}).text
    assert "确定终止该项目？" in form and ">终止</button>" in form and "取消" in form
    for label in ("投资方撤回", "落地其他城市", "政策原因", "用地原因", "其他"):
        assert label in form
    before = snapshot(session, project)
    answer = post(client, f"/projects/{project.id}/terminate",
                  {"reason_code": "lost_to_other_city", "version": project.version}, htmx=True)
    assert answer.status_code == 422 and "请填写项目流失去向城市" in answer.text
    assert snapshot(session, project) == before
    done = post(client, f"/projects/{project.id}/terminate",
                {"reason_code": "lost_to_other_city", "lost_to_city": "合肥",
                 "version": project.version})
    assert done.status_code == 303
    session.refresh(project)
    assert project.status == "terminated" and project.lost_to_city == "合肥"
    html = client.get(f"/projects/{project.id}").text
    assert "已终止" in html and "合肥" in html and "推进阶段" not in html


# --- the leader, follow-ups and the team ---------------------------------------------------

def test_reassigning_the_leader_needs_a_reason_and_shows_both(client, signed_in, session,
                                                              project, other_leader):
    signed_in("zhang.wei")
    form = client.get(f"/projects/{project.id}/leader", headers={"HX-Request": "true"}).text
    assert 'hx-confirm="确定更换包联领导？"' in form and "崔元斌（副市长）" in form
    before = snapshot(session, project)
    refused = post(client, f"/projects/{project.id}/leader",
                   {"leader_id": other_leader.user_id, "version": project.version}, htmx=True)
    assert refused.status_code == 422 and "更换包联领导须填写原因" in refused.text
    assert snapshot(session, project) == before
    done = post(client, f"/projects/{project.id}/leader",
                {"leader_id": other_leader.user_id, "reason": "分工调整",
                 "version": project.version})
    assert done.status_code == 303
    html = client.get(f"/projects/{project.id}").text
    assert "包联领导：崔元斌（副市长）" in html and "包联领导：李云峰（市长）" in html
    assert "原因：分工调整" in html


def test_a_follow_up_with_a_next_step_needs_a_due_date(client, signed_in, session, project):
    signed_in("zhang.wei")
    before = snapshot(session, project)
    answer = post(client, f"/projects/{project.id}/activities",
                  {"kind": "call", "happened_at": "2026-03-31T14:30", "summary": "电话沟通",
                   "next_step": "寄送协议文本"}, htmx=True)
    assert answer.status_code == 422 and "请填写下一步工作的完成时限" in answer.text
    assert 'value="寄送协议文本"' in answer.text
    assert snapshot(session, project) == before


def test_a_follow_up_time_is_read_in_the_bureaus_time_zone(client, signed_in, session,
                                                           project, leader):
    signed_in("zhang.wei")
    answer = post(client, f"/projects/{project.id}/activities",
                  {"kind": "visit_in", "happened_at": "2026-03-31T14:30",
                   "summary": "客商来访考察园区", "next_step": "安排看地",
                   "next_due_on": "2026-04-10", "participant_ids": [str(leader.user_id)],
                   "other_participants": "宁远集团 王总"})
    assert answer.status_code == 303
    activity = session.scalar(sa.select(Activity).where(Activity.project_id == project.id))
    assert activity.happened_at == datetime(2026, 3, 31, 6, 30, tzinfo=UTC)
    html = client.get(f"/projects/{project.id}").text
    assert "2026-03-31 14:30" in html and "来访考察" in html
    assert "李云峰、宁远集团 王总" in html and "2026-04-10" in html


def test_adding_a_team_member(client, signed_in, session, project):
    signed_in("zhang.wei")
    member = make_actor(session, "sun.li", "孙丽", ["staff"], title="科员")
    session.commit()
    answer = post(client, f"/projects/{project.id}/team",
                  {"user_id": member.user_id, "role": "service"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/projects/{project.id}?tab=team"
    html = client.get(f"/projects/{project.id}?tab=team").text
    assert "孙丽" in html and "服务专员" in html
    again = post(client, f"/projects/{project.id}/team",
                 {"user_id": member.user_id, "role": "head"}, htmx=True)
    assert again.status_code == 409 and "孙丽 已在专班中" in again.text


# --- editing -------------------------------------------------------------------------------

def test_a_stale_edit_keeps_what_was_typed_and_names_the_other_user(client, signed_in,
                                                                    session, staff, project):
    signed_in("zhang.wei")
    page = client.get(f"/projects/{project.id}/edit").text
    fields = form_fields(page, "edit-form")
    old = project.version
    assert fields["version"] == str(old)
    assert fields["total_investment"] == "125000.50" and fields["orig.name"] == "宁远电池项目"
    # Meanwhile 王芳 changes the amount.
    update_project(session, project.id, ProjectUpdate(total_investment=Decimal("130000")),
                   expected_version=project.version, actor=staff)
    session.commit()
    typed = {**fields, "name": "宁远电池二期项目", "description": "新增两条产线"}
    token = csrf_of(client, "/account")
    answer = client.post(f"/projects/{project.id}/edit", data={**typed, "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 409
    assert "王芳" in answer.text and "总投资：130,000.00" in answer.text
    again = form_fields(answer.text, "edit-form")
    assert again["name"] == "宁远电池二期项目" and again["description"] == "新增两条产线"
    assert again["total_investment"] == "130000.00"  # theirs, since this user did not touch it
    assert again["version"] == str(old + 1)
    session.refresh(project)
    assert project.name == "宁远电池项目"
    # Saving again applies this edit, and keeps the other user's amount.
    saved = client.post(f"/projects/{project.id}/edit", data={**again, "csrf_token": token},
                        follow_redirects=False)
    assert saved.status_code == 303
    session.refresh(project)
    assert project.name == "宁远电池二期项目" and project.description == "新增两条产线"
    assert project.total_investment == Decimal("130000.00")


def test_an_invalid_edit_is_refused_with_the_message_beside_the_field(client, signed_in,
                                                                      session, project):
    signed_in("zhang.wei")
    fields = form_fields(client.get(f"/projects/{project.id}/edit").text, "edit-form")
    token = csrf_of(client, "/account")
    answer = client.post(f"/projects/{project.id}/edit",
                         data={**fields, "total_investment": "很多", "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 422 and "总投资请以万元填写" in answer.text
    assert 'value="很多"' in answer.text
    cleared = client.post(f"/projects/{project.id}/edit",
                          data={**fields, "name": "", "csrf_token": token},
                          follow_redirects=False)
    assert cleared.status_code == 422 and "项目名称不能为空" in cleared.text
    session.refresh(project)
    assert project.name == "宁远电池项目" and project.total_investment == Decimal("125000.50")


# --- the version a form was read at --------------------------------------------------------

VERSION_REFUSED = "此表单未带上读取时的项目版本"
NO_VERSION = ({}, {"version": ""}, {"version": "abc"}, {"version": "²"})


def test_a_stale_edit_without_its_version_is_refused_and_the_newer_save_stays(
        client, signed_in, session, staff, project):
    signed_in("zhang.wei")
    fields = form_fields(client.get(f"/projects/{project.id}/edit").text, "edit-form")
    update_project(session, project.id, ProjectUpdate(name="宁远电池项目（更名）"),
                   expected_version=project.version, actor=staff)
    session.commit()
    typed = {k: v for k, v in fields.items() if k != "version"}
    for version in NO_VERSION:
        answer = post(client, f"/projects/{project.id}/edit",
                      {**typed, **version, "name": "覆盖别人的名字", "description": "简介"})
        assert answer.status_code == 422 and VERSION_REFUSED in answer.text, version
        again = form_fields(answer.text, "edit-form")
        assert again["name"] == "覆盖别人的名字"  # what was typed is kept
    session.refresh(project)
    assert project.name == "宁远电池项目（更名）" and project.description is None
    # The form came back with the current version: saving it again is a deliberate choice.
    assert again["version"] == str(project.version)


@pytest.mark.parametrize(("action", "data"), [
    ("advance", {"to_stage": "signed", **SIGNING}),
    ("back", {"to_stage": "contact", "reason": "投资方重新评估"}),
    ("pause", {"reason": "资金未到位"}),
    ("terminate", {"reason_code": "investor_withdrew", "reason": "投资方撤回"}),
    ("leader", {"reason": "工作调整"}),
    ("resume", {"reason": "资金到位"}),
])
@pytest.mark.parametrize("htmx", [True, False])
def test_every_action_refuses_a_form_without_its_version(client, signed_in, session, staff,
                                                         other_leader, project, action, data,
                                                         htmx):
    signed_in("zhang.wei")
    if action == "leader":
        data = {**data, "leader_id": str(other_leader.user_id)}
    if action == "resume":
        pause_project(session, project.id, PauseIn(reason="暂缓"), expected_version=None,
                      actor=staff)
        session.commit()
    before = snapshot(session, project)
    for version in NO_VERSION:
        answer = post(client, f"/projects/{project.id}/{action}", {**data, **version},
                      htmx=htmx)
        assert answer.status_code == 422 and VERSION_REFUSED in answer.text, version
        assert f'name="version" value="{project.version}"' in answer.text
    assert snapshot(session, project) == before


# --- scope ---------------------------------------------------------------------------------

ACTIONS = ("advance", "back", "pause", "resume", "terminate", "leader", "activities", "team",
           "edit")


def test_another_countys_user_gets_404_on_the_page_and_every_action(client, signed_in,
                                                                     session, project,
                                                                     other_leader):
    signed_in("houma.staff", county_code="houma")
    before = snapshot(session, project)
    assert client.get(f"/projects/{project.id}").status_code == 404
    for action in ("advance", "back", "pause", "resume", "terminate", "leader", "edit"):
        assert client.get(f"/projects/{project.id}/{action}").status_code == 404, action
    data = {"version": project.version, "to_stage": "signed", "reason": "x",
            "reason_code": "land", "leader_id": other_leader.user_id, "kind": "call",
            "happened_at": "2026-03-31T14:30", "summary": "x", "user_id": other_leader.user_id,
            "role": "member", "name": "x", "orig.name": "y", **SIGNING}
    token = csrf_of(client, "/account")
    for action in ACTIONS:
        answer = client.post(f"/projects/{project.id}/{action}",
                             data={**data, "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 404, action
        empty = client.post(f"/projects/{project.id}/{action}", data={"csrf_token": token},
                            follow_redirects=False)
        assert empty.status_code == 404, action
    assert snapshot(session, project) == before


# --- cost ----------------------------------------------------------------------------------

def test_the_page_costs_the_same_number_of_statements_for_3_or_60_follow_ups(
        client, signed_in, session, engine, make_project, staff, leader):
    signed_in("zhang.wei")
    small, large = make_project(name="小项目"), make_project(name="大项目")
    start = datetime.now(UTC) - timedelta(days=90)
    for target, n in ((small, 3), (large, 60)):
        for i in range(n):
            add_activity(session, target.id, ActivityCreate(
                kind="call", happened_at=start + timedelta(hours=i), summary=f"第 {i} 次沟通",
                participant_ids=[leader.user_id]), actor=staff)
    session.commit()
    statements: list[str] = []

    def counted(conn, cursor, statement, *args):
        statements.append(statement)

    client.get(f"/projects/{small.id}")  # warm up: the session's last-seen write, caches
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        first = client.get(f"/projects/{small.id}")
        n_small = len(statements)
        statements.clear()
        second = client.get(f"/projects/{large.id}")
        n_large = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
    assert first.status_code == second.status_code == 200
    assert "第 59 次沟通" in second.text
    assert n_small == n_large, (n_small, n_large)
    assert n_large <= 15


def test_asking_to_advance_to_an_earlier_stage_is_refused_not_turned_into_a_move_back(
        client, signed_in, session, project):
    signed_in("zhang.wei")
    before = snapshot(session, project)
    for headers in ({"HX-Request": "true"}, {}):
        answer = client.get(f"/projects/{project.id}/advance?to_stage=contact", headers=headers)
        assert answer.status_code == 422
        assert "项目已处于意向阶段；如需回退，请使用“退回”并填写原因" in answer.text
        assert f'id="advance-form-{project.id}"' in answer.text
        assert f'id="back-form-{project.id}"' not in answer.text
    assert snapshot(session, project) == before


def test_the_kanbans_move_to_opens_the_move_that_reaches_the_stage(client, signed_in,
                                                                   project):
    signed_in("zhang.wei")
    back = client.get(f"/projects/{project.id}/move?to_stage=contact&next=/projects/kanban",
                      headers={"HX-Request": "true"})
    assert back.text.lstrip().startswith(f'<form id="back-form-{project.id}"')
    assert '<option value="contact" selected' in back.text
    assert 'name="next" value="/projects/kanban"' in back.text
    forward = client.get(f"/projects/{project.id}/move?to_stage=signed",
                         headers={"HX-Request": "true"})
    assert forward.text.lstrip().startswith(f'<form id="advance-form-{project.id}"')
    assert 'name="agreement_no"' in forward.text


def test_going_back_in_browser_history_gets_the_whole_page(client, signed_in, project):
    signed_in("zhang.wei")
    answer = client.get(f"/projects/{project.id}?tab=team",
                        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in answer.text and "专班与方案" in answer.text
