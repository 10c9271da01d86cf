"""项目看板: a column per stage with count and Σ总投资 over everything filtered, capped cards,
the list's filters and county scope, move menus, and a statement count that does not grow."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from app.db import utcnow
from app.projects.models import Project
from app.projects.pages.kanban import PER_COLUMN
from app.projects.schemas import InvestorIn, PauseIn, TerminateIn, TransitionIn
from app.projects.service import advance_stage, pause_project, terminate_project
from app.web.templating import money_large


def column(html: str, stage: str) -> str:
    """The HTML of one stage's column."""
    match = re.search(rf'data-testid="column-{stage}">(.*?)</section>', html, re.S)
    assert match, stage
    return match.group(1)


def cards_in(html: str, stage: str) -> int:
    return column(html, stage).count('class="zs-kanban-card"')


@pytest.fixture
def pipeline(make_project, session, staff, leader):
    """Two projects in 接洽, two in 意向 (one paused-free pv one), one 签约."""
    a = make_project(name="宁远电池项目", total_investment=Decimal("12500.00"),
                     investor=InvestorIn(name="宁远新能源有限公司"))
    b = make_project(name="光伏组件项目", total_investment=Decimal("500.50"), chain="pv",
                     chain_link=None)
    c = make_project(name="针状焦二期项目", total_investment=Decimal("80000.25"),
                     leader_id=leader.user_id)
    d = make_project(name="氢能重卡项目", total_investment=Decimal("3000.00"), chain="hydrogen",
                     chain_link=None, leader_id=leader.user_id)
    e = make_project(name="碳纤维项目", total_investment=Decimal("45000.00"),
                     leader_id=leader.user_id)
    for project in (c, d, e):
        advance_stage(session, project.id, TransitionIn(to_stage="intent"),
                      expected_version=None, actor=staff)
    advance_stage(session, e.id, TransitionIn(to_stage="signed", agreement_no="XY-2026-01",
                                              agreed_amount=Decimal("40000")),
                  expected_version=None, actor=staff)
    session.flush()
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_columns_show_counts_and_sums_that_match_sql(client, signed_in, pipeline, session):
    signed_in("zhang.wei")
    page = client.get("/projects/kanban")
    assert page.status_code == 200
    expected = {stage: (n, amount) for stage, n, amount in session.execute(
        select(Project.stage, func.count(), func.sum(Project.total_investment))
        .where(Project.deleted_at.is_(None)).group_by(Project.stage))}
    assert expected["intent"] == (2, Decimal("83000.25"))
    for stage in ("contact", "intent", "signed", "contract", "groundbreaking", "production",
                  "achieved"):
        n, amount = expected.get(stage, (0, Decimal("0.00")))
        html = column(page.text, stage)
        assert f"{n} 个" in html, stage
        assert money_large(amount) in html, stage
        assert cards_in(page.text, stage) == n
    assert "8.30 亿元" in column(page.text, "intent")
    assert "暂无数据" in column(page.text, "achieved")


def test_a_card_shows_investor_amount_leader_and_days(client, signed_in, pipeline, session):
    signed_in("zhang.wei")
    project = pipeline["c"]
    session.execute(Project.__table__.update().where(Project.id == project.id)
                    .values(last_activity_at=utcnow() - timedelta(days=12)))
    session.flush()
    html = column(client.get("/projects/kanban").text, "intent")
    card = html[html.index(f'data-project-id="{project.id}"'):]
    card = card[:card.index("</li>")]
    for text in ("针状焦二期项目", "测试投资", "80,000.25", "李云峰", "本阶段 0 天", "12 天未跟进",
                 f'action="/projects/{project.id}/move"', "移动到…"):
        assert text in card, text
    # From 意向 the menu offers later stages forward and 接洽 back.
    assert '<optgroup label="推进到">' in card and '<optgroup label="退回到">' in card
    assert 'value="contact" data-direction="back"' in card
    assert "从未跟进" in column(client.get("/projects/kanban").text, "contact")


def card_of(page: str, project) -> str:
    card = page[page.index(f'data-project-id="{project.id}"'):]
    return card[:card.index("</li>")]


def test_the_board_and_the_project_page_offer_the_same_moves(client, signed_in, pipeline,
                                                            session, staff):
    """Both ask app.projects.service.available_moves: a paused project only goes back, a
    project without its leader cannot go forward, and each page says so."""
    pause_project(session, pipeline["d"].id, PauseIn(reason="投资方资金调整"),
                  expected_version=None, actor=staff)
    session.flush()
    signed_in("zhang.wei")
    board = client.get("/projects/kanban").text

    paused = card_of(board, pipeline["d"])
    assert '<optgroup label="推进到">' not in paused
    assert 'value="contact" data-direction="back"' in paused
    page = client.get(f"/projects/{pipeline['d'].id}").text
    assert "推进阶段" not in page and "/back" in page
    refused = client.get(f"/projects/{pipeline['d'].id}/move?to_stage=signed")
    assert refused.status_code == 409 and "请先恢复" in refused.text

    leaderless = card_of(board, pipeline["a"])
    assert "移动到…" not in leaderless and "data-movable" not in leaderless
    page = client.get(f"/projects/{pipeline['a'].id}").text
    assert "推进阶段" not in page
    assert "推进到意向阶段前，请先指定包联领导" in page

def test_filters_from_the_query_string_apply(client, signed_in, pipeline):
    signed_in("zhang.wei")
    page = client.get("/projects/kanban?chain=pv")
    assert "光伏组件项目" in page.text
    assert "宁远电池项目" not in page.text and "针状焦二期项目" not in page.text
    assert "1 个" in column(page.text, "contact") and "0 个" in column(page.text, "intent")
    assert '<option value="pv" selected>' in page.text
    keyword = client.get("/projects/kanban?q=nydc")
    assert "宁远电池项目" in keyword.text and "光伏组件项目" not in keyword.text
    bounded = client.get("/projects/kanban?min_investment=40000")
    assert "针状焦二期项目" in bounded.text and "碳纤维项目" in bounded.text
    assert "氢能重卡项目" not in bounded.text
    assert "0 个" in column(bounded.text, "contact")


def test_a_bad_filter_is_named_and_the_board_still_shows(client, signed_in, pipeline):
    signed_in("zhang.wei")
    page = client.get("/projects/kanban?min_investment=abc")
    assert page.status_code == 200
    assert "最低投资额请以万元填写" in page.text and "宁远电池项目" in page.text


def test_a_county_user_sees_only_their_county(client, signed_in, make_project):
    make_project(name="尧都项目", county="yaodu")
    make_project(name="侯马项目", county="houma", total_investment=Decimal("2000.00"))
    signed_in("zhao.lei", roles=["staff"], county_code="houma")
    page = client.get("/projects/kanban")
    assert "侯马项目" in page.text and "尧都项目" not in page.text
    assert "1 个" in column(page.text, "contact") and "2,000.00 万元" in page.text
    # Asking for another county does not widen the scope.
    assert "尧都项目" not in client.get("/projects/kanban?county=yaodu").text


def test_columns_are_capped_and_the_rest_link_to_the_list_with_the_filters(
        client, signed_in, make_project):
    signed_in("zhang.wei")
    for n in range(PER_COLUMN + 3):
        make_project(name=f"光伏项目{n:02d}", chain="pv", chain_link=None)
    make_project(name="碳素项目")
    page = client.get("/projects/kanban?chain=pv")
    html = column(page.text, "contact")
    assert cards_in(page.text, "contact") == PER_COLUMN
    assert f"{PER_COLUMN + 3} 个" in html
    assert "还有 3 个，查看列表" in html
    assert 'href="/projects?chain=pv&amp;stage=contact"' in html
    # Most recently updated first: the last one made is shown, the first ones are not.
    assert f"光伏项目{PER_COLUMN + 2:02d}" in html and "光伏项目00" not in html


def test_an_htmx_request_gets_only_the_board(client, signed_in, pipeline):
    signed_in("zhang.wei")
    fragment = client.get("/projects/kanban?chain=pv", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="board"')
    assert "<html" not in fragment.text and fragment.headers["vary"] == "HX-Request"


def test_the_page_loads_its_scripts(client, signed_in, pipeline):
    signed_in("zhang.wei")
    page = client.get("/projects/kanban")
    assert '<script src="/static/vendor/sortablejs-1.15.7/Sortable.min.js"></script>' in page.text
    assert '<script src="/static/js/kanban.js"></script>' in page.text
    assert 'data-movable="true"' in page.text
    assert 'href="/projects/kanban" class="active"' in page.text
    assert client.get("/static/js/kanban.js").status_code == 200


def test_terminated_projects_and_readers_without_update_get_no_move_menu(
        client, signed_in, pipeline, session, staff):
    terminate_project(session, pipeline["a"].id, TerminateIn(reason_code="policy"),
                      expected_version=None, actor=staff)
    session.flush()
    signed_in("zhang.wei")
    html = column(client.get("/projects/kanban").text, "contact")
    stopped = html[html.index(f'data-project-id="{pipeline["a"].id}"'):]
    stopped = stopped[:stopped.index("</li>")]
    assert "已终止" in stopped and "zs-kanban-move" not in stopped
    assert "data-movable" not in stopped


def test_a_supervisor_reads_the_board_without_moving(client, signed_in, pipeline):
    signed_in("sun.li", roles=["supervisor"])
    page = client.get("/projects/kanban")
    assert page.status_code == 200
    assert 'data-movable="false"' in page.text and "zs-kanban-move" not in page.text


def test_statement_count_does_not_grow_with_projects(client, signed_in, make_project, engine):
    signed_in("zhang.wei")
    statements: list[str] = []

    def counted(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def statements_for_board() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", counted)
        try:
            assert client.get("/projects/kanban").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", counted)
        return len(statements)

    for n in range(10):
        make_project(name=f"项目{n}", chain=("pv", "carbon")[n % 2], chain_link=None)
    client.get("/projects/kanban")
    few = statements_for_board()
    for n in range(190):
        make_project(name=f"更多项目{n}", chain=("pv", "carbon")[n % 2], chain_link=None)
    many = statements_for_board()
    assert few == many
    assert few < 20
