"""The project resources of docs/api.md, endpoint by endpoint: shapes, money as strings, ETags,
If-Match (428 / 412), Idempotency-Key, cursors, and refusals that change nothing."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.clock import local_date
from app.projects.models import LeaderAssignment, Project, StageEvent
from app.web.models import IdempotencyKey
from tests.api.conftest import bearer
from tests.conftest import count, new_project

PROBLEM = "application/problem+json"


def test_create_answers_201_with_location_etag_and_money_as_string(client, token, session):
    response = client.post("/api/v1/projects", json=new_project(), headers=bearer(token))
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/projects/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["total_investment"] == "12500.00"
    assert body["stage"] == "contact" and body["status"] == "active" and body["leader"] is None
    assert body["investor"] == {"name": "江苏光能科技有限公司", "credit_code": None}
    assert body["region"] == "csj" and body["version"] == 1
    assert body["created_at"].endswith("Z") or "+" in body["created_at"]
    assert count(session, Project) == 1


def test_create_takes_the_date_of_first_contact_but_not_a_future_one(client, token, session):
    visited = local_date() - timedelta(days=5)
    response = client.post("/api/v1/projects", headers=bearer(token),
                           json=new_project(first_contact_on=visited.isoformat()))
    assert response.status_code == 201, response.text
    history = client.get(f"/api/v1/projects/{response.json()['id']}/history",
                         headers=bearer(token)).json()
    assert history["items"][0]["happened_on"] == visited.isoformat()
    tomorrow = (local_date() + timedelta(days=1)).isoformat()
    refused = client.post("/api/v1/projects", headers=bearer(token),
                          json=new_project(name="另一个项目", investor={"name": "另一家公司"},
                                           first_contact_on=tomorrow))
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    assert "first_contact_on" in refused.text
    assert count(session, Project) == 1


def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(client, token, session):
    response = client.post("/api/v1/projects", headers=bearer(token),
                           json=new_project(total_investment="-5"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422 and problem["type"] and problem["title"]
    assert [e["field"] for e in problem["errors"]] == ["total_investment"]
    unknown = client.post("/api/v1/projects", headers=bearer(token),
                          json=new_project(chain="no-such-chain"))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "chain"
    not_json = client.post("/api/v1/projects", headers=bearer(token, **{
        "Content-Type": "application/json"}), content=b"{not json")
    assert not_json.status_code == 422 and not_json.json()["errors"][0]["field"] == "body"
    assert count(session, Project) == 0


def test_a_live_project_of_the_same_investor_is_a_409(client, token, session):
    assert client.post("/api/v1/projects", json=new_project(),
                       headers=bearer(token)).status_code == 201
    again = client.post("/api/v1/projects", json=new_project(name="二期"), headers=bearer(token))
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    first = again.json()
    assert first["errors"][0]["field"] == "investor"
    assert count(session, Project) == 1


def test_get_one_project_with_leader_investor_and_etag(client, token, make_project, leader,
                                                       session):
    project = make_project(leader_id=leader.user_id)
    session.commit()
    response = client.get(f"/api/v1/projects/{project.id}", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{project.version}"'
    body = response.json()
    assert body["leader"] == {"id": leader.user_id, "name": "李云峰"}
    assert body["investor"]["name"].startswith("测试投资")
    assert body["total_investment"] == "125000.50"
    missing = client.get("/api/v1/projects/999999", headers=bearer(token))
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


def test_confidential_projects_show_their_code_name_to_clients(client, token, make_project,
                                                               session):
    project = make_project(is_confidential=True, code_name="A-01")
    session.commit()
    body = client.get(f"/api/v1/projects/{project.id}", headers=bearer(token)).json()
    assert body["name"] == "A-01" and body["investor"] == {"name": "***", "credit_code": None}


def test_patch_needs_if_match_428_when_missing_412_when_stale(client, token, make_project,
                                                              session):
    project = make_project()
    session.commit()
    url = f"/api/v1/projects/{project.id}"
    missing = client.patch(url, json={"name": "新名称"}, headers=bearer(token))
    assert missing.status_code == 428 and missing.headers["content-type"] == PROBLEM
    stale = client.patch(url, json={"name": "新名称"}, headers=bearer(token, **{
        "If-Match": '"7"'}))
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    session.expire_all()
    assert session.get(Project, project.id).name == "年产10万吨针状焦项目"
    ok = client.patch(url, json={"name": "新名称", "total_investment": "99.90"},
                      headers=bearer(token, **{"If-Match": '"1"'}))
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"2"'
    assert ok.json()["name"] == "新名称" and ok.json()["total_investment"] == "99.90"
    # The old ETag is stale now; the stage is not a field of PATCH.
    assert client.patch(url, json={"name": "x"}, headers=bearer(token, **{
        "If-Match": '"1"'})).status_code == 412
    refused = client.patch(url, json={"stage": "signed"}, headers=bearer(token, **{
        "If-Match": '"2"'}))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "stage"


def test_delete_is_soft_needs_if_match_and_hides_the_project(client, token, make_project,
                                                             session):
    project = make_project()
    session.commit()
    url = f"/api/v1/projects/{project.id}"
    assert client.delete(url, headers=bearer(token)).status_code == 428
    assert client.delete(url, headers=bearer(token, **{"If-Match": '"9"'})).status_code == 412
    assert client.delete(url, headers=bearer(token, **{"If-Match": 'W/"1"'})).status_code == 204
    assert client.get(url, headers=bearer(token)).status_code == 404
    assert client.get("/api/v1/projects", headers=bearer(token)).json()["items"] == []
    session.expire_all()
    assert session.get(Project, project.id).deleted_at is not None


def test_transitions_follow_the_stage_rules(client, token, make_project, leader, session):
    project = make_project()
    session.commit()
    url = f"/api/v1/projects/{project.id}/transitions"
    no_leader = client.post(url, json={"to_stage": "intent"}, headers=bearer(token))
    assert no_leader.status_code == 422
    assert no_leader.json()["errors"][0]["field"] == "leader_id"
    events = count(session, StageEvent, StageEvent.project_id == project.id)

    def unchanged(stage: str) -> None:
        session.expire_all()
        assert session.get(Project, project.id).stage == stage
        assert count(session, StageEvent, StageEvent.project_id == project.id) == events

    unchanged("contact")
    assigned = client.put(f"/api/v1/projects/{project.id}/leader", headers=bearer(token),
                          json={"leader_id": leader.user_id})
    assert assigned.status_code == 200 and assigned.json()["leader"]["id"] == leader.user_id
    no_evidence = client.post(url, json={"to_stage": "signed"}, headers=bearer(token))
    assert no_evidence.status_code == 422
    assert {e["field"] for e in no_evidence.json()["errors"]} == {"agreement_no",
                                                                   "agreed_amount"}
    unchanged("contact")
    moved = client.post(url, headers=bearer(token), json={
        "to_stage": "signed", "note": "签订投资协议", "agreement_no": "XY-2026-01",
        "agreed_amount": "12000.00"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["stage"] == "signed" and moved.json()["agreed_amount"] == "12000.00"
    assert moved.headers["etag"] == f'"{moved.json()["version"]}"'
    stale = client.post(url, json={"to_stage": "contract"},
                        headers=bearer(token, **{"If-Match": '"1"'}))
    assert stale.status_code == 412
    events += 2  # intent and signed, from the one accepted move
    unchanged("signed")


def test_an_agreed_amount_above_the_total_investment_needs_confirming(client, token,
                                                                     make_project, leader,
                                                                     session):
    """12,000 万元 total, 1,200,000 agreed: most likely 元 or 亿 slipped in. Refused, naming
    the field, until the sender confirms it."""
    project = make_project(leader_id=leader.user_id, total_investment=Decimal("12000.00"))
    session.commit()
    url = f"/api/v1/projects/{project.id}/transitions"
    signing = {"to_stage": "signed", "agreement_no": "XY-2026-02", "agreed_amount": "1200000"}
    refused = client.post(url, json=signing, headers=bearer(token))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in refused.json()["errors"]} == {
        "agreed_amount", "agreed_above_total_confirmed"}
    session.expire_all()
    assert session.get(Project, project.id).stage == "contact"
    confirmed = client.post(url, json={**signing, "agreed_above_total_confirmed": True},
                            headers=bearer(token))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["agreed_amount"] == "1200000.00"


def test_leader_reassignment_needs_a_reason(client, token, make_project, leader, other_leader,
                                            session):
    project = make_project(leader_id=leader.user_id)
    session.commit()
    url = f"/api/v1/projects/{project.id}/leader"
    refused = client.put(url, json={"leader_id": other_leader.user_id}, headers=bearer(token))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    session.expire_all()
    assert session.get(Project, project.id).leader_id == leader.user_id
    assert count(session, LeaderAssignment, LeaderAssignment.project_id == project.id) == 1
    done = client.put(url, json={"leader_id": other_leader.user_id, "reason": "工作调整"},
                      headers=bearer(token))
    assert done.status_code == 200 and done.json()["leader"]["name"] == "崔元斌"


def test_history_lists_stage_events_and_leader_assignments_oldest_first(
        client, token, make_project, leader, other_leader, session):
    project = make_project(leader_id=leader.user_id)
    session.commit()
    client.post(f"/api/v1/projects/{project.id}/transitions", json={"to_stage": "intent"},
                headers=bearer(token))
    client.put(f"/api/v1/projects/{project.id}/leader", headers=bearer(token),
               json={"leader_id": other_leader.user_id, "reason": "工作调整"})
    items = client.get(f"/api/v1/projects/{project.id}/history",
                       headers=bearer(token)).json()["items"]
    assert [(i["kind"], i.get("to_stage") or i["leader"]["name"]) for i in items] == [
        ("stage", "contact"), ("leader", "李云峰"), ("stage", "intent"), ("leader", "崔元斌")]
    assert items[1]["ended_at"] is not None and items[3]["reason"] == "工作调整"
    assert [i["at"] for i in items] == sorted(i["at"] for i in items)


def test_status_moves_pause_resume_terminate(client, token, make_project, session):
    project = make_project()
    session.commit()
    base = f"/api/v1/projects/{project.id}"
    assert client.post(f"{base}/pause", json={"reason": "投资方调整计划"},
                       headers=bearer(token)).json()["status"] == "paused"
    assert client.post(f"{base}/resume", json={},
                       headers=bearer(token)).json()["status"] == "active"
    ended = client.post(f"{base}/terminate", json={"reason_code": "investor_withdrew"},
                        headers=bearer(token))
    assert ended.json()["status"] == "terminated"
    assert ended.json()["termination_reason"] == "investor_withdrew"


def test_list_filters_lists_every_status_and_follows_the_cursor(client, token, make_project,
                                                                session):
    projects = [make_project(total_investment=Decimal(100 * (n + 1))) for n in range(5)]
    ended = projects[0]
    client.post(f"/api/v1/projects/{ended.id}/terminate", json={"reason_code": "policy"},
                headers=bearer(token))
    make_project(county="houma")
    session.commit()
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/projects", headers=bearer(token),
                          params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen)  # terminated included, id order
    only = client.get("/api/v1/projects", headers=bearer(token), params={
        "status": "terminated"}).json()["items"]
    assert [p["id"] for p in only] == [ended.id]
    houma = client.get("/api/v1/projects", headers=bearer(token), params={
        "county": "houma"}).json()["items"]
    assert [p["county"] for p in houma] == ["houma"]
    rich = client.get("/api/v1/projects", headers=bearer(token), params={
        "min_investment": "300", "max_investment": "400.00"}).json()["items"]
    assert sorted(p["total_investment"] for p in rich) == ["300.00", "400.00"]
    too_many = client.get("/api/v1/projects", params={"limit": 201}, headers=bearer(token))
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "limit"
    bad = client.get("/api/v1/projects", params={"cursor": "bm9wZQ"}, headers=bearer(token))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_sync_by_updated_since_orders_by_update_and_pages(client, token, make_project,
                                                          session):
    old = make_project()
    newer = [make_project() for _ in range(3)]
    session.execute(sa.update(Project).where(Project.id == old.id).values(
        updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
    session.commit()
    since = datetime(2026, 2, 1, tzinfo=UTC).isoformat()
    touched = client.patch(f"/api/v1/projects/{newer[0].id}", json={"name": "改名"},
                           headers=bearer(token, **{"If-Match": '"1"'}))
    assert touched.status_code == 200
    ids, cursor = [], None
    while True:
        params = {"updated_since": since, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/projects", params=params, headers=bearer(token)).json()
        ids += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # The edited one comes last: it changed last. The one untouched since January is out.
    assert ids == [newer[1].id, newer[2].id, newer[0].id]
    naive = client.get("/api/v1/projects", params={"updated_since": "2026-02-01T00:00:00"},
                       headers=bearer(token))
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "updated_since"


def test_funnel_has_seven_rows_with_decimal_strings(client, token, make_project, leader,
                                                    session):
    for _ in range(2):
        make_project(leader_id=leader.user_id)
    session.commit()
    first = session.scalar(sa.select(Project.id).order_by(Project.id))
    client.post(f"/api/v1/projects/{first}/transitions", json={"to_stage": "intent"},
                headers=bearer(token))
    rows = client.get("/api/v1/stats/funnel", headers=bearer(token)).json()["stages"]
    assert [r["stage"] for r in rows] == ["contact", "intent", "signed", "contract",
                                          "groundbreaking", "production", "achieved"]
    assert rows[0] == {"stage": "contact", "count": 1, "terminated": 0, "reached": 2,
                       "total_investment": "125000.50", "conversion_from_previous": None}
    assert rows[1]["reached"] == 1 and rows[1]["conversion_from_previous"] == "0.5000"
    assert rows[2]["conversion_from_previous"] == "0.0000"
    assert rows[3]["conversion_from_previous"] is None  # a zero divisor
    later = client.get("/api/v1/stats/funnel", params={"from": "2099-01-01"},
                       headers=bearer(token)).json()["stages"]
    assert sum(r["reached"] for r in later) == 0


def test_fifty_retries_with_one_idempotency_key_create_one_project(client, token, session):
    headers = bearer(token, **{"Idempotency-Key": "import-2026-11-23-0001"})
    answers = [client.post("/api/v1/projects", json=new_project(), headers=headers)
               for _ in range(50)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.text for a in answers}) == 1
    assert len({a.headers["location"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 49
    assert count(session, Project) == 1
    other = client.post("/api/v1/projects", json=new_project(name="另一个项目"),
                        headers=headers)
    assert other.status_code == 422 and other.headers["content-type"] == PROBLEM
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert count(session, Project) == 1
    # Same body, same key with key order and spaces changed: still a replay.
    shuffled = dict(reversed(list(new_project().items())))
    assert client.post("/api/v1/projects", json=shuffled,
                       headers=headers).headers.get("idempotent-replayed") == "true"
    assert count(session, IdempotencyKey) == 1


def test_idempotency_keys_belong_to_one_caller_and_failures_are_not_kept(
        client, client_token, session):
    first, second = client_token(), client_token()
    key = {"Idempotency-Key": "same-key"}
    refused = client.post("/api/v1/projects", json=new_project(total_investment="-1"),
                          headers=bearer(first, **key))
    assert refused.status_code == 422 and count(session, IdempotencyKey) == 0
    assert client.post("/api/v1/projects", json=new_project(),
                       headers=bearer(first, **key)).status_code == 201
    other = client.post("/api/v1/projects", json=new_project(investor={"name": "别的公司"}),
                        headers=bearer(second, **key))
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers
    assert count(session, Project) == 2


@pytest.mark.parametrize(("field", "value"), [
    ("total_investment", "1e9"), ("total_investment", "1E2"), ("total_investment", True),
    ("total_investment", "NaN"), ("total_investment", "1_000"),
    ("fixed_asset_investment", "5e3"), ("expected_annual_tax", False),
    ("land_mu", "1e2"), ("expected_jobs", True), ("expected_jobs", "12.0"),
    ("leader_id", True),
])
def test_amounts_are_plain_decimals_and_counts_and_ids_never_booleans(client, token, session,
                                                                      field, value):
    response = client.post("/api/v1/projects", headers=bearer(token),
                           json=new_project(**{field: value}))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert count(session, Project) == 0


def test_plain_amounts_and_counts_are_still_taken(client, token):
    made = client.post("/api/v1/projects", headers=bearer(token), json=new_project(
        total_investment=" 12500.5 ", fixed_asset_investment=9000, expected_jobs="120",
        land_mu="85.50"))
    assert made.status_code == 201, made.text
    assert made.json()["total_investment"] == "12500.50"


def test_an_amount_with_an_exponent_is_refused_in_filters_and_moves_too(
        client, token, make_project, leader, session):
    project = make_project(leader_id=leader.user_id)
    session.commit()
    listed = client.get("/api/v1/projects", params={"min_investment": "1e3"},
                        headers=bearer(token))
    assert listed.status_code == 422
    assert listed.json()["errors"][0]["field"] == "min_investment"
    moved = client.post(f"/api/v1/projects/{project.id}/transitions", headers=bearer(token),
                        json={"to_stage": "signed", "agreement_no": "XY-1",
                              "agreed_amount": "9e3"})
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "agreed_amount"
    session.expire_all()
    assert session.get(Project, project.id).stage == "contact"


@pytest.mark.parametrize("since", ["0.5", "1700000000", "2026-02-01", "2026-02-01T00:00:00",
                                   "2026-02-01T00:00+08:00", "2026-02-01 00:00:00 08:00",
                                   "2026-02-01T00:00:00+0800", "Feb 1 2026"])
@pytest.mark.parametrize("path", ["/api/v1/projects", "/api/v1/stats/funnel"])
def test_updated_since_is_an_rfc3339_timestamp_with_offset(client, token, since, path):
    response = client.get(path, params={"updated_since": since}, headers=bearer(token))
    assert response.status_code == 422, (since, response.status_code)
    assert response.json()["errors"][0]["field"] == "updated_since"


@pytest.mark.parametrize("since", ["2026-02-01T00:00:00+08:00", "2026-02-01T00:00:00Z",
                                   "2026-02-01t00:00:00.250z", "2026-02-01 00:00:00-05:00"])
def test_rfc3339_timestamps_are_taken_as_updated_since(client, token, since):
    response = client.get("/api/v1/projects", params={"updated_since": since},
                          headers=bearer(token))
    assert response.status_code == 200, response.text
