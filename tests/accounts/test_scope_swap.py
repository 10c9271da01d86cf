"""Two users in different counties swap ids on every route that takes an id: 0 leaks.

The walk covers every page and API route with a path parameter, with every method; a
leak is an answer that shows the other county's project (its name or code) or a change
to it. Ids of other kinds (users, sessions, views) are filled with the other user's own.
"""

import re

import sqlalchemy as sa

from app.main import iter_api_routes
from app.projects.models import Project
from tests.conftest import csrf_of, make_actor

PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def fill(path: str, values: dict[str, object]) -> str:
    return PARAM.sub(lambda match: str(values.get(match.group(1), 1)), path)


def test_a_county_user_cannot_reach_another_countys_project_anywhere(app, client, session,
                                                                     signed_in, make_project):
    owner = make_actor(session, "yaodu.staff", "尧都人员", ["staff"], county_code="yaodu")
    other = make_project(name="尧都机密项目甲", county="yaodu")
    session.commit()
    before = session.scalar(sa.select(Project.version).where(Project.id == other.id))
    signed_in("houma.staff", roles=["staff", "leader"], county_code="houma")
    token = csrf_of(client)
    values = {"project_id": other.id, "id": other.id, "user_id": owner.user_id,
              "view_id": 999999, "session_id": "x" * 64, "kind": "regions"}
    leaks, calls = [], 0
    for route in iter_api_routes(app.routes):
        if "{" not in route.path:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            path = fill(route.path, values)
            calls += 1
            response = client.request(method, path, headers={"X-CSRF-Token": token},
                                      data={"csrf_token": token}, follow_redirects=False)
            body = response.text
            reached = (response.status_code < 300
                       and route.path.startswith("/projects/{project_id}"))
            if reached or other.code in body or "尧都机密项目甲" in body:
                leaks.append((method, route.path, response.status_code))
    session.expire_all()
    after = session.scalar(sa.select(Project.version).where(Project.id == other.id))
    assert calls > 10
    assert leaks == []
    assert after == before
