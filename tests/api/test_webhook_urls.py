"""Webhook URLs cannot reach our own network (SSRF): refused when subscribed (a 422 naming
`url`) and again when delivering, on the address the name resolves to then."""

from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from app.clients.models import ApiClient
from app.db import utcnow
from app.webhooks import service as webhooks
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.conftest import bearer
from tests.conftest import count, new_project, settings_env

PROBLEM = "application/problem+json"
PUBLIC = "93.184.216.34"
# With default settings every one of these is refused.
INTERNAL = ["localhost:5432", "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
            "169.254.169.254", "[::1]", "[fd00::1]", "0.0.0.0", "2130706433", "0x7f.1",
            "[::ffff:127.0.0.1]", "hooks.example.test"]


@pytest.fixture(autouse=True)
def names(dns) -> None:
    """hooks.example.test points at this machine, public.example.test elsewhere."""
    dns.answers.update({"hooks.example.test": ["127.0.0.1"], "public.example.test": [PUBLIC]})


@pytest.fixture
def allow_http() -> Iterator[None]:
    with settings_env(OUTBOUND_ALLOW_HTTP="true"):
        yield


def subscribe(client, token, url: str):
    return client.post("/api/v1/webhooks", headers=bearer(token),
                       json={"url": url, "events": ["project.created"]})


@pytest.mark.parametrize("host", INTERNAL)
def test_subscribing_an_internal_address_is_a_422_naming_url(client, token, session,
                                                              host):
    response = subscribe(client, token, f"https://{host}/latest/meta-data/")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    error = response.json()["errors"][0]
    assert error["field"] == "url" and "内网" in error["message"], error
    assert count(session, WebhookSubscription) == 0


def test_plain_http_is_refused_unless_the_setting_allows_it(client, token, session):
    assert subscribe(client, token, "https://public.example.test/hook").status_code == 201
    refused = subscribe(client, token, "http://public.example.test/hook")
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {"field": "url",
                                           "message": "请使用 https 地址：不允许明文 http。"}
    with settings_env(OUTBOUND_ALLOW_HTTP="true"):
        assert subscribe(client, token, "http://public.example.test/hook").status_code == 201
        # Allowing http opens no private address.
        assert subscribe(client, token, "http://127.0.0.1:9/hook").status_code == 422
    assert count(session, WebhookSubscription) == 2


def test_a_subscription_that_now_points_inside_is_not_sent_to(
        app, client, token, session, receiver, allow_http):
    """Rows saved before this check existed, or names that resolve elsewhere today: each
    delivery is a failed attempt saying why, and nothing reaches the receiver."""
    port = receiver.server.server_address[1]
    urls = [receiver.url, f"http://localhost:{port}/", f"http://hooks.example.test:{port}/",
            f"http://2130706433:{port}/", f"http://0x7f.1:{port}/",
            f"http://[::ffff:127.0.0.1]:{port}/", "http://[::1]/", "http://[fd00::1]/",
            "http://0.0.0.0/", "http://10.1.2.3/", "http://172.16.0.1/",
            "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/"]
    client_id = session.scalar(sa.select(sa.func.max(ApiClient.id)))
    for url in urls:
        session.add(WebhookSubscription(client_id=client_id, url=url, secret="whsec_x",
                                        events="project.created", created_at=utcnow()))
    session.commit()
    client.post("/api/v1/projects", headers=bearer(token), json=new_project())

    report = webhooks.deliver_pending(app.state.session_factory)
    assert (report.fanned_out, report.delivered, report.retrying) == (len(urls), 0, len(urls))
    assert receiver.requests == []
    session.expire_all()
    attempts = session.execute(sa.select(WebhookDelivery.attempts, WebhookDelivery.last_error,
                                         WebhookDelivery.last_status_code)).all()
    assert len(attempts) == len(urls)
    for tried, error, status_code in attempts:
        assert tried == 1 and status_code is None
        assert error.startswith("not sent, address refused:") and "private" in error, error


def test_http_is_refused_at_delivery_too_and_a_public_name_passes_the_check(
        app, client, token, session, monkeypatch):
    sent: list[str] = []

    def refuse_to_connect(self, request):
        sent.append(f"{request.url} Host: {request.headers['host']}")
        raise httpx.ConnectError("no network in tests")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse_to_connect)
    client_id = session.scalar(sa.select(sa.func.max(ApiClient.id)))
    for url in ("http://public.example.test/hook", "https://public.example.test/hook"):
        session.add(WebhookSubscription(client_id=client_id, url=url, secret="whsec_x",
                                        events="project.created", created_at=utcnow()))
    session.commit()
    client.post("/api/v1/projects", headers=bearer(token), json=new_project())
    webhooks.deliver_pending(app.state.session_factory)
    session.expire_all()
    errors = dict(session.execute(
        sa.select(WebhookSubscription.url, WebhookDelivery.last_error)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
    ).all())
    assert errors["http://public.example.test/hook"].startswith("not sent, address refused: "
                                                                "Use an https address")
    # The https one was let through the check, to the checked address.
    assert sent == [f"https://{PUBLIC}/hook Host: public.example.test"]
    assert errors["https://public.example.test/hook"].startswith("ConnectError")
