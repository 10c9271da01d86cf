"""Who may call what: tokens (users and agency clients), scopes, county scope on every id
route, the rate limit, the size limit, problem+json and the pages' security headers."""

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from app.accounts.models import ApiToken
from app.accounts.permissions import Actor
from app.audit.models import AuditEvent
from app.cli import app as cli
from app.clients.models import ApiClient
from app.clients.service import create_client, revoke_client
from app.main import iter_api_routes
from app.projects.models import Project, StageEvent
from app.web.models import RateLimitWindow
from tests.api.conftest import bearer
from tests.conftest import TEST_PASSWORD, count, csrf_of, make_actor, new_project

PROBLEM = "application/problem+json"


def fill(path: str, **ids: int) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def test_without_a_token_every_operation_is_a_401_problem(app, client):
    checked = 0
    for route in iter_api_routes(app.routes):
        if not route.path.startswith("/api/v1/") or route.path == "/api/v1/auth/token":
            continue
        for method in route.methods:
            response = client.request(method, fill(route.path, kind=0).replace(
                "/lookups/0", "/lookups/regions"), json={})
            assert response.status_code == 401, (method, route.path, response.text)
            assert response.headers["content-type"] == PROBLEM
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["status"] == 401
            checked += 1
    assert checked >= 20
    forged = client.get("/api/v1/projects", headers=bearer("zsc_not-a-real-token"))
    assert forged.status_code == 401 and forged.headers["content-type"] == PROBLEM


def test_user_token_from_the_password_form(client, session, make_project):
    make_actor(session, "li.na", "李娜", ["staff"], county_code="houma")
    session.execute(sa.text("UPDATE app_user SET must_change_password = false"))
    make_project(county="houma")
    make_project()
    session.commit()
    issued = client.post("/api/v1/auth/token", data={"username": "li.na",
                                                     "password": TEST_PASSWORD})
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert issued.headers["cache-control"] == "no-store"
    me = client.get("/api/v1/auth/me", headers=bearer(body["access_token"])).json()
    assert me == {"kind": "user", "name": "li.na", "roles": ["staff"], "scopes": [],
                  "county": "houma"}
    listed = client.get("/api/v1/projects", headers=bearer(body["access_token"])).json()
    assert [p["county"] for p in listed["items"]] == ["houma"]
    # Stored hashed; no browser session is left open by the API log-in.
    assert body["access_token"] not in str(session.scalars(sa.select(ApiToken.id)).all())
    wrong = client.post("/api/v1/auth/token", data={"username": "li.na", "password": "nope"})
    assert wrong.status_code == 401 and wrong.headers["content-type"] == PROBLEM
    assert count(session, AuditEvent, AuditEvent.action == "auth.login_failed") == 1


def test_the_password_form_locks_the_account_like_the_sign_in_page(client, session):
    make_actor(session, "li.na", "李娜", ["staff"])
    session.commit()
    for _ in range(5):
        client.post("/api/v1/auth/token", data={"username": "li.na", "password": "Wrong-1"})
    locked = client.post("/api/v1/auth/token", data={"username": "li.na",
                                                     "password": TEST_PASSWORD})
    assert locked.status_code == 401
    assert count(session, AuditEvent, AuditEvent.action == "auth.locked") == 1


def test_an_expired_or_revoked_client_token_is_refused(client, session):
    system = Actor.system("test")
    new = create_client(session, system, name="发改委", scopes=["projects:read"])
    session.commit()
    assert client.get("/api/v1/projects", headers=bearer(new.token)).status_code == 200
    revoke_client(session, system, new.client.id)
    session.commit()
    assert client.get("/api/v1/projects", headers=bearer(new.token)).status_code == 401
    old = create_client(session, system, name="自然资源局", scopes=["projects:read"])
    old.client.expires_at = old.client.created_at - timedelta(seconds=1)
    session.commit()
    assert client.get("/api/v1/projects", headers=bearer(old.token)).status_code == 401
    stored = session.scalars(sa.select(ApiClient.token_hash)).all()
    assert new.token not in stored and len(stored[0]) == 64


@pytest.mark.parametrize(("scopes", "method", "path", "body"), [
    (["stats:read"], "GET", "/api/v1/projects", None),
    (["projects:read"], "POST", "/api/v1/projects", new_project()),
    (["projects:read"], "GET", "/api/v1/stats/funnel", None),
    (["projects:read"], "GET", "/api/v1/audit", None),
    (["projects:read"], "GET", "/api/v1/webhooks", None),
    (["projects:read", "projects:write"], "POST", "/api/v1/projects/{id}/activities",
     {"kind": "call", "summary": "x", "happened_at": "2026-01-01T08:00:00+08:00"}),
])
def test_a_missing_scope_is_a_403_that_changes_nothing(client, client_token, make_project,
                                                       session, scopes, method, path, body):
    project = make_project()
    session.commit()
    response = client.request(method, path.replace("{id}", str(project.id)),
                              headers=bearer(client_token(scopes)), json=body)
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert count(session, Project) == 1
    assert count(session, AuditEvent, AuditEvent.action == "permission.denied") == 1


def test_a_county_token_sees_and_changes_only_its_county_on_every_id_route(
        app, client, client_token, make_project, leader, session, local_receivers):
    """Swap another county's ids into every route that takes one: 404 each time (the same
    answer as for an id that does not exist), and nothing changes."""
    own = make_project(county="houma")
    other = make_project(county="yaodu", leader_id=leader.user_id)
    session.commit()
    city = client_token()
    hook = client.post("/api/v1/webhooks", headers=bearer(city), json={
        "url": "http://127.0.0.1:9/hook", "events": ["project.created"]}).json()
    houma = client_token(county="houma")
    before = (session.get(Project, other.id).version, count(session, StageEvent))
    bodies: dict[str, Any] = {
        "transitions": {"to_stage": "intent"}, "leader": {"leader_id": leader.user_id},
        "pause": {"reason": "x"}, "resume": {}, "terminate": {"reason_code": "policy"},
        "move-back": {"to_stage": "contact", "reason": "x"},
        "activities": {"kind": "call", "summary": "x",
                       "happened_at": "2026-01-01T08:00:00+08:00"},
    }
    leaks, checked = [], 0
    for route in iter_api_routes(app.routes):
        if "{" not in route.path or not route.path.startswith("/api/v1/"):
            continue
        for method in route.methods:
            body = bodies.get(route.path.rsplit("/", 1)[-1], {"name": "改名"})
            headers = bearer(houma, **{"If-Match": '"1"'})
            if "{project_id}" in route.path:
                swapped = client.request(method, fill(route.path, project_id=other.id),
                                         headers=headers, json=body)
                checked += 1
                if swapped.status_code != 404:
                    leaks.append((method, route.path, swapped.status_code))
            elif "{subscription_id}" in route.path:
                swapped = client.request(method, fill(route.path, subscription_id=hook["id"]),
                                         headers=headers, json=body)
                checked += 1
                if swapped.status_code != 404:
                    leaks.append((method, route.path, swapped.status_code))
    assert checked >= 14 and leaks == []
    session.expire_all()
    assert (session.get(Project, other.id).version, count(session, StageEvent)) == before
    assert session.get(Project, other.id).deleted_at is None
    # Its own county works; lists, the funnel and creation stay in the county.
    assert client.get(f"/api/v1/projects/{own.id}", headers=bearer(houma)).status_code == 200
    listed = client.get("/api/v1/projects", headers=bearer(houma)).json()["items"]
    assert [p["id"] for p in listed] == [own.id]
    funnel = client.get("/api/v1/stats/funnel", headers=bearer(houma)).json()["stages"]
    assert funnel[0]["reached"] == 1
    elsewhere = client.post("/api/v1/projects", json=new_project(investor={"name": "外县公司"}),
                            headers=bearer(houma))
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "county"
    counties = client.get("/api/v1/lookups/counties", headers=bearer(houma)).json()["items"]
    assert [c["code"] for c in counties] == ["houma"]


def test_the_rate_limit_answers_429_with_retry_after(client, client_token, session):
    token = client_token(rate_limit=3)
    answers = [client.get("/api/v1/lookups/regions", headers=bearer(token)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert limited.headers["content-type"] == PROBLEM
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["status"] == 429
    # Counted in the database (one row per caller and minute), so every process shares it.
    assert session.scalar(sa.select(RateLimitWindow.count)) == 4
    other = client_token(rate_limit=3)
    assert client.get("/api/v1/lookups/regions", headers=bearer(other)).status_code == 200


def test_a_body_over_one_megabyte_is_a_413_problem(client, token, session):
    big = new_project(description="项" * 400_000)  # 1.2 MB in UTF-8
    response = client.post("/api/v1/projects", json=big, headers=bearer(token))
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["status"] == 413
    assert response.json()["detail"] == "请求内容超过 1,048,576 字节。"

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(12):
            yield b" " * 100_000

    streamed = client.post("/api/v1/projects", content=chunks(), headers=bearer(
        token, **{"Content-Type": "application/json"}))
    assert streamed.status_code == 413 and streamed.headers["content-type"] == PROBLEM
    assert streamed.json()["detail"] == "请求内容超过 1,048,576 字节。"
    english = client.post("/api/v1/projects", json=big,
                          headers=bearer(token, **{"Accept-Language": "en"}))
    assert english.json()["detail"] == "The request body is larger than 1,048,576 bytes."
    assert count(session, Project) == 0


def test_text_no_database_can_store_is_a_422(client, token, session):
    response = client.post("/api/v1/projects", json=new_project(name="坏\u0000名"),
                           headers=bearer(token))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"
    query = client.get("/api/v1/projects", params={"q": "a\x00"}, headers=bearer(token))
    assert query.status_code == 422 and query.json()["errors"][0]["field"] == "q"
    assert count(session, Project) == 0


def test_the_api_refuses_control_characters_by_the_same_rule_as_the_pages(client, token,
                                                                         session):
    body = new_project()
    body["investor"] = {**body["investor"], "name": "宏达\x1b[31m"}
    response = client.post("/api/v1/projects", json=body, headers=bearer(token))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "investor.name"
    assert count(session, Project) == 0


@pytest.mark.parametrize("path", ["/api/v1/projects", "/api/v1/openapi.json", "/api/docs"])
def test_every_api_answer_carries_the_security_headers(client, token, path):
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_docs_work_offline_from_static_files(client):
    html = client.get("/api/docs").text
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert scripts and styles and "<script>" not in html
    for url in scripts + styles:
        assert url.startswith("/static/")
        assert client.get(url).status_code == 200
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    links = spec["paths"]["/api/v1/projects"]["post"]["responses"]["201"]["links"]
    assert {"GetProject", "TransitionProject", "GetProjectHistory"} <= set(links)


def test_admin_creates_a_client_on_its_page_token_shown_once(client, signed_in, session):
    signed_in("root.admin", roles=["admin"])
    token = csrf_of(client, "/admin/clients")
    page = client.get("/admin/clients")
    assert "API 客户端" in page.text and "暂无数据" in page.text
    refused = client.post("/admin/clients", data={"csrf_token": token, "name": "发改委",
                                                  "days": "365"})
    assert refused.status_code == 422 and count(session, ApiClient) == 0
    created = client.post("/admin/clients", data={
        "csrf_token": token, "name": "发改委", "scopes": ["projects:read", "stats:read"],
        "county_code": "houma", "days": "30"})
    assert created.status_code == 200
    shown = re.search(r'id="new-token">(zsc_[^<]+)<', created.text).group(1)
    assert client.get("/api/v1/projects", headers=bearer(shown)).status_code == 200
    again = client.get("/admin/clients").text
    assert shown not in again and "发改委" in again
    client_id = session.scalar(sa.select(ApiClient.id))
    client.post(f"/admin/clients/{client_id}/revoke", data={"csrf_token": token})
    assert client.get("/api/v1/projects", headers=bearer(shown)).status_code == 401


def test_staff_may_not_manage_clients(client, signed_in):
    signed_in("zhang.wei", roles=["staff"])
    assert client.get("/admin/clients").status_code == 403


def test_command_line_creates_lists_and_revokes_clients(tmp_path, monkeypatch):
    from app.config import get_settings
    from app.db import get_engine

    def reset() -> None:
        get_settings.cache_clear()
        if get_engine.cache_info().currsize:
            get_engine().dispose()
        get_engine.cache_clear()

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    reset()
    runner = CliRunner()
    try:
        assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
        made = runner.invoke(cli, ["clients", "create", "省投促局", "--scope", "projects:read",
                                   "--scope", "stats:read", "--county", "houma", "--days", "90"])
        assert made.exit_code == 0, made.output
        token = made.output.strip().splitlines()[-1]
        assert token.startswith("zsc_") and "shown only this once" in made.output
        listed = runner.invoke(cli, ["clients", "list"])
        assert "省投促局" in listed.output and token not in listed.output
        assert "projects:read stats:read\thouma" in listed.output
        client_id = listed.output.split("\t")[0].strip()
        bad = runner.invoke(cli, ["clients", "create", "x", "--scope", "everything"])
        assert bad.exit_code == 1 and "everything" in bad.output
        revoked = runner.invoke(cli, ["clients", "revoke", client_id])
        assert revoked.exit_code == 0 and "Revoked" in revoked.output
        assert "revoked" in runner.invoke(cli, ["clients", "list"]).output
        delivered = runner.invoke(cli, ["webhooks", "deliver"])
        assert delivered.exit_code == 0 and "delivered 0" in delivered.output
    finally:
        reset()
