"""A request whose transaction lost a lock race (deadlock, serialization failure, SQLite's
"database is locked") runs again with the same body; one that keeps losing is a 503 with
Retry-After, never a 500, and saves nothing."""

import sqlite3

import psycopg.errors
import pytest
import sqlalchemy as sa

from app.accounts import pages as account_pages
from app.accounts.models import User
from app.projects import api as projects_api
from app.projects.models import Project
from app.web.retry import ATTEMPTS
from tests.conftest import bearer, count, csrf_of, new_project

PROBLEM = "application/problem+json"


def lost_race(cause: Exception) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("UPDATE data_version SET n = n + 1", {}, cause)


def failing(real, cause: Exception, times: int):
    """`real`, but the first `times` calls fail as the database would; counts the calls."""

    def wrapper(*args, **kwargs):
        wrapper.calls += 1
        if wrapper.calls <= times:
            raise lost_race(cause)
        return real(*args, **kwargs)

    wrapper.calls = 0
    return wrapper


@pytest.mark.parametrize("cause", [psycopg.errors.DeadlockDetected("deadlock detected"),
                                   psycopg.errors.SerializationFailure("could not serialize"),
                                   sqlite3.OperationalError("database is locked")])
def test_a_lost_race_is_run_again_with_the_same_body(client, token, session, monkeypatch,
                                                     cause):
    create = failing(projects_api.create_project, cause, times=ATTEMPTS - 1)
    monkeypatch.setattr(projects_api, "create_project", create)

    response = client.post("/api/v1/projects", json=new_project(), headers=bearer(token))

    assert response.status_code == 201, response.text
    assert response.json()["name"] == new_project()["name"]
    assert create.calls == ATTEMPTS
    assert count(session, Project) == 1


def test_a_race_lost_every_time_is_a_503_problem_with_retry_after(client, token, session,
                                                                  monkeypatch):
    create = failing(projects_api.create_project,
                     psycopg.errors.DeadlockDetected("deadlock detected"), times=ATTEMPTS)
    monkeypatch.setattr(projects_api, "create_project", create)

    response = client.post("/api/v1/projects", json=new_project(), headers=bearer(token))

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"] == "/problems/busy"
    assert create.calls == ATTEMPTS
    assert count(session, Project) == 0


def test_a_page_form_is_sent_again_and_a_lost_race_is_a_503_page(client, signed_in, session,
                                                                  monkeypatch):
    actor = signed_in()
    form = {"language": "en", "csrf_token": csrf_of(client)}
    locked = sqlite3.OperationalError("database is locked")
    choose = failing(account_pages.set_language, locked, times=1)
    monkeypatch.setattr(account_pages, "set_language", choose)

    assert client.post("/account/language", data=form,
                       follow_redirects=False).status_code == 303
    assert session.get(User, actor.user_id).language == "en"

    monkeypatch.setattr(account_pages, "set_language",
                        failing(account_pages.set_language, locked, times=ATTEMPTS))
    busy = client.post("/account/language", data={**form, "language": "zh_CN"})
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert "Server busy" in busy.text  # in the language the user just chose
    session.expire_all()
    assert session.get(User, actor.user_id).language == "en"
