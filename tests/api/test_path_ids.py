"""Row ids in addresses are digits only, on every route of both doors: "7.0", "7 " or "+7"
is a 422 (a page, or problem+json naming the field), never the row."""

import pytest

from app.main import iter_api_routes
from tests.api.conftest import bearer
from tests.conftest import csrf_of


@pytest.mark.parametrize("spelling", ["{id}.0", "{id}%20", "%20{id}", "+{id}", "{id}_0",
                                      "{id}e0", "0x{id}", "\u0661"])
def test_a_row_id_in_an_address_is_digits_only_on_both_doors(
        signed_in, client, session, make_project, client_token, spelling):
    project = make_project()
    session.commit()
    token = client_token()
    signed_in("ids.admin", ["admin", "staff", "leader"])
    bad = spelling.format(id=project.id)
    page = client.get(f"/projects/{bad}")
    assert page.status_code == 422 and "text/html" in page.headers["content-type"], bad
    api = client.get(f"/api/v1/projects/{bad}", headers=bearer(token))
    assert api.status_code == 422, bad
    assert api.json()["errors"][0]["field"] == "project_id"
    assert client.get(f"/projects/{project.id}").status_code == 200


def test_every_route_that_takes_a_row_id_refuses_one_that_is_not_digits(
        app, signed_in, client, session, make_project, client_token):
    """Every method of every route, pages and API: '<id>.0' is a 422, never the row."""
    project = make_project()
    session.commit()
    token = client_token()
    signed_in("ids.walker", ["admin", "staff", "leader", "supervisor", "auditor"])
    csrf = {"X-CSRF-Token": csrf_of(client)}
    checked = []
    for route in iter_api_routes(app.routes):
        ids = [p.name for p in route.dependant.path_params if p.field_info.annotation is int]
        if not ids:
            continue
        path = route.path
        for name in ids:
            path = path.replace("{" + name + "}", f"{project.id}.0")
        headers = bearer(token) if path.startswith("/api/") else csrf
        for method in route.methods:
            response = client.request(method, path, headers=headers)
            assert response.status_code == 422, (method, path, response.status_code)
            named = [e["field"] for e in response.json()["errors"]] \
                if path.startswith("/api/") else response.text
            assert ids[0] in named, (method, path)  # refused for the id, not something else
            checked.append(f"{method} {path}")
    assert len(checked) >= 40
