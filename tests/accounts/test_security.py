"""Accounts and sessions as the issue states them: every route declares a permission,
lock-out at exactly 5, time-outs, revocation, CSRF on every unsafe route, headers always."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.accounts.models import User, UserSession
from app.accounts.permissions import MATRIX, Actor, Permission, Role
from app.accounts.service import (
    authenticate,
    check_password_policy,
    create_user,
    resolve_session,
    set_password,
    set_user_active,
    touch_session,
)
from app.audit.models import AuditEvent
from app.db import utcnow
from app.errors import ValidationFailed
from app.main import iter_api_routes
from app.web.deps import PUBLIC_PATHS, SAFE_METHODS, PermissionCheck
from tests.conftest import TEST_PASSWORD, count, login


def declared_permissions(route: APIRoute) -> list[Permission]:
    found = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, PermissionCheck):
            found.append(dependant.call.permission)
        stack.extend(dependant.dependencies)
    return found


def test_every_route_declares_a_permission_or_is_public(app):
    undeclared = [
        f"{sorted(route.methods)} {route.path}"
        for route in iter_api_routes(app.routes)
        if route.path not in PUBLIC_PATHS
        and not declared_permissions(route)
    ]
    assert len(list(iter_api_routes(app.routes))) > 10
    assert undeclared == []


def test_the_matrix_covers_every_permission_and_role():
    assert set(MATRIX) == set(Permission)
    assert MATRIX[Permission.audit_read] == {Role.auditor}
    assert Role.admin not in MATRIX[Permission.audit_read]
    auditor = Actor(user_id=1, name="a", roles=frozenset({"auditor"}), county_code=None)
    assert [p for p in Permission if auditor.can(p)] == [Permission.audit_read,
                                                          Permission.self_service]


@pytest.mark.parametrize(("password", "ok"), [
    ("Short1!", False), ("alllowercase1", False), ("Password123", False),
    ("Zhang-Wei-2026", False), ("Ln-Tea-8841", True),
])
def test_password_policy(password, ok):
    if ok:
        check_password_policy(password, username="zhang.wei")
    else:
        with pytest.raises(ValidationFailed):
            check_password_policy(password, username="zhang.wei")


def make_user(session, username="li.na", roles=("staff",)) -> User:
    return create_user(session, username=username, display_name="李娜", password=TEST_PASSWORD,
                       roles=list(roles), must_change_password=False)


def test_lockout_at_exactly_five_failures_and_release_after_fifteen_minutes(session):
    user = make_user(session)
    start = utcnow()
    for attempt in range(4):
        result = authenticate(session, "li.na", "Wrong-pass-1", ip="10.0.0.1", user_agent="t",
                              now=start + timedelta(seconds=attempt))
        assert not result.ok
    assert user.locked_until is None
    authenticate(session, "li.na", "Wrong-pass-1", ip="10.0.0.1", user_agent="t",
                 now=start + timedelta(seconds=5))
    assert user.locked_until == start + timedelta(seconds=5, minutes=15)
    locked = authenticate(session, "li.na", TEST_PASSWORD, ip=None, user_agent=None,
                          now=start + timedelta(minutes=15))
    assert not locked.ok
    assert count(session, AuditEvent, AuditEvent.action == "auth.locked") == 1
    released = authenticate(session, "li.na", TEST_PASSWORD, ip=None, user_agent=None,
                            now=start + timedelta(seconds=6, minutes=15))
    assert released.ok and released.token


def test_idle_and_absolute_timeouts(session):
    make_user(session)
    start = utcnow()
    token = authenticate(session, "li.na", TEST_PASSWORD, ip=None, user_agent=None,
                         now=start).token
    # Active every 20 minutes keeps it alive up to the 12-hour limit, not beyond.
    moment = start
    while moment + timedelta(minutes=20) < start + timedelta(hours=12):
        moment += timedelta(minutes=20)
        signed_in = resolve_session(session, token, now=moment)
        assert signed_in is not None and signed_in.touch_due
        assert touch_session(session, signed_in.session_id, now=moment)
    assert resolve_session(session, token, now=start + timedelta(hours=12)) is None
    idle_token = authenticate(session, "li.na", TEST_PASSWORD, ip=None, user_agent=None,
                              now=start).token
    assert resolve_session(session, idle_token, now=start + timedelta(minutes=29)) is not None
    assert resolve_session(session, idle_token, now=start + timedelta(minutes=60)) is None


def test_disabling_a_user_ends_all_their_sessions(session):
    user = make_user(session)
    admin = create_user(session, username="root.admin", display_name="管理员",
                        password=TEST_PASSWORD, roles=["admin"])
    tokens = [authenticate(session, "li.na", TEST_PASSWORD, ip=None, user_agent=None).token
              for _ in range(3)]
    set_user_active(session, Actor.of(admin, {"admin"}), user.id, False)
    assert all(resolve_session(session, token) is None for token in tokens)
    assert count(session, UserSession, UserSession.user_id == user.id,
                 UserSession.revoked_at.is_(None)) == 0


def test_a_password_set_without_a_session_to_keep_ends_them_all(session):
    user = make_user(session)
    tokens = [authenticate(session, "li.na", TEST_PASSWORD, ip=None, user_agent=None).token
              for _ in range(2)]
    kept = set_password(session, Actor.system("reset"), user, "Ln-Tea-8841-reset")
    assert kept is None
    assert all(resolve_session(session, token) is None for token in tokens)
    assert authenticate(session, "li.na", "Ln-Tea-8841-reset", ip=None, user_agent=None).ok

def test_a_new_session_id_at_every_login_and_the_old_one_ends(client, session):
    make_user(session)
    session.commit()
    login(client, "li.na")
    first = client.cookies.get("zs_session")
    login(client, "li.na")
    second = client.cookies.get("zs_session")
    assert first and second and first != second
    assert resolve_session(session, first) is None
    assert resolve_session(session, second) is not None


def test_the_session_cookie_is_httponly_and_samesite_lax(client, session):
    make_user(session)
    session.commit()
    response = login(client, "li.na")
    cookie = next(v for k, v in response.headers.multi_items()
                  if k == "set-cookie" and v.startswith("zs_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    https = TestClient(client.app, base_url="https://testserver")
    secure = login(https, "li.na")
    cookie = next(v for k, v in secure.headers.multi_items()
                  if k == "set-cookie" and v.startswith("zs_session="))
    assert "Secure" in cookie


def fill_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_unsafe_route_refuses_a_request_without_csrf_token(app, client, signed_in):
    signed_in("root.admin", roles=["admin", "staff", "supervisor", "leader"])
    refused = []
    for route in iter_api_routes(app.routes):
        if route.path.startswith("/api/"):
            continue
        for method in route.methods - SAFE_METHODS:
            if route.path == "/login":
                continue  # checked below: log-in has its own pre-session token
            response = client.request(method, fill_path(route.path), data={"x": "1"},
                                      follow_redirects=False)
            refused.append((route.path, response.status_code))
    assert refused and all(status == 403 for _path, status in refused), refused
    client.cookies.clear()
    response = client.post("/login", data={"username": "root.admin",
                                           "password": TEST_PASSWORD})
    assert response.status_code == 403 and "zs_session" not in response.cookies


@pytest.mark.parametrize("path", ["/login", "/account", "/no-such-page", "/api/v1/nothing"])
def test_security_headers_on_every_answer(client, path):
    response = client.get(path, follow_redirects=False)
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers


def test_security_headers_on_a_server_error_and_hsts_under_https(app):
    @app.get("/boom-for-test")
    async def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        response = c.get("/boom-for-test")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "max-age=31536000" in response.headers["strict-transport-security"]


def test_no_page_is_served_after_the_user_is_disabled(client, session, signed_in):
    actor = signed_in("zhang.wei")
    admin = create_user(session, username="root.admin", display_name="管理员",
                        password=TEST_PASSWORD, roles=["admin"])
    set_user_active(session, Actor.of(admin, {"admin"}), actor.user_id, False)
    session.commit()
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_failed_and_successful_logins_are_audited_once_each(client, session):
    make_user(session)
    session.commit()
    login(client, "li.na", "Wrong-pass-1")
    login(client, "li.na")
    session.expire_all()
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("auth.login_failed") == 1 and actions.count("auth.login") == 1
