"""A confidential project as those who do not work on it see it: by its code name, with no
description and no investor, on every page and in the API alike; and named by its code
name when another county reports the same investor."""

import pytest
import sqlalchemy as sa

from app.errors import Conflict
from app.projects.models import Project
from app.projects.schemas import InvestorIn
from app.projects.service import create_project
from tests.conftest import bearer, csrf_of, make_actor, project_input
from tests.projects.test_detail_page import form_fields

REAL_NAME = "九州50MW农光互补光伏电站项目"
CODE_NAME = "七号工程"
DESCRIPTION = "拟与九州集团签订框架协议，建设农光互补电站"
INVESTOR = "九州新能源集团有限公司"


@pytest.fixture
def secret(session, staff):
    """Reported by city staff (who works on it) in 尧都区; nobody else is on its team."""
    project = create_project(session, project_input(
        name=REAL_NAME, is_confidential=True, code_name=CODE_NAME, description=DESCRIPTION,
        investor=InvestorIn(name=INVESTOR, hq_province="山西省", hq_city="九州市",
                            ownership="private")), actor=staff)
    session.commit()
    return project


def leaks(text: str) -> bool:
    return "九州" in text


# --- another county reports the same investor ----------------------------------------------

def test_the_duplicate_refusal_names_a_confidential_project_by_its_code_name(session, secret):
    elsewhere = make_actor(session, "zhao.lei", "赵磊", ["staff"], county_code="houma")
    with pytest.raises(Conflict) as refused:
        create_project(session, project_input(name="另一个项目", county="houma",
                                              investor=InvestorIn(name=INVESTOR)),
                       actor=elsewhere)
    message = refused.value.detail("zh_CN")
    assert secret.code in message and CODE_NAME in message
    assert REAL_NAME not in message and DESCRIPTION not in message


def test_the_api_409_names_a_confidential_project_by_its_code_name(client, client_token,
                                                                   secret):
    token = client_token(county="houma")
    answer = client.post("/api/v1/projects", headers=bearer(token), json={
        "name": "另一个项目", "investor": {"name": INVESTOR}, "category": "industrial",
        "chain": "pv", "region": "csj", "method": "by_chain", "county": "houma",
        "total_investment": "100.00"})
    assert answer.status_code == 409
    assert CODE_NAME in answer.text and not leaks(answer.json()["detail"])


def test_the_duplicate_refusal_names_the_project_to_those_who_work_on_it(session, secret,
                                                                        staff):
    with pytest.raises(Conflict) as refused:
        create_project(session, project_input(name="另一个项目", county="houma",
                                              investor=InvestorIn(name=INVESTOR)), actor=staff)
    assert REAL_NAME in refused.value.detail("zh_CN")


def test_the_new_project_page_shows_the_code_name_of_a_confidential_duplicate(
        client, signed_in, secret):
    signed_in("zhao.lei", county_code="houma")
    live = client.get("/projects/new/duplicates", params={"investor.name": INVESTOR},
                      headers={"HX-Request": "true"})
    assert secret.code in live.text and CODE_NAME in live.text and not leaks(live.text)
    refused = client.post("/projects/new", follow_redirects=False, data={
        "csrf_token": csrf_of(client, "/projects/new"), "name": "另一个项目",
        "investor.name": "九州新能源集团", "category": "industrial", "chain": "pv",
        "region": "csj", "method": "by_chain", "county": "houma",
        "total_investment": "100"})
    assert refused.status_code == 409
    page = refused.text.replace('value="九州新能源集团"', "")  # what the user typed
    assert CODE_NAME in page and not leaks(page)


# --- the project's pages and the API show the same -----------------------------------------

PAGES = ("", "?tab=investor", "?tab=history", "/edit", "/advance", "/pause", "/leader")


@pytest.mark.parametrize("page", PAGES)
def test_a_colleague_off_the_team_sees_only_the_code_name(client, signed_in, secret, page):
    signed_in("zhang.wei", county_code="yaodu")
    html = client.get(f"/projects/{secret.id}{page}").text
    assert CODE_NAME in html
    assert not leaks(html), html[max(0, html.find("九州") - 300):html.find("九州") + 100]


def test_the_page_shows_what_the_api_shows(client, signed_in, client_token, secret):
    api = client.get(f"/api/v1/projects/{secret.id}",
                     headers=bearer(client_token(county="yaodu"))).json()
    assert (api["name"], api["description"], api["investor"]) == (
        CODE_NAME, None, {"name": "***", "credit_code": None})
    signed_in("zhang.wei", county_code="yaodu")
    html = client.get(f"/projects/{secret.id}?tab=investor").text
    assert CODE_NAME in html and "***" in html and not leaks(html)


def test_the_team_sees_everything_on_the_page_and_in_the_api(client, signed_in, session,
                                                             secret):
    member = signed_in("zhang.wei", county_code="yaodu")
    from app.projects.models import TeamMember
    session.add(TeamMember(project_id=secret.id, user_id=member.user_id, role="member"))
    session.commit()
    html = client.get(f"/projects/{secret.id}?tab=investor").text
    assert REAL_NAME in html and DESCRIPTION in html and INVESTOR in html
    edit = client.get(f"/projects/{secret.id}/edit").text
    assert DESCRIPTION in edit and 'name="name"' in edit


def test_saving_the_edit_form_off_the_team_keeps_the_hidden_description(client, signed_in,
                                                                       session, secret):
    signed_in("zhang.wei", county_code="yaodu")
    edit = client.get(f"/projects/{secret.id}/edit").text
    assert 'name="description"' not in edit and 'name="orig.description"' not in edit
    fields = form_fields(edit, "edit-form") | {"total_investment": "88.00"}
    saved = client.post(f"/projects/{secret.id}/edit", data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    session.expire_all()
    kept = session.scalar(sa.select(Project).where(Project.id == secret.id))
    assert (kept.name, kept.description, kept.code_name, kept.is_confidential) == (
        REAL_NAME, DESCRIPTION, CODE_NAME, True)
    assert str(kept.total_investment) == "88.00"
