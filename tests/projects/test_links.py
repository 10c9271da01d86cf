"""A filter as a URL (app.projects.links): the same filters give the same address from every
caller, and the list at that address counts what the link shows."""

import html
import re
from decimal import Decimal

from starlette.requests import Request

from app.analytics.funnel import funnel_links
from app.analytics.schemas import FunnelRow
from app.projects.links import projects_href
from app.projects.pages.common import url_with
from app.projects.schemas import ProjectFilters
from app.projects.stages import Stage, Status
from app.workbench.queries import idle_projects
from tests.conftest import FROZEN_NOW
from tests.workbench.test_pages import list_count

LIVE = [Status.active, Status.paused]


def request_for(path: str, query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "headers": [],
                    "query_string": query.encode()})


def test_equal_filters_give_one_address_however_they_were_built():
    built = ProjectFilters(stage=[Stage.contact], status=LIVE, leader_id=7)
    address = "/projects?leader_id=7&stage=contact&status=active&status=paused"
    assert projects_href(built) == address
    assert projects_href(ProjectFilters(leader_id=7), stage=["contact"],
                         status=["active", "paused"]) == address
    assert projects_href(ProjectFilters(status=[Status.terminated], leader_id=7),
                         stage=[Stage.contact], status=LIVE) == address
    # A page's own links: the query in another order, a bad value dropped, paging after.
    page = request_for("/projects/kanban",
                       "status=active&min_investment=abc&stage=contact&leader_id=7"
                       "&status=paused&page=3")
    assert url_with(page, "/projects", page=None) == address
    assert url_with(page, "/projects") == address + "&page=3"
    # The cockpit's funnel: the projects now at a stage, live.
    row = FunnelRow(stage="contact", count=2, terminated=0, reached=2,
                    total_investment=Decimal("0.00"), conversion_from_previous=None)
    assert funnel_links(ProjectFilters(leader_id=7), [row])["contact"].count == address


def test_the_workbench_card_and_the_list_page_agree_on_the_address(session, staff):
    card = idle_projects(session, staff, now=FROZEN_NOW)
    filters = ProjectFilters(idle_days=14, status=[Status.active])
    assert card.href == projects_href(filters) == "/projects?idle_days=14&status=active"
    assert url_with(request_for("/projects", "status=active&idle_days=14")) == card.href


def test_a_cockpit_figure_and_a_board_cell_link_to_one_list_of_that_many(
        client, signed_in, make_project, leader, other_leader, session):
    signed_in("links.staff", roles=["staff"])
    for _n in range(3):
        make_project(leader_id=leader.user_id)
    paused = make_project(leader_id=leader.user_id)
    paused.status = Status.paused.value
    make_project(leader_id=other_leader.user_id)
    session.commit()

    cockpit = client.get(f"/cockpit?leader_id={leader.user_id}").text
    table = cockpit[cockpit.index('data-testid="funnel-table"'):]
    figure_href, figure = re.search(r'<a href="(/projects\?[^"]+)">([\d,]+)</a>',
                                    table).groups()
    board = client.get("/leaders").text
    row = board[board.index(f'data-leader="{leader.user_id}"'):]
    cell_href, cell = re.search(r'href="(/projects\?[^"]+)">([\d,]+)</a>', row).groups()

    assert figure_href == cell_href
    assert html.unescape(figure_href) == projects_href(
        ProjectFilters(leader_id=leader.user_id, stage=[Stage.contact], status=LIVE))
    assert figure == cell == "4"
    assert list_count(client, figure_href) == 4
