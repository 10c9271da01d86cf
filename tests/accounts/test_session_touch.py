"""A page view reads; noting that its session was seen is a short write of its own, at most
once a minute per session, and a lock that write meets never costs the page."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg.errors
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.accounts.models import UserSession
from app.accounts.service import create_user
from app.db import session_scope, utcnow
from tests.conftest import TEST_PASSWORD, csrf_of, login

SESSION_UPDATE = "UPDATE user_session"


def _age_sessions(engine_or_session, minutes: int = 2) -> None:
    """Move every session's last-seen time back, as if `minutes` had passed."""
    engine_or_session.execute(sa.update(UserSession).values(
        last_seen_at=utcnow() - timedelta(minutes=minutes)))
    engine_or_session.commit()


def _last_seen(session) -> object:
    session.expire_all()
    return session.scalar(sa.select(UserSession.last_seen_at)
                          .where(UserSession.revoked_at.is_(None)))


def test_page_views_within_a_minute_note_the_session_once(client, signed_in, session,
                                                          statements):
    signed_in("zhang.wei")
    _age_sessions(session)
    with statements() as counted:
        assert client.get("/account").status_code == 200
        assert client.get("/projects").status_code == 200
    assert len([s for s in counted if s.startswith(SESSION_UPDATE)]) == 1
    assert utcnow() - _last_seen(session) < timedelta(minutes=1)

    # A minute on, the next page view notes it again.
    _age_sessions(session)
    with statements() as later:
        assert client.get("/account").status_code == 200
    assert len([s for s in later if s.startswith(SESSION_UPDATE)]) == 1


@contextmanager
def session_writes_refused(engine: Engine) -> Iterator[None]:
    """Every write to user_session fails as a lost lock race does on this database."""
    if engine.dialect.name == "sqlite":
        cause: Exception = sqlite3.OperationalError("database is locked")
    else:
        cause = psycopg.errors.DeadlockDetected("deadlock detected")

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(SESSION_UPDATE):
            raise sa.exc.OperationalError(statement, parameters, cause)

    sa.event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", refuse)


def test_a_page_is_served_when_noting_its_session_meets_a_lock(client, signed_in, session,
                                                                engine, caplog):
    signed_in("zhang.wei")
    _age_sessions(session)
    seen = _last_seen(session)
    with session_writes_refused(engine):
        page = client.get("/account")
    assert page.status_code == 200 and "张伟" in page.text
    assert _last_seen(session) == seen
    assert "lock race" in caplog.text
    # The next page view tries again.
    assert client.get("/account").status_code == 200
    assert _last_seen(session) > seen


def test_a_form_post_notes_its_session_in_its_own_unit_of_work(live_app, fresh_engine):
    """On SQLite a second writer beside the request's own would wait for it (and fail)."""
    with session_scope(engine=fresh_engine) as db:
        create_user(db, username="zhang.wei", display_name="张伟", password=TEST_PASSWORD,
                    roles=["staff"], must_change_password=False)
    client = TestClient(live_app, base_url="http://testserver")
    assert login(client, "zhang.wei").status_code == 303
    token = csrf_of(client)
    with fresh_engine.begin() as conn:
        conn.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(minutes=2)))
    response = client.post("/account/language", data={"language": "en", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    with fresh_engine.connect() as conn:
        seen = conn.scalar(sa.select(UserSession.last_seen_at)
                           .where(UserSession.revoked_at.is_(None)))
    assert utcnow() - seen < timedelta(minutes=1)
