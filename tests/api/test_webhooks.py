"""Webhooks against a real HTTP receiver on 127.0.0.1: signed JSON POSTs, retries with
backoff until the receiver recovers, and nothing lost when delivery is killed midway."""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import utcnow
from app.projects.models import Project
from app.webhooks import service as webhooks
from app.webhooks.models import WebhookDelivery, WebhookEvent
from tests.api.conftest import bearer
from tests.conftest import count, new_project

pytestmark = pytest.mark.usefixtures("local_receivers")
FAST = (1.0, 1.0, 1.0)  # seconds between attempts, instead of minutes


@pytest.fixture
def subscribed(client, token, receiver) -> dict[str, Any]:
    response = client.post("/api/v1/webhooks", headers=bearer(token), json={
        "url": receiver.url, "events": ["project.created", "project.stage_changed",
                                        "project.leader_changed", "project.terminated"]})
    assert response.status_code == 201, response.text
    return response.json()


def verify_like_a_receiver(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What docs/api.md tells receivers to do, written independently of the app's code."""
    timestamp = headers["Zhaoshang-Timestamp"]
    expected = "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                                hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(expected, headers["Zhaoshang-Signature"])


def test_events_are_signed_json_posts_that_a_receiver_can_verify(
        app, client, token, leader, other_leader, receiver, subscribed, session):
    created = client.post("/api/v1/projects", headers=bearer(token), json=new_project(
        leader_id=leader.user_id)).json()
    base = f"/api/v1/projects/{created['id']}"
    client.post(f"{base}/transitions", json={"to_stage": "intent"}, headers=bearer(token))
    client.put(f"{base}/leader", json={"leader_id": other_leader.user_id, "reason": "调整"},
               headers=bearer(token))
    client.post(f"{base}/terminate", json={"reason_code": "policy"}, headers=bearer(token))
    assert count(session, WebhookEvent) == 4  # written with the changes, not yet sent

    report = webhooks.deliver_pending(app.state.session_factory)
    assert (report.fanned_out, report.delivered, report.failed) == (4, 4, 0)
    assert [e["type"] for e in receiver.events()] == [
        "project.created", "project.stage_changed", "project.leader_changed",
        "project.terminated"]
    for request in receiver.requests:
        assert request["headers"]["Content-Type"] == "application/json"
        assert verify_like_a_receiver(subscribed["secret"], request["headers"], request["body"])
        assert webhooks.verify(subscribed["secret"], request["headers"], request["body"])
        assert not verify_like_a_receiver("whsec_wrong", request["headers"], request["body"])
        assert not webhooks.verify(subscribed["secret"], request["headers"],
                                   request["body"] + b" ")
    moved = receiver.events()[1]
    assert moved["project"]["id"] == created["id"] and moved["project"]["stage"] == "intent"
    assert moved["data"] == {"from_stage": "contact", "to_stage": "intent",
                             "is_backward": False, "happened_on": moved["data"]["happened_on"]}
    assert moved["project"]["total_investment"] == "12500.00"
    assert receiver.events()[2]["data"] == {"from_leader_id": leader.user_id,
                                            "to_leader_id": other_leader.user_id}
    assert receiver.events()[3]["data"]["reason_code"] == "policy"
    deliveries = client.get(f"/api/v1/webhooks/{subscribed['id']}/deliveries",
                            headers=bearer(token)).json()["items"]
    assert {(d["status"], d["attempts"], d["last_error"]) for d in deliveries} == {
        ("delivered", 1, None)}
    # A second pass sends nothing again.
    assert webhooks.deliver_pending(app.state.session_factory).delivered == 0
    assert len(receiver.requests) == 4


def test_a_receiver_that_fails_twice_gets_the_event_once_it_recovers(
        app, client, token, receiver, subscribed):
    receiver.fail = 2
    client.post("/api/v1/projects", headers=bearer(token), json=new_project())
    factory, start = app.state.session_factory, utcnow()
    first = webhooks.deliver_pending(factory, now=start, backoff=FAST)
    assert (first.retrying, first.delivered) == (1, 0)
    log = client.get(f"/api/v1/webhooks/{subscribed['id']}/deliveries",
                     headers=bearer(token)).json()["items"][0]
    assert (log["status"], log["attempts"], log["last_status_code"]) == ("pending", 1, 500)
    assert log["last_error"].startswith("HTTP 500")
    # Before the backoff has passed nothing is sent; after it, the next attempt.
    assert webhooks.deliver_pending(factory, now=start, backoff=FAST).retrying == 0
    second = webhooks.deliver_pending(factory, now=start + timedelta(seconds=1), backoff=FAST)
    assert second.retrying == 1
    third = webhooks.deliver_pending(factory, now=start + timedelta(seconds=2), backoff=FAST)
    assert third.delivered == 1
    assert len(receiver.requests) == 3 and len(set(receiver.event_ids())) == 1
    assert [r["headers"]["Zhaoshang-Delivery-Attempt"] for r in receiver.requests] == \
        ["1", "2", "3"]
    log = client.get(f"/api/v1/webhooks/{subscribed['id']}/deliveries",
                     headers=bearer(token)).json()["items"][0]
    assert (log["status"], log["attempts"], log["last_error"]) == ("delivered", 3, None)


def test_a_receiver_that_never_recovers_is_given_up_on_after_the_last_attempt(
        app, client, token, receiver, subscribed):
    receiver.fail = 100
    client.post("/api/v1/projects", headers=bearer(token), json=new_project())
    factory, start = app.state.session_factory, utcnow()
    for n in range(4):
        webhooks.deliver_pending(factory, now=start + timedelta(seconds=n), backoff=FAST,
                                 max_attempts=3)
    assert len(receiver.requests) == 3
    log = client.get(f"/api/v1/webhooks/{subscribed['id']}/deliveries",
                     headers=bearer(token)).json()["items"][0]
    assert (log["status"], log["attempts"]) == ("failed", 3)


class Killed(BaseException):
    """Stands for the process dying (SIGKILL): nothing after it runs."""


def test_killing_delivery_midway_loses_nothing(app, client, token, receiver, subscribed,
                                               session):
    for n in range(3):
        client.post("/api/v1/projects", headers=bearer(token),
                    json=new_project(investor={"name": f"投资方{n}"}))
    factory, start = app.state.session_factory, utcnow()
    sent = 0

    def send_then_die(outgoing: webhooks.Outgoing) -> webhooks.SendResult:
        nonlocal sent
        result = webhooks.http_send(outgoing)
        sent += 1
        if sent == 2:
            raise Killed  # after the POST went out, before its outcome was recorded
        return result

    with pytest.raises(Killed):
        webhooks.deliver_pending(factory, now=start, send=send_then_die)
    assert len(receiver.requests) == 2
    statuses = session.execute(sa.select(WebhookDelivery.status, sa.func.count())
                               .group_by(WebhookDelivery.status)).all()
    assert dict(statuses) == {"delivered": 1, "pending": 2}
    # Until the claim's lease runs out, another pass leaves the claimed deliveries alone.
    assert webhooks.deliver_pending(factory, now=start).delivered == 0
    after = webhooks.deliver_pending(factory, now=start + webhooks.LEASE)
    assert after.delivered == 2
    ids = receiver.event_ids()
    assert len(ids) == 4 and len(set(ids)) == 3  # one sent twice (at least once), none lost
    session.expire_all()
    assert count(session, WebhookDelivery, WebhookDelivery.status == "delivered") == 3


def test_an_event_exists_only_if_its_change_committed(client, token, receiver, subscribed,
                                                      session, make_project):
    project = make_project()
    session.commit()
    refused = client.post(f"/api/v1/projects/{project.id}/transitions",
                          json={"to_stage": "intent"}, headers=bearer(token))
    assert refused.status_code == 422  # no leader: rolled back, and so is its event
    assert count(session, WebhookEvent, WebhookEvent.event_type == "project.stage_changed") == 0
    assert count(session, WebhookEvent, WebhookEvent.project_id == project.id) == 1  # created


def test_a_county_client_receives_only_its_county_and_a_revoked_one_nothing(
        app, client, client_token, receiver, session):
    houma = client_token(county="houma")
    city = client_token()
    client.post("/api/v1/webhooks", headers=bearer(houma), json={
        "url": receiver.url + "?who=houma", "events": ["project.created"]})
    client.post("/api/v1/webhooks", headers=bearer(city), json={
        "url": receiver.url + "?who=city", "events": ["project.created"]})
    client.post("/api/v1/projects", headers=bearer(city), json=new_project())
    client.post("/api/v1/projects", headers=bearer(city), json=new_project(
        county="houma", investor={"name": "侯马企业"}))
    revoked = client_token()
    client.post("/api/v1/webhooks", headers=bearer(revoked), json={
        "url": receiver.url + "?who=revoked", "events": ["project.created"]})
    client.post("/api/v1/projects", headers=bearer(city), json=new_project(
        investor={"name": "第三家企业"}))
    session.execute(sa.text("UPDATE api_client SET revoked_at = created_at WHERE id = "
                            "(SELECT max(id) FROM api_client)"))
    session.commit()
    webhooks.deliver_pending(app.state.session_factory)
    received = sorted((r["path"].split("who=")[1], json.loads(r["body"])["project"]["county"])
                      for r in receiver.requests)
    # The city client: all three projects; houma: its own one; the revoked client: none.
    assert received == [("city", "houma"), ("city", "yaodu"), ("city", "yaodu"),
                        ("houma", "houma")]


def test_subscriptions_need_webhooks_manage_and_a_client(client, client_token, token):
    reader = client_token(["projects:read"])
    assert client.post("/api/v1/webhooks", headers=bearer(reader), json={
        "url": "http://127.0.0.1:9/x", "events": ["project.created"]}).status_code == 403
    bad = client.post("/api/v1/webhooks", headers=bearer(token), json={
        "url": "ftp://example.org/x", "events": ["project.created"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
    made = client.post("/api/v1/webhooks", headers=bearer(token), json={
        "url": "http://127.0.0.1:9/x", "events": ["project.created"]})
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    url = f"/api/v1/webhooks/{made.json()['id']}"
    shown = client.get(url, headers=bearer(token))
    assert "secret" not in shown.json() and shown.headers["etag"] == '"1"'
    assert client.delete(url, headers=bearer(token)).status_code == 428
    assert client.delete(url, headers=bearer(token, **{"If-Match": '"2"'})).status_code == 412
    assert client.delete(url, headers=bearer(token, **{"If-Match": '"1"'})).status_code == 204
    assert client.get(url, headers=bearer(token)).status_code == 404
    assert client.get("/api/v1/webhooks", headers=bearer(token)).json() == {"items": []}


def test_the_app_can_deliver_in_the_background(app, client, token, receiver, subscribed,
                                               session, monkeypatch):
    from app.config import get_settings

    client.post("/api/v1/projects", headers=bearer(token), json=new_project())
    monkeypatch.setenv("WEBHOOKS_BACKGROUND", "true")
    monkeypatch.setenv("WEBHOOKS_INTERVAL_SECONDS", "1")
    get_settings.cache_clear()
    try:
        with TestClient(app):  # runs the lifespan: the background task starts and stops
            deadline = time.monotonic() + 10
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        get_settings.cache_clear()
    assert [e["type"] for e in receiver.events()] == ["project.created"]
    assert count(session, Project) == 1
