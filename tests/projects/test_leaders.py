"""Which leaders may be assigned: a project is led by a leader of its own county or of the
city. One answer (`assignable_leaders`) for every picker, enforced by the service through
every door; a county's own leaders are listed first."""

import re

import pytest

from app.errors import ValidationFailed
from app.projects.models import LeaderAssignment, Project
from app.projects.schemas import LeaderAssignIn
from app.projects.service import assign_leader, assignable_leaders, assignable_leaders_by_county
from tests.api.conftest import bearer
from tests.conftest import count, csrf_of, make_actor, project_input


@pytest.fixture
def county_leaders(session):
    """侯马 and 曲沃 each have a leader of their own; 李云峰 (市长) leads city-wide."""
    return {
        "houma": make_actor(session, "houma.leader", "侯马县长", ["leader"], county_code="houma",
                            title="县长"),
        "quwo": make_actor(session, "quwo.leader", "曲沃县长", ["leader"], county_code="quwo",
                           title="县长"),
    }


def names(options) -> list[str]:
    return [p.name for p in options]


def unchanged(session, project) -> bool:
    session.expire_all()
    return (session.get(Project, project.id).leader_id is None
            and count(session, LeaderAssignment, LeaderAssignment.project_id == project.id) == 0)


def test_a_county_gets_its_own_leaders_first_then_the_citys(session, county_staff, staff,
                                                             leader, county_leaders):
    assert names(assignable_leaders(session, county_staff)) == ["侯马县长", "李云峰"]
    assert names(assignable_leaders(session, staff, "quwo")) == ["曲沃县长", "李云峰"]
    # A city user with no county yet: the city's first, then every county's.
    assert names(assignable_leaders(session, staff)) == ["李云峰", "侯马县长", "曲沃县长"]


def test_the_pickers_for_several_counties_match_one_county_at_a_time(session, staff,
                                                                     county_staff, leader,
                                                                     county_leaders):
    for actor in (staff, county_staff):
        by_county = assignable_leaders_by_county(session, actor, ["houma", "quwo"])
        for county in ("houma", "quwo"):
            assert names(by_county[county]) == names(assignable_leaders(session, actor, county))


def test_another_countys_leader_is_refused_and_changes_nothing(session, staff, county_staff,
                                                               make_project, leader,
                                                               county_leaders):
    project = make_project(county="houma")
    for actor in (staff, county_staff):
        with pytest.raises(ValidationFailed) as refused:
            assign_leader(session, project.id,
                          LeaderAssignIn(leader_id=county_leaders["quwo"].user_id),
                          expected_version=None, actor=actor)
        assert refused.value.errors[0].field == "leader_id"
        assert unchanged(session, project)
    assign_leader(session, project.id, LeaderAssignIn(leader_id=county_leaders["houma"].user_id),
                  expected_version=None, actor=county_staff)
    assign_leader(session, project.id, LeaderAssignIn(leader_id=leader.user_id, reason="升格"),
                  expected_version=None, actor=county_staff)
    assert session.get(Project, project.id).leader_id == leader.user_id


def test_a_new_project_with_another_countys_leader_is_refused(client, signed_in, session,
                                                              leader, county_leaders,
                                                              make_project):
    with pytest.raises(ValidationFailed):
        make_project(county="houma", leader_id=county_leaders["quwo"].user_id)

    signed_in("zhao.county", county_code="houma")
    form = client.get("/projects/new").text
    picker = form[form.index('id="f-leader_id"'):]
    picker = picker[:picker.index("</select>")]
    assert "曲沃县长" not in picker and picker.index("侯马县长") < picker.index("李云峰")
    token = csrf_of(client, "/projects/new")
    data = project_input(county="houma", chain_link=None).model_dump(mode="json")
    answer = client.post("/projects/new", data={
        "csrf_token": token, "name": data["name"], "category": data["category"],
        "chain": data["chain"], "region": data["region"], "method": data["method"],
        "county": "houma", "total_investment": data["total_investment"],
        "investor.name": "曲沃来的投资有限公司", "leader_id": county_leaders["quwo"].user_id})
    assert answer.status_code == 422
    assert "曲沃县长是曲沃县的领导" in answer.text
    assert count(session, Project, Project.name == data["name"]) == 0


def test_the_new_project_picker_follows_the_county_chosen(client, signed_in, county_leaders,
                                                          leader):
    signed_in("zhang.wei")
    field = client.get("/projects/new/leaders?county=quwo").text
    assert "侯马县长" not in field and field.index("曲沃县长") < field.index("李云峰")


def test_the_project_page_offers_and_takes_only_its_countys_and_the_citys_leaders(
        client, signed_in, session, make_project, leader, county_leaders):
    project = make_project(county="houma")
    signed_in("zhang.wei")
    form = client.get(f"/projects/{project.id}/leader", headers={"HX-Request": "true"}).text
    assert "曲沃县长" not in form and form.index("侯马县长") < form.index("李云峰")

    token = csrf_of(client, "/account")
    answer = client.post(f"/projects/{project.id}/leader", headers={"HX-Request": "true"},
                         data={"csrf_token": token, "version": str(project.version),
                               "leader_id": str(county_leaders["quwo"].user_id)})
    assert answer.status_code == 422
    assert "曲沃县长是曲沃县的领导；侯马市的项目由侯马市或市级领导包联" in answer.text
    assert unchanged(session, project)


def test_the_leader_board_offers_each_waiting_project_its_countys_leaders(
        client, signed_in, session, make_project, leader, county_leaders):
    waiting = make_project(name="侯马待指定的项目", county="houma")
    signed_in("zhang.wei")
    board = client.get("/leaders").text
    form = board[board.index(f'id="assign-{waiting.id}"'):]
    form = form[:form.index("</form>")]
    assert "曲沃县长" not in form and form.index("侯马县长") < form.index("李云峰")

    token = csrf_of(client, "/leaders")
    answer = client.post(f"/leaders/assign/{waiting.id}", headers={"HX-Request": "true"},
                         data={"csrf_token": token, "version": str(waiting.version),
                               "leader_id": str(county_leaders["quwo"].user_id)})
    assert answer.status_code == 422 and "曲沃县长是曲沃县的领导" in answer.text
    assert unchanged(session, waiting)


def test_the_api_lists_and_enforces_the_same_leaders(client, client_token, session,
                                                     make_project, leader, county_leaders):
    project = make_project(county="houma")
    county_token = client_token(county="houma")
    listed = client.get("/api/v1/leaders", headers=bearer(county_token)).json()["items"]
    assert [p["name"] for p in listed] == ["侯马县长", "李云峰"]
    city_token = client_token()
    narrowed = client.get("/api/v1/leaders?county=quwo", headers=bearer(city_token)).json()
    assert [p["name"] for p in narrowed["items"]] == ["曲沃县长", "李云峰"]

    refused = client.put(f"/api/v1/projects/{project.id}/leader", headers=bearer(city_token),
                         json={"leader_id": county_leaders["quwo"].user_id})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["errors"][0]["field"] == "leader_id"
    assert re.search("曲沃县长|quwo", str(problem))
    assert unchanged(session, project)
