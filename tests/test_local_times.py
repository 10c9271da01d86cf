"""Every time shown to a person is the bureau's local time (Asia/Shanghai), never the stored
UTC instant: in page messages, in problem+json details and in the audit trail."""

from datetime import UTC, datetime

from app.clock import local_text
from app.projects.service import soft_delete_project
from tests.api.conftest import bearer
from tests.api.test_projects_api import new_project
from tests.conftest import csrf_of


def test_a_follow_up_in_the_future_is_named_in_local_time_on_the_page(client, signed_in,
                                                                     session, make_project):
    signed_in("zhang.wei")
    project = make_project()
    session.commit()
    answer = client.post(f"/projects/{project.id}/activities", headers={"HX-Request": "true"},
                         data={"csrf_token": csrf_of(client), "kind": "call",
                               "happened_at": "2099-03-01T10:00", "summary": "电话沟通"})
    assert answer.status_code == 422
    assert "时间 2099-03-01 10:00 晚于当前时间" in answer.text
    assert "+00:00" not in answer.text


def test_a_follow_up_in_the_future_is_named_in_local_time_by_the_api(client, client_token,
                                                                    session, make_project):
    project = make_project()
    session.commit()
    answer = client.post(f"/api/v1/projects/{project.id}/activities",
                         headers=bearer(client_token()),
                         json={"kind": "call", "happened_at": "2099-03-01T02:00:00Z",
                               "summary": "电话沟通"})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["detail"] == "时间 2099-03-01 10:00 晚于当前时间。"
    assert problem["errors"] == [{"field": "happened_at", "message": problem["detail"]}]


def test_a_duplicate_names_when_it_was_first_reported_in_local_time(client, client_token,
                                                                    session, make_project):
    existing = make_project(investor={"name": "江苏光能科技有限公司"})
    session.commit()
    answer = client.post("/api/v1/projects", headers=bearer(client_token()),
                         json=new_project())
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert f"于 {local_text(existing.first_reported_at)} 首报" in detail, detail
    assert "+00:00" not in detail


def test_timestamps_in_the_audit_trail_are_local(client, signed_in, session, make_project,
                                                 admin):
    project = make_project()
    # 02:00 UTC is 10:00 in Shanghai.
    soft_delete_project(session, project.id, expected_version=None, actor=admin,
                        now=datetime(2026, 6, 30, 2, 0, tzinfo=UTC))
    session.commit()
    signed_in("the.auditor", ["auditor"])
    page = client.get("/audit", params={"action": "project.delete"}).text
    assert "2026-06-30 10:00:00" in page.split('id="audit-table"', 1)[1]
    assert "02:00:00+00:00" not in page
