"""The role x action matrix at the door: for every page route and every role, the route
answers 403 exactly when the matrix denies that role the route's permission."""

import re

from fastapi.testclient import TestClient

from app.accounts.permissions import MATRIX, Role
from app.main import iter_api_routes
from app.projects.schemas import LeaderAssignIn
from app.projects.service import assign_leader
from tests.accounts.test_security import declared_permissions
from tests.conftest import csrf_of, login, make_actor

ROLES = [Role.admin, Role.auditor, Role.leader, Role.staff, Role.supervisor]
PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def test_every_page_route_refuses_exactly_the_roles_the_matrix_denies(app, session,
                                                                      make_project, staff):
    actors = {role: make_actor(session, f"matrix.{role.value}", f"矩阵{role.value}",
                               [role.value]) for role in ROLES}
    project = make_project()
    assign_leader(session, project.id, LeaderAssignIn(leader_id=actors[Role.leader].user_id),
                  expected_version=None, actor=staff)
    session.commit()
    bystander = make_actor(session, "matrix.bystander", "旁观者", ["staff"])
    values = {"project_id": project.id, "user_id": bystander.user_id,
              "view_id": 1, "session_id": "x" * 64}
    routes = [(route, declared_permissions(route)[0]) for route in iter_api_routes(app.routes)
              if not route.path.startswith("/api/") and declared_permissions(route)
              and route.path != "/logout"]  # signing out is tested on its own
    wrong, cells = [], 0
    for role in ROLES:
        client = TestClient(app, base_url="http://testserver")
        assert login(client, f"matrix.{role.value}").status_code == 303
        token = csrf_of(client, "/account")
        for route, permission in routes:
            path = PARAM.sub(lambda m: str(values.get(m.group(1), 1)), route.path)
            for method in sorted(route.methods - {"HEAD"}):
                cells += 1
                response = client.request(method, path, data={"csrf_token": token},
                                          headers={"X-CSRF-Token": token},
                                          follow_redirects=False)
                allowed = role in MATRIX[permission]
                if allowed == (response.status_code == 403):
                    wrong.append((role.value, method, route.path, permission.value,
                                  response.status_code))
    assert cells > 100
    assert wrong == []
