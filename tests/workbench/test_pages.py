"""工作台 and the leader board: what staff and leaders see, counts that match the project
list they link to, assigning a leader from the queue, county scope, bounded statements."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from app.activities.schemas import ActivityCreate
from app.activities.service import add_activity
from app.clock import local_date
from app.db import utcnow
from app.projects.models import LeaderAssignment, Project
from tests.conftest import count, csrf_of


def section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start:page.index("</section>", start)]


def card_count(page: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}-count">([\d,]+)<', page)
    assert match, testid
    return int(match.group(1).replace(",", ""))


def list_count(client, href: str) -> int:
    page = client.get(html.unescape(href))
    assert page.status_code == 200, href
    match = re.search(r"共 ([\d,]+) 个项目", page.text)
    assert match, href
    return int(match.group(1).replace(",", ""))


def card_href(page: str, testid: str) -> str:
    match = re.search(r'<a href="(/projects\?[^"]+)">', section(page, testid))
    assert match, testid
    return match.group(1)


def set_follow_up(session, project, *, last_days_ago=None, due_in_days=None) -> None:
    now = utcnow()
    project.last_activity_at = None if last_days_ago is None else now - timedelta(
        days=last_days_ago)
    project.next_follow_up_on = None if due_in_days is None else local_date(now) + timedelta(
        days=due_in_days)
    session.add(project)
    session.commit()


# --- 工作台 for staff ---------------------------------------------------------------------

def test_staff_see_follow_ups_due_today_and_overdue(client, signed_in, session, make_project,
                                                     staff):
    signed_in("zhang.wei")
    today_project = make_project(name="今日到期的光伏项目")
    overdue = make_project(name="逾期的氢能项目")
    later = make_project(name="下周跟进的物流项目")
    add_activity(session, overdue.id, ActivityCreate(
        kind="call", happened_at=utcnow() - timedelta(days=6), summary="电话沟通用地需求",
        next_step="带投资方看地块", next_due_on=local_date() - timedelta(days=3)), actor=staff)
    set_follow_up(session, today_project, last_days_ago=1, due_in_days=0)
    set_follow_up(session, later, last_days_ago=1, due_in_days=7)

    page = client.get("/")
    assert page.status_code == 200
    due = section(page.text, "due")
    assert "今日到期的光伏项目" in due and "逾期的氢能项目" in due
    assert "下周跟进的物流项目" not in due
    assert due.index("逾期的氢能项目") < due.index("今日到期的光伏项目")
    assert "逾期 3 天" in due and "今日到期" in due
    assert card_count(page.text, "due") == 2
    assert list_count(client, card_href(page.text, "due")) == 2


def test_idle_card_lists_idle_projects_and_its_count_is_the_lists(client, signed_in, session,
                                                                   make_project, staff):
    signed_in("zhang.wei")
    idle = make_project(name="二十天未跟进的风电项目")
    fresh = make_project(name="昨天跟进的药茶项目")
    never = make_project(name="从未跟进的家居项目")
    make_project(name="今天才报送的物流项目")  # never followed up, but idle since today only
    set_follow_up(session, idle, last_days_ago=20)
    set_follow_up(session, fresh, last_days_ago=1)
    never.first_reported_at = utcnow() - timedelta(days=20)
    session.commit()

    page = client.get("/")
    card = section(page.text, "idle")
    assert "二十天未跟进的风电项目" in card and "20 天未跟进" in card
    assert "从未跟进的家居项目" in card and "从未跟进" in card
    assert "昨天跟进的药茶项目" not in card and "今天才报送的物流项目" not in card
    assert card_href(page.text, "idle") == "/projects?idle_days=14&amp;status=active"
    assert card_count(page.text, "idle") == 2
    assert list_count(client, "/projects?idle_days=14&status=active") == 2


def test_recent_changes_show_leader_changes_newest_first(client, signed_in, session,
                                                         make_project, leader):
    signed_in("zhang.wei")
    make_project(name="较早新建的项目")
    make_project(name="指定了领导的项目", leader_id=leader.user_id)
    recent = section(client.get("/").text, "recent")
    assert "包联领导：李云峰" in recent and "新建项目" in recent
    assert recent.index("指定了领导的项目") < recent.index("较早新建的项目")


def test_staff_see_no_my_projects_card(client, signed_in):
    signed_in("zhang.wei")
    page = client.get("/")
    assert "我的项目" not in page.text and "今日到期与逾期跟进" in page.text
    assert page.text.index('href="/"') < page.text.index('href="/projects"')


def test_an_auditor_is_sent_to_the_audit_trail(client, signed_in):
    signed_in("shen.ji", roles=["auditor"])
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/audit"


# --- 我的项目 for a leader ------------------------------------------------------------------

def test_a_leader_sees_my_projects_most_urgent_first(client, signed_in, session, make_project,
                                                      other_leader):
    me = signed_in("li.leader", roles=["leader"])
    calm = make_project(name="进展顺利的项目", leader_id=me.user_id)
    idle = make_project(name="二十天未跟进的项目", leader_id=me.user_id)
    overdue = make_project(name="下一步已逾期的项目", leader_id=me.user_id)
    make_project(name="别人包联的项目", leader_id=other_leader.user_id)
    set_follow_up(session, calm, last_days_ago=1, due_in_days=5)
    set_follow_up(session, idle, last_days_ago=20, due_in_days=3)
    set_follow_up(session, overdue, last_days_ago=10, due_in_days=-5)
    session.commit()

    page = client.get("/")
    assert page.text.index('data-testid="my-projects"') < page.text.index('data-testid="due"')
    mine = section(page.text, "my-projects")
    order = [mine.index(name) for name in
             ("下一步已逾期的项目", "二十天未跟进的项目", "进展顺利的项目")]
    assert order == sorted(order)
    assert "别人包联的项目" not in mine
    assert "逾期 5 天" in mine and "20 天未跟进" in mine
    assert card_count(page.text, "my-projects") == 3
    assert list_count(client, card_href(page.text, "my-projects")) == 3


# --- the leader board -----------------------------------------------------------------------

def test_the_board_matrix_counts_equal_the_linked_list_counts(client, signed_in, session,
                                                              make_project, leader,
                                                              other_leader, staff):
    signed_in("zhang.wei")
    make_project(leader_id=leader.user_id, total_investment=Decimal("1000.00"))
    make_project(leader_id=leader.user_id, total_investment=Decimal("2000.00"))
    intent = make_project(leader_id=leader.user_id, total_investment=Decimal("500.00"))
    paused = make_project(leader_id=other_leader.user_id)
    gone = make_project(leader_id=leader.user_id)
    make_project(name="尚无领导的项目")
    intent.stage = "intent"
    paused.status = "paused"
    gone.status, gone.termination_reason = "terminated", "policy"
    session.commit()

    page = client.get("/leaders")
    assert page.status_code == 200
    matrix = section(page.text, "matrix")
    row = matrix[matrix.index(f'data-leader="{leader.user_id}"'):]
    row = row[:row.index("</tr>")]
    numbers = re.findall(r'href="[^"]+">([\d,]+)</a>', row)
    assert numbers[:2] == ["2", "1"] and numbers[7] == "3"
    assert "3,500.00" in row
    links = re.findall(r'href="(/projects\?[^"]+)">([\d,]+)</a>', matrix)
    assert len(links) == 4 * 8  # two leaders, the unassigned row, the totals
    for href, number in links:
        assert list_count(client, href) == int(number.replace(",", "")), href


def test_assigning_from_the_queue_records_the_leader(client, signed_in, session, make_project,
                                                     leader):
    signed_in("zhang.wei")
    waiting = make_project(name="等待包联领导的项目")
    page = client.get("/leaders")
    assert "等待包联领导的项目" in section(page.text, "queue")
    assert card_count(page.text, "queue") == 1
    token = csrf_of(client, "/leaders")

    answer = client.post(f"/leaders/assign/{waiting.id}", headers={"HX-Request": "true"},
                         data={"csrf_token": token, "leader_id": str(leader.user_id),
                               "version": str(waiting.version)})
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="leader-board">')
    assert "等待包联领导的项目" not in section(answer.text, "queue")
    assert card_count(answer.text, "queue") == 0
    session.expire_all()
    assert session.get(Project, waiting.id).leader_id == leader.user_id
    assert count(session, LeaderAssignment, LeaderAssignment.project_id == waiting.id,
                 LeaderAssignment.leader_id == leader.user_id) == 1


def test_assigning_without_javascript_redirects_to_the_board(client, signed_in, make_project,
                                                             session, leader):
    signed_in("zhang.wei")
    waiting = make_project(name="等待包联领导的项目")
    token = csrf_of(client, "/leaders")
    answer = client.post(f"/leaders/assign/{waiting.id}", follow_redirects=False,
                         data={"csrf_token": token, "leader_id": str(leader.user_id),
                               "version": str(waiting.version), "reason": ""})
    assert answer.status_code == 303 and answer.headers["location"] == "/leaders"
    assert "等待包联领导的项目" not in section(client.get("/leaders").text, "queue")


def test_an_assignment_without_a_leader_is_refused_in_chinese(client, signed_in, session,
                                                              make_project, leader):
    signed_in("zhang.wei")
    waiting = make_project(name="等待包联领导的项目")
    token = csrf_of(client, "/leaders")
    answer = client.post(f"/leaders/assign/{waiting.id}", headers={"HX-Request": "true"},
                         data={"csrf_token": token, "leader_id": "",
                               "version": str(waiting.version)})
    assert answer.status_code == 422
    assert answer.headers["hx-retarget"] == f"#assign-{waiting.id}"
    assert answer.text.lstrip().startswith(f'<form id="assign-{waiting.id}"')
    assert "请填写包联领导" in answer.text
    plain = client.post(f"/leaders/assign/{waiting.id}",
                        data={"csrf_token": token, "leader_id": "",
                              "version": str(waiting.version)})
    assert plain.status_code == 422 and "请填写包联领导" in plain.text
    assert "等待包联领导的项目" in section(plain.text, "queue")
    session.expire_all()
    assert session.get(Project, waiting.id).leader_id is None
    assert count(session, LeaderAssignment, LeaderAssignment.project_id == waiting.id) == 0


def test_a_stale_assignment_is_refused_and_changes_nothing(client, signed_in, session,
                                                           make_project, leader):
    signed_in("zhang.wei")
    waiting = make_project(name="等待包联领导的项目")
    token = csrf_of(client, "/leaders")
    answer = client.post(f"/leaders/assign/{waiting.id}", headers={"HX-Request": "true"},
                         data={"csrf_token": token, "leader_id": str(leader.user_id),
                               "version": str(waiting.version + 1)})
    assert answer.status_code == 409 and "已被他人修改" in answer.text
    assert count(session, LeaderAssignment, LeaderAssignment.project_id == waiting.id) == 0


def test_a_leader_sees_the_board_but_no_assign_forms(client, signed_in, session, make_project,
                                                     leader):
    signed_in("li.leader", roles=["leader"])
    waiting = make_project(name="等待包联领导的项目")
    page = client.get("/leaders")
    assert "等待包联领导的项目" in section(page.text, "queue")
    assert "/leaders/assign/" not in page.text
    token = csrf_of(client, "/leaders")
    refused = client.post(f"/leaders/assign/{waiting.id}",
                          data={"csrf_token": token, "leader_id": str(leader.user_id)})
    assert refused.status_code == 403
    assert count(session, LeaderAssignment, LeaderAssignment.project_id == waiting.id) == 0


# --- scope and cost -------------------------------------------------------------------------

def test_a_county_user_sees_only_their_county(client, signed_in, session, make_project,
                                              leader):
    signed_in("zhao.county", county_code="houma")
    mine = make_project(name="侯马的项目", county="houma", leader_id=leader.user_id)
    other = make_project(name="尧都的项目", county="yaodu", leader_id=leader.user_id)
    make_project(name="尧都无领导的项目", county="yaodu")
    set_follow_up(session, mine, last_days_ago=30, due_in_days=-1)
    set_follow_up(session, other, last_days_ago=30, due_in_days=-1)

    home = client.get("/").text
    assert "侯马的项目" in home and "尧都" not in home
    assert card_count(home, "due") == 1 and card_count(home, "idle") == 1
    board = client.get("/leaders").text
    row = board[board.index(f'data-leader="{leader.user_id}"'):]
    assert re.findall(r'href="[^"]+">([\d,]+)</a>', row[:row.index("</tr>")])[7] == "1"
    assert "尧都无领导的项目" not in board and card_count(board, "queue") == 0


def _statements(engine, client, path: str) -> int:
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return len(seen)


def _add_projects(session, make_project, leader_id: int, start: int, stop: int) -> None:
    for n in range(start, stop):
        project = make_project(name=f"批量项目{n:03d}",
                               leader_id=leader_id if n % 3 else None)
        project.next_follow_up_on = local_date() - timedelta(days=n % 5)
        project.last_activity_at = utcnow() - timedelta(days=n % 40) if n % 4 else None
    session.commit()


def test_statement_counts_do_not_grow_with_the_data(engine, client, signed_in, session,
                                                    make_project):
    me = signed_in("li.both", roles=["leader", "staff"])
    _add_projects(session, make_project, me.user_id, 0, 10)
    small = {path: _statements(engine, client, path) for path in ("/", "/leaders")}
    _add_projects(session, make_project, me.user_id, 10, 200)
    assert session.scalar(select(sa.func.count()).select_from(Project)) == 200
    large = {path: _statements(engine, client, path) for path in ("/", "/leaders")}
    assert small == large


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_an_assignment_without_its_version_is_refused_and_offers_the_current_one(
        client, signed_in, session, make_project, leader, version):
    signed_in("zhang.wei")
    waiting = make_project(name="等待包联领导的项目")
    token = csrf_of(client, "/leaders")
    data = {"csrf_token": token, "leader_id": str(leader.user_id)}
    answer = client.post(f"/leaders/assign/{waiting.id}", headers={"HX-Request": "true"},
                         data=data if version is None else {**data, "version": version})
    assert answer.status_code == 422 and "此表单未带上读取时的项目版本" in answer.text
    assert f'name="version" value="{waiting.version}"' in answer.text
    assert count(session, LeaderAssignment, LeaderAssignment.project_id == waiting.id) == 0
