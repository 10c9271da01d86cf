"""A project's investor and its contacts over the API: the edit reaches every project of the
company, a credit code or name another investor has is a 409 naming the field, stale and
missing If-Match, other counties, and contacts added, changed and removed (masked, audited)."""

import json

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.projects.investors import credit_code_check_char
from app.projects.models import Investor, InvestorContact, Project
from tests.api.conftest import bearer
from tests.conftest import count, new_project

PROBLEM = "application/problem+json"


def code(n: int) -> str:
    first17 = f"9114010{n:010d}"
    return first17 + credit_code_check_char(first17)


def create(client, token, **overrides) -> dict:
    response = client.post("/api/v1/projects", json=new_project(**overrides),
                           headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


def patch_investor(client, token, project_id, body, version=1):
    return client.patch(f"/api/v1/projects/{project_id}/investor", json=body,
                        headers=bearer(token, **{"If-Match": f'"{version}"'}))


def audit_rows(session, action):
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)))


def test_editing_the_investor_changes_it_for_every_project_of_the_company(client, token,
                                                                          session):
    first = create(client, token, investor={"name": "江苏光能科技有限公司"})
    second = create(client, token, name="二期项目", investor={"name": "江苏光能科技有限公司"},
                    same_investor_as=first["id"])

    response = patch_investor(client, token, first["id"], {
        "name": "江苏光能新材料有限公司", "credit_code": code(1).lower(), "hq_province": "江苏省",
        "hq_city": "苏州市", "ownership": "private"})

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    assert response.json()["investor"] == {"name": "江苏光能新材料有限公司",
                                           "credit_code": code(1)}
    other = client.get(f"/api/v1/projects/{second['id']}", headers=bearer(token)).json()
    assert other["investor"]["name"] == "江苏光能新材料有限公司" and other["version"] == 2
    found = client.get("/api/v1/projects", params={"q": "新材料"}, headers=bearer(token))
    assert {p["id"] for p in found.json()["items"]} == {first["id"], second["id"]}
    rows = audit_rows(session, "investor.update")
    assert {row.object_id for row in rows} == {str(first["id"]), str(second["id"])}
    assert json.loads(rows[0].changes)["investor_name"] == ["江苏光能科技有限公司",
                                                            "江苏光能新材料有限公司"]
    assert json.loads(rows[0].changes)["ownership"] == [None, "private"]


def test_a_credit_code_another_investor_has_is_a_409_naming_the_field(client, token, session):
    create(client, token, investor={"name": "山西宏达碳素科技有限公司", "credit_code": code(2)})
    mine = create(client, token, name="另一个项目", investor={"name": "太原新材料有限公司"})

    refused = patch_investor(client, token, mine["id"], {"credit_code": code(2),
                                                         "hq_city": "太原市"})

    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    assert [e["field"] for e in refused.json()["errors"]] == ["credit_code"]
    assert "山西宏达碳素科技有限公司" in refused.json()["detail"]
    investor = session.scalar(sa.select(Investor).where(Investor.name == "太原新材料有限公司"))
    session.refresh(investor)
    assert investor.credit_code is None and investor.hq_city is None
    assert client.get(f"/api/v1/projects/{mine['id']}",
                      headers=bearer(token)).json()["version"] == 1
    assert audit_rows(session, "investor.update") == []


def test_a_name_another_investor_has_is_a_409_naming_the_field(client, token):
    create(client, token, investor={"name": "山西宏达碳素科技有限公司"})
    mine = create(client, token, name="另一个项目", investor={"name": "太原新材料有限公司"})

    refused = patch_investor(client, token, mine["id"], {"name": "山西宏达碳素科技 股份有限公司"})

    assert refused.status_code == 409
    assert [e["field"] for e in refused.json()["errors"]] == ["name"]


def test_the_other_company_of_a_confidential_project_is_named_by_its_code_name(client, token):
    create(client, token, investor={"name": "保密投资有限公司", "credit_code": code(3)},
           is_confidential=True, code_name="星火计划")
    mine = create(client, token, name="另一个项目", investor={"name": "太原新材料有限公司"})

    refused = patch_investor(client, token, mine["id"], {"credit_code": code(3)})

    assert refused.status_code == 409
    assert "星火计划" in refused.json()["detail"]
    assert "保密投资" not in refused.text


def test_an_invalid_credit_code_is_a_422_on_credit_code(client, token):
    mine = create(client, token)
    refused = patch_investor(client, token, mine["id"], {"credit_code": "91140100MA0K9ABC11"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["credit_code"]


def test_an_empty_name_and_unstorable_text_are_422s(client, token):
    mine = create(client, token)
    empty = patch_investor(client, token, mine["id"], {"name": None})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "name"
    nul = patch_investor(client, token, mine["id"], {"hq_city": "太原\x00市"})
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "hq_city"


def test_investor_edit_needs_if_match_and_a_stale_one_is_412(client, token):
    mine = create(client, token)
    missing = client.patch(f"/api/v1/projects/{mine['id']}/investor", json={"hq_city": "太原"},
                           headers=bearer(token))
    assert missing.status_code == 428
    assert patch_investor(client, token, mine["id"], {"hq_city": "太原"}).status_code == 200
    stale = patch_investor(client, token, mine["id"], {"hq_city": "大同"}, version=1)
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM


def test_another_countys_client_finds_no_such_project_and_a_reader_is_403(client, token,
                                                                          client_token):
    mine = create(client, token)
    other_county = client_token(county="houma")
    reader = client_token(scopes=["projects:read"])

    assert patch_investor(client, other_county, mine["id"],
                          {"hq_city": "太原"}).status_code == 404
    assert client.post(f"/api/v1/projects/{mine['id']}/contacts", json={"name": "陈经理"},
                       headers=bearer(other_county)).status_code == 404
    assert patch_investor(client, reader, mine["id"], {"hq_city": "太原"}).status_code == 403


def test_contacts_are_added_changed_and_removed_masked_and_audited(client, token, session):
    mine = create(client, token)
    url = f"/api/v1/projects/{mine['id']}/contacts"

    added = client.post(url, json={"name": "陈经理", "title": "投资总监",
                                   "phone": "13812341234"}, headers=bearer(token))
    assert added.status_code == 201, added.text
    # An agency client works on no project: it never gets the full number back.
    assert added.json()["phone"] == "138****1234" and added.json()["masked"] is True
    contact_id = added.json()["id"]

    changed = client.patch(f"{url}/{contact_id}", json={"email": "chen@example.com"},
                           headers=bearer(token))
    assert changed.status_code == 200, changed.text
    stored = session.get(InvestorContact, contact_id)
    session.refresh(stored)
    assert stored.phone == "13812341234" and stored.email == "chen@example.com"
    assert stored.title == "投资总监"

    assert client.delete(f"{url}/{contact_id}", headers=bearer(token)).status_code == 204
    assert count(session, InvestorContact) == 0
    assert client.delete(f"{url}/{contact_id}", headers=bearer(token)).status_code == 404

    rows = {row.action: json.loads(row.changes) for row in
            session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("contact.%")))}
    assert rows["contact.create"]["contact_phone"] == [None, "138****1234"]
    assert rows["contact.update"] == {"contact_email": [None, "c***@example.com"]}
    assert rows["contact.delete"]["contact_name"] == ["陈经理", None]
    assert "13812341234" not in json.dumps(rows)


def test_a_contact_already_there_is_a_409_and_nothing_is_added(client, token, session):
    mine = create(client, token, investor={"name": "江苏光能科技有限公司", "contacts": [
        {"name": "陈经理", "phone": "138-1234-1234"}]})
    again = client.post(f"/api/v1/projects/{mine['id']}/contacts",
                        json={"name": "陈经理", "phone": "138 1234 1234"},
                        headers=bearer(token))
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "name"
    assert count(session, InvestorContact) == 1


def test_a_contact_of_another_investor_is_404(client, token, session):
    mine = create(client, token)
    other = create(client, token, name="别家项目", investor={"name": "别家公司", "contacts": [
        {"name": "王总"}]})
    theirs = client.get(f"/api/v1/projects/{other['id']}/contacts",
                        headers=bearer(token)).json()["items"][0]["id"]
    response = client.patch(f"/api/v1/projects/{mine['id']}/contacts/{theirs}",
                            json={"name": "改名"}, headers=bearer(token))
    assert response.status_code == 404
    assert client.delete(f"/api/v1/projects/{mine['id']}/contacts/{theirs}",
                         headers=bearer(token)).status_code == 404
    assert session.get(InvestorContact, theirs).name == "王总"
    assert count(session, Project) == 2
