"""Reading the audit trail within one's county, and confidential projects by their code
name, through both doors (GET /api/v1/audit and /audit) and the project's history tab."""

import pytest

from app.accounts.permissions import Actor
from app.accounts.service import create_user
from app.audit.service import record
from app.audit_trail.service import search
from app.projects.schemas import InvestorIn, ProjectUpdate, TransitionIn
from app.projects.service import advance_stage, create_project, update_project
from tests.conftest import TEST_PASSWORD, bearer, make_actor, project_input

REAL_NAME = "九州50MW农光互补光伏电站项目"


@pytest.fixture
def trail(session, staff, leader):
    """Rows about both counties and the city: projects (one confidential in each county,
    one renamed), users, each county user's export, a city-wide setting, an unknown log-in."""
    yaodu = create_project(session, project_input(
        name=REAL_NAME, is_confidential=True, code_name="七号工程", county="yaodu",
        leader_id=leader.user_id,
        investor=InvestorIn(name="九州新能源集团有限公司")), actor=staff)
    advance_stage(session, yaodu.id, TransitionIn(
        to_stage="intent", note=f"{REAL_NAME}：九州新能源集团有限公司递交意向书"),
                  expected_version=None, actor=staff)
    houma = create_project(session, project_input(
        name="九州储能电站一期", county="houma", is_confidential=True, code_name="八号工程",
        leader_id=leader.user_id, description="九州储能",
        investor=InvestorIn(name="某储能公司")), actor=staff)
    update_project(session, houma.id, ProjectUpdate(name="侯马储能电站", description="保密"),
                   expected_version=None, actor=staff)
    advance_stage(session, houma.id, TransitionIn(to_stage="intent",
                                                  note="九州储能电站一期考察"),
                  expected_version=None, actor=staff)
    houma_user = make_actor(session, "hm.staff", "侯马员工", ["staff"], county_code="houma")
    yaodu_user = make_actor(session, "yd.staff", "尧都员工", ["staff"], county_code="yaodu")
    for user in (houma_user, yaodu_user):
        record(session, user, "export", object_type="cockpit", object_id="cockpit",
               detail="cockpit.xlsx?")
    record(session, staff, "warning_rules.update", object_type="warning_rule",
           object_id="all")
    record(session, None, "auth.login_failed", outcome="failure", detail="unknown user",
           username="nobody")
    session.commit()
    return {"yaodu": yaodu, "houma": houma, "houma_user": houma_user, "yaodu_user": yaodu_user}


def test_a_county_client_reads_only_its_county_and_code_names(client, client_token, trail):
    token = client_token(scopes=["audit:read"], county="houma")
    items = client.get("/api/v1/audit?limit=200", headers=bearer(token)).json()["items"]
    houma_user = trail["houma_user"].user_id

    def about_houma(item: dict) -> bool:
        kind, oid = item["object_type"], item["object_id"]
        return (item["user_id"] == houma_user or (kind, oid) in {
            ("project", str(trail["houma"].id)), ("user", str(houma_user))}
            or (kind == "api_client" and item["changes"]["county_code"] == [None, "houma"]))

    assert items and all(about_houma(item) for item in items), items
    about = {(i["object_type"], i["object_id"]) for i in items}
    assert {("project", str(trail["houma"].id)), ("user", str(houma_user)),
            ("cockpit", "cockpit")} <= about  # the export: by one of the county's users
    assert ("user", str(trail["yaodu_user"].user_id)) not in about
    assert not any(i["user_id"] == trail["yaodu_user"].user_id for i in items)
    text = str(items)
    assert "九州" not in text and "侯马储能电站" not in text and "保密" not in text
    assert "八号工程" in text and "七号工程" not in text


def test_a_city_client_reads_every_county_but_code_names_only(client, client_token, trail):
    token = client_token(scopes=["audit:read"])
    items = client.get("/api/v1/audit?limit=200", headers=bearer(token)).json()["items"]
    about = {(i["object_type"], i["object_id"]) for i in items}
    assert {("project", str(trail["yaodu"].id)), ("project", str(trail["houma"].id)),
            ("warning_rule", "all")} <= about
    assert any(i["username"] == "nobody" for i in items)
    text = str(items)
    assert "九州" not in text and "侯马储能电站" not in text
    assert "七号工程" in text and "八号工程" in text
    created = next(i for i in items if i["action"] == "project.create"
                   and i["object_id"] == str(trail["yaodu"].id))
    assert created["changes"]["name"] == [None, "七号工程"]
    renamed = next(i for i in items if i["action"] == "project.update")
    assert renamed["changes"]["name"] == ["八号工程", "八号工程"]
    assert renamed["changes"]["description"] == ["***", "***"]


def test_a_county_auditor_page_shows_only_its_county(client, session, signed_in, trail):
    signed_in("hm.auditor", roles=["auditor"], county_code="houma")
    page = client.get("/audit").text
    table = page.split('id="audit-table"', 1)[1]
    assert f"#{trail['houma'].id}</span></td>" in table
    assert f"#{trail['yaodu'].id}</span></td>" not in table
    assert "yd.staff" not in table and "nobody" not in table
    assert "九州" not in table and "八号工程" in table


def test_search_is_scoped_for_a_county_and_whole_for_the_city(session, trail):
    houma_auditor = make_actor(session, "hm.auditor", "侯马审计", ["auditor"],
                               county_code="houma")
    city_auditor = make_actor(session, "auditor", "审计", ["auditor"])
    project_ids = {e.object_id for e in search(session, houma_auditor, limit=500)
                   if e.object_type == "project"}
    assert project_ids == {str(trail["houma"].id)}
    every = {e.object_id for e in search(session, city_auditor, object_type="project")}
    assert {str(trail["houma"].id), str(trail["yaodu"].id)} <= every


def test_those_on_the_team_read_the_real_name_in_the_history(session, staff, trail):
    from app.audit_trail.history import history_for_project

    rows = history_for_project(session, staff, trail["yaodu"].id)
    assert any(change.after == REAL_NAME for row in rows for change in row.changes)
    outsider = create_user(session, username="yd.other", display_name="尧都同事",
                           password=TEST_PASSWORD, roles=["staff"], county_code="yaodu",
                           must_change_password=False)
    masked = history_for_project(session, Actor.of(outsider, {"staff"}), trail["yaodu"].id)
    assert "九州" not in str(masked) and "七号工程" in str(masked)
