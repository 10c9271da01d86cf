"""Follow-ups through the JSON API: POST and the cursor-paged list."""

from datetime import UTC, datetime, timedelta

from app.activities.models import Activity
from tests.conftest import bearer, count


def test_activities_are_recorded_and_listed_newest_first(client, token, make_project, session):
    project = make_project()
    session.commit()
    url = f"/api/v1/projects/{project.id}/activities"
    moment = datetime.now(UTC) - timedelta(hours=2)
    for n in range(3):
        created = client.post(url, headers=bearer(token), json={
            "kind": "call", "summary": f"电话沟通{n}",
            "happened_at": (moment + timedelta(minutes=n)).isoformat()})
        assert created.status_code == 201, created.text
    future = client.post(url, headers=bearer(token), json={
        "kind": "call", "summary": "x", "happened_at": "2999-01-01T00:00:00+08:00"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "happened_at"
    first = client.get(url, params={"limit": 2}, headers=bearer(token)).json()
    assert [a["summary"] for a in first["items"]] == ["电话沟通2", "电话沟通1"]
    rest = client.get(url, params={"limit": 2, "cursor": first["next_cursor"]},
                      headers=bearer(token)).json()
    assert [a["summary"] for a in rest["items"]] == ["电话沟通0"] and rest["next_cursor"] is None
    assert count(session, Activity) == 3
