"""One rule for text on both doors (app.web.text_guard): what no database or export can keep
is a 422 with a Chinese message on pages (a toast for HTMX), problem+json naming the field
in the API, and nothing changes. Addresses built from input are encoded before they become
a header."""

import h11
import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.activities.models import Activity
from app.analytics.models import Target
from app.clients.models import ApiClient
from app.projects.models import FundsEntry, Project, SavedView
from app.web.text_guard import storable
from tests.conftest import count, csrf_of

REFUSED = "无法保存的字符"


@pytest.mark.parametrize("text", ["\x00", "a\ud800", "\udfff", "\x01", "\x1b[0m", "\x7f\x0b",
                                  "\ufffe", "\uffff"])
def test_nul_surrogates_control_characters_and_noncharacters_cannot_be_stored(text):
    assert not storable(text)


@pytest.mark.parametrize("text", ["招商\t引资\r\n第二行", "😀 emoji", "\x7f", "\u00a0",
                                  "\U0010fffd"])
def test_tabs_line_breaks_and_the_rest_of_unicode_can(text):
    assert storable(text)


@pytest.mark.parametrize("path", [
    "/projects?q=a%00b", "/projects?county=%00", "/projects/kanban?q=%00",
    "/cockpit?q=%00", "/cockpit/warnings?county=%00", "/cockpit/export.xlsx?q=%01",
    "/projects/kanban?%00=x",
])
def test_a_filter_no_database_can_search_for_is_a_chinese_422_page(signed_in, client, path):
    signed_in("guard.staff", ["staff", "leader", "admin"])
    page = client.get(path)
    assert page.status_code == 422 and REFUSED in page.text
    toast = client.get(path, headers={"HX-Request": "true"})
    assert toast.status_code == 422 and toast.headers["hx-retarget"] == "#toasts"
    assert REFUSED in toast.text and "<html" not in toast.text


def test_a_nul_in_any_form_field_is_refused_and_saves_nothing(signed_in, client, session,
                                                              make_project):
    signed_in("guard.admin", ["admin", "staff", "leader"])
    project = make_project()
    token = csrf_of(client)
    tables = (Project, Activity, FundsEntry, SavedView, User, ApiClient)
    before = {table: count(session, table) for table in tables}
    forms = {
        "/projects/new": {"name": "针状焦\x00项目", "investor.name": "宏达",
                          "category": "industrial", "county": "yaodu",
                          "total_investment": "100"},
        f"/projects/{project.id}/pause": {"reason": "资金\x00", "version": str(project.version)},
        f"/projects/{project.id}/activities": {"kind": "call", "summary": "电话\x00",
                                               "happened_at": "2026-01-05T10:00"},
        f"/projects/{project.id}/funds": {"amount": "10", "on_date": "2026-01-05",
                                          "note": "\x00"},
        "/projects/views": {"name": "视图\x00", "query": "stage=contact"},
        "/admin/users": {"username": "li\x00", "display_name": "李", "roles": "staff",
                         "password": "Ln-Tea-8841-x"},
        "/admin/clients": {"name": "发改委\x00", "scopes": "projects:read", "days": "30"},
    }
    for path, data in forms.items():
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 422 and REFUSED in response.text, path
    session.expire_all()
    assert {table: count(session, table) for table in tables} == before
    assert session.get(Project, project.id).status == "active"


def test_a_saved_view_with_a_line_break_redirects_with_an_encoded_address(signed_in, client,
                                                                          session):
    signed_in("guard.views", ["staff"])
    response = client.post("/projects/views", headers={"HX-Request": "true"}, data={
        "name": "换行", "query": "q=1\r\nSet-Cookie: x=1", "csrf_token": csrf_of(client)})
    assert response.status_code == 204
    h11.Response(status_code=204, headers=response.headers.raw)  # a server can send it
    assert response.headers["hx-redirect"] == "/projects?q=1%0D%0ASet-Cookie%3A+x%3D1"
    stored = session.scalar(sa.select(SavedView.query).where(SavedView.name == "换行"))
    assert stored == "q=1%0D%0ASet-Cookie%3A+x%3D1"


def test_a_next_address_with_a_line_break_is_encoded_in_the_htmx_redirect(
        signed_in, client, make_project):
    signed_in("guard.next", ["staff"])
    project = make_project()
    response = client.post(f"/projects/{project.id}/pause", headers={"HX-Request": "true"},
                           data={"reason": "资金", "version": str(project.version),
                                 "next": "/projects\r\nSet-Cookie: x=1",
                                 "csrf_token": csrf_of(client)})
    assert response.status_code == 204
    h11.Response(status_code=204, headers=response.headers.raw)
    assert response.headers["hx-redirect"] == "/projects%0D%0ASet-Cookie:%20x=1"


@pytest.mark.parametrize("year", ["9223372036854775808", "-1", "99999"])
def test_a_target_year_beyond_any_column_is_a_form_error(signed_in, client, session, year):
    signed_in("guard.targets", ["supervisor"])
    response = client.post("/cockpit/targets", data={
        "year": year, "quarter": "0", "t.city.signed_projects": "10",
        "csrf_token": csrf_of(client)})
    assert response.status_code == 422 and "请选择有效的年度" in response.text
    assert count(session, Target) == 0
