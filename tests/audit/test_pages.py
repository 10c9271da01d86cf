"""The auditor's page and a project's history, as the accounts issue states them: auditors
read the trail (administrators do not), filters live in the query string, dates are the
bureau's days, and only auditors see where an event came from."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.permissions import Actor
from app.audit.models import AuditAction, AuditEvent
from app.audit.service import record
from app.audit_trail.history import history_for_project
from app.errors import NotFound
from tests.conftest import make_actor

# 2026-06-30 00:30 in Shanghai is 2026-06-29 16:30 UTC.
JUST_AFTER_MIDNIGHT = datetime(2026, 6, 29, 16, 30, tzinfo=UTC)


@pytest.fixture
def events(session):
    """Three events by two people: one late on 29 June (local), two on 30 June."""
    liu = make_actor(session, "liu.min", "刘敏", ["staff"])
    chen = make_actor(session, "chen.gang", "陈刚", ["leader"])
    record(session, liu, AuditAction.project_create, object_type="project", object_id=7,
           changes={"name": [None, "焦化项目"]}, now=JUST_AFTER_MIDNIGHT - timedelta(hours=1))
    record(session, liu, AuditAction.project_stage, object_type="project", object_id=7,
           changes={"stage": ["contact", "intent"]}, now=JUST_AFTER_MIDNIGHT)
    record(session, chen, AuditAction.export, outcome="failure", detail="too many rows",
           now=JUST_AFTER_MIDNIGHT + timedelta(hours=2))
    session.commit()


def table_of(html: str) -> str:
    return html.split('id="audit-table"', 1)[1]


def test_the_auditor_sees_the_trail_newest_first_in_local_time(client, signed_in, events):
    signed_in("shen.jie", roles=["auditor"])
    page = client.get("/audit")
    assert page.status_code == 200
    table = table_of(page.text)
    assert "<h1>审计日志</h1>" in page.text
    assert table.index("导出数据") < table.index("阶段变更") < table.index("新建项目")
    assert "2026-06-30 00:30:00" in table and "2026-06-29 23:30:00" in table
    assert "text-danger" in table and "失败" in table


def test_filters_by_action_user_and_local_dates(client, signed_in, events):
    signed_in("shen.jie", roles=["auditor"])
    by_action = table_of(client.get("/audit", params={"action": "project.stage"}).text)
    assert "阶段变更" in by_action and "新建项目" not in by_action
    assert "接洽 → 意向" in by_action

    by_user = table_of(client.get("/audit", params={"user": "chen.gang"}).text)
    assert "导出数据" in by_user and "liu.min" not in by_user

    # 30 June in Shanghai: from 29 June 16:00 UTC; the 23:30 (local) event is the day before.
    day = table_of(client.get("/audit", params={"date_from": "2026-06-30",
                                                 "date_to": "2026-06-30", "user": "",
                                                 "outcome": ""}).text)
    assert "阶段变更" in day and "导出数据" in day and "新建项目" not in day
    before = table_of(client.get("/audit?date_to=2026-06-29&user=liu.min").text)
    assert "新建项目" in before and "阶段变更" not in before

    failures = table_of(client.get("/audit?outcome=failure").text)
    assert "导出数据" in failures and "阶段变更" not in failures


def test_next_page_continues_below_the_last_row(client, signed_in, session):
    signed_in("shen.jie", roles=["auditor"])
    staff = make_actor(session, "liu.min", "刘敏", ["staff"])
    for n in range(55):
        record(session, staff, AuditAction.project_update, object_type="project",
               object_id=1000 + n)
    session.commit()
    first = client.get("/audit?object_type=project").text
    assert "项目 1054" in first and "项目 1004" not in first
    next_url = re.search(r'href="(/audit\?[^"]*before_id=\d+[^"]*)"', first).group(1)
    next_url = next_url.replace("&amp;", "&")
    assert "before_id=" in next_url and "object_type=project" in next_url
    second = table_of(client.get(next_url).text)
    assert "项目 1004" in second and "项目 1000" in second and "项目 1005" not in second
    assert "下一页" not in second


def test_an_htmx_request_gets_only_the_table(client, signed_in, events):
    signed_in("shen.jie", roles=["auditor"])
    response = client.get("/audit?action=export", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="audit-table">')
    assert "<html" not in response.text and "<form" not in response.text
    assert "导出数据" in response.text
    restore = client.get("/audit", headers={"HX-Request": "true",
                                            "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


@pytest.mark.parametrize("roles", [["staff"], ["admin"]])
def test_staff_and_administrators_may_not_read_the_trail_and_the_refusal_is_audited(
        client, signed_in, session, roles):
    signed_in("zhang.wei", roles=roles)
    response = client.get("/audit")
    assert response.status_code == 403
    refusal = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "permission.denied", AuditEvent.username == "zhang.wei")).all()
    assert len(refusal) == 1
    assert refusal[0].outcome == "failure" and "/audit" in (refusal[0].detail or "")
    assert "审计日志" not in client.get("/account").text


def test_the_menu_shows_the_audit_trail_to_auditors(client, signed_in):
    signed_in("shen.jie", roles=["auditor"])
    assert 'href="/audit"' in client.get("/account").text


def test_project_history_hides_where_from_but_shows_it_to_auditors(session, make_project):
    project = make_project()
    staff = make_actor(session, "liu.min", "刘敏", ["staff"])
    from_office = Actor(user_id=staff.user_id, name=staff.name, roles=staff.roles,
                        county_code=None, ip="203.0.113.7", user_agent="Mozilla/5.0")
    record(session, from_office, AuditAction.project_update, object_type="project",
           object_id=project.id, changes={"name": ["旧名", "新名"]})
    auditor = make_actor(session, "shen.jie", "沈洁", ["auditor"])

    rows = history_for_project(session, staff, project.id)

    assert [row.action for row in rows] == ["Created project", "Updated project"]
    update = rows[-1]
    assert update.username == "刘敏"
    assert update.changes == [("project name", "旧名", "新名")]
    assert all(row.ip is None and row.user_agent is None for row in rows)
    seen_by_auditor = history_for_project(session, auditor, project.id)
    assert seen_by_auditor[-1].ip == "203.0.113.7"
    assert seen_by_auditor[-1].user_agent == "Mozilla/5.0"


def test_project_history_does_not_exist_for_another_county(session, make_project):
    project = make_project(county="yaodu")
    elsewhere = make_actor(session, "zhao.lei", "赵磊", ["staff"], county_code="houma")
    with pytest.raises(NotFound):
        history_for_project(session, elsewhere, project.id)


def test_history_and_trail_read_names_and_labels_not_codes(
        client, signed_in, session, make_project, leader):
    from decimal import Decimal

    from app.i18n import translate
    from app.projects.schemas import TransitionIn
    from app.projects.service import advance_stage
    from app.projects.stages import Stage

    zhao = make_actor(session, "zhao.yang", "赵阳", ["staff"])
    project = make_project(leader_id=leader.user_id)
    advance_stage(session, project.id, TransitionIn(to_stage=Stage.intent),
                  expected_version=None, actor=zhao)
    advance_stage(session, project.id, TransitionIn(
        to_stage=Stage.signed, agreement_no="XY-2026-001", agreed_amount=Decimal("8000")),
        expected_version=None, actor=zhao)
    record(session, zhao, AuditAction.project_update, object_type="project",
           object_id=project.id, changes={"leader_id": [None, leader.user_id],
                                          "county_code": [None, "yaodu"]})
    record(session, zhao, "activity.create", object_type="project", object_id=project.id,
           changes={"kind": [None, "visit_out"]})
    record(session, zhao, "user.update", object_type="user", object_id=leader.user_id,
           changes={"title": ["", "市长"]})
    session.commit()
    expected = ["赵阳", "接洽 → 意向", "意向 → 签约", "8,000.00", "李云峰", "尧都区",
                translate("Visit out")]

    signed_in("shen.jie", roles=["auditor"])
    trail = table_of(client.get("/audit").text)
    for text in expected:
        assert text in trail, text
    assert "<td>zhao.yang</td>" not in trail and "visit_out" not in trail
    assert "用户 李云峰" in trail
    assert f"项目 {project.name}" in trail

    signed_in("zhang.wei", roles=["staff"])
    history = client.get(f"/projects/{project.id}?tab=history").text
    for text in expected:
        assert text in history, text
    assert "<td>zhao.yang</td>" not in history and "intent → signed" not in history
