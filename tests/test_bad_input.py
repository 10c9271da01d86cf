"""Bad input never reaches a 500 and changes nothing: the review's list, one request each."""

import re

import pytest

from app.analytics.models import WarningRule
from tests.conftest import count, csrf_of

HUGE = "99999999999999999999"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def content_text(html: str) -> str:
    """What the page says below the navigation, as text."""
    return text_of(html.split('class="zs-content"', 1)[1])


def alerts(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip()
            for text in re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)]


@pytest.mark.parametrize(("path", "parameter"), [
    ("/audit?date_to=9999-12-31", "date_to"),
    ("/audit?date_from=0001-01-01", "date_from"),
    (f"/audit?before_id={HUGE}", "before_id"),
    (f"/projects/{HUGE}", "project_id"),
    (f"/admin/users/{HUGE}/sessions", "user_id"),
])
def test_out_of_range_values_in_the_address_are_refused_not_crashed(signed_in, client, path,
                                                                    parameter):
    signed_in("audit.admin", ["admin", "auditor"])
    response = client.get(path)
    assert response.status_code == 422, (path, response.status_code)
    said = content_text(response.text)
    assert "输入有误" in said and f"{parameter}:" in said, said


@pytest.mark.parametrize(("body", "shown"), [
    ({"rules": "x", "rules.idle.red": "1"}, "请填写未跟进天数。"),
    ({"rules.idle": "5"}, "预警规则未按下表提交，请在表中填写后重新保存。"),
    ({"rules.0.yellow": "1"}, "预警规则未按下表提交，请在表中填写后重新保存。"),
], ids=["cell-missing", "rule-not-a-row", "rules-numbered"])
def test_a_malformed_rules_form_is_a_form_error_and_saves_nothing(signed_in, client, session,
                                                                   body, shown):
    signed_in("rules.supervisor", ["supervisor"])
    before = count(session, WarningRule)
    response = client.post("/cockpit/rules", data={**body, "csrf_token": csrf_of(client)})
    assert response.status_code == 422
    rules_form = response.text.split('action="/cockpit/rules"', 1)[1]
    assert shown in text_of(rules_form)
    assert count(session, WarningRule) == before


def test_an_unreadable_target_year_is_refused_not_saved_under_this_year(signed_in, client,
                                                                         session):
    from app.analytics.models import Target

    signed_in("targets.supervisor", ["supervisor"])
    response = client.post("/cockpit/targets", data={
        "year": "二〇二六", "quarter": "0", "t.city.signed_projects": "10",
        "csrf_token": csrf_of(client)})
    assert response.status_code == 422
    assert count(session, Target) == 0


def test_a_superscript_digit_for_days_is_a_form_error(signed_in, client, session):
    from app.clients.models import ApiClient

    signed_in("clients.admin", ["admin"])
    response = client.post("/admin/clients", data={
        "name": "发改委", "scopes": "projects:read", "days": "²",
        "csrf_token": csrf_of(client)})
    assert response.status_code in (400, 422)
    assert count(session, ApiClient) == 0


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "https://evil.example"])
def test_the_next_address_after_log_in_stays_on_this_site(client, session, target):
    from app.accounts.service import create_user

    create_user(session, username="next.user", display_name="张三", password="Zs-next-2026!",
                roles=["staff"], must_change_password=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"username": "next.user", "password": "Zs-next-2026!",
                                           "csrf_token": token, "next": target},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(("query", "named"), [
    ("updated_since=2024-01-01T00:00", "更新起始时间须为日期时间"),
    ("reported_to=9999-12-31", "首报截止日期不能大于 9998-12-31。"),
    ("reported_from=0001-01-01", "首报起始日期不能小于 1900-01-01。"),
    ("reached_to=9999-12-31", "到达截止日期不能大于 9998-12-31。"),
], ids=["updated_since", "reported_to", "reported_from", "reached_to"])
@pytest.mark.parametrize("page", ["/projects", "/projects/kanban", "/cockpit"])
def test_out_of_range_list_filters_are_shown_as_filter_errors(signed_in, client, page, query,
                                                               named):
    signed_in("filters.staff", ["staff", "leader"])
    response = client.get(f"{page}?{query}")
    assert response.status_code in (200, 422), response.status_code
    # The query card names the refused filter, in Chinese.
    assert any(named in alert for alert in alerts(response.text)), alerts(response.text)


def test_a_mangled_version_or_follow_up_time_is_refused_and_changes_nothing(
        signed_in, client, session, make_project):
    from app.activities.models import Activity
    from app.projects.models import Project

    signed_in("forms.staff", ["staff"])
    project = make_project()
    response = client.post(f"/projects/{project.id}/pause", data={
        "reason": "资金", "version": "²", "csrf_token": csrf_of(client)})
    assert response.status_code < 500
    response = client.post(f"/projects/{project.id}/activities", data={
        "kind": "call", "happened_at": "0001-01-01T00:00", "summary": "电话",
        "csrf_token": csrf_of(client)})
    assert response.status_code == 422
    session.expire_all()
    assert session.get(Project, project.id).status == "active"
    assert count(session, Activity) == 0
