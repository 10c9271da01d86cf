"""Claiming due deliveries: a batch in one statement, and never the same delivery to two
concurrent passes (PostgreSQL: SKIP LOCKED; SQLite: one writer at a time)."""

import time
from datetime import datetime, timedelta

from sqlmodel import Session

from app.accounts.permissions import Actor
from app.clients.service import create_client
from app.db import session_scope, utcnow
from app.main import default_session_factory
from app.projects.service import create_project
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.webhooks.service import (
    DeliveryReport,
    Outgoing,
    SendResult,
    deliver_pending,
    enqueue,
)
from tests.conftest import ALL_SCOPES, count, make_actor, project_input, race


def due_deliveries(session: Session, n: int, now: datetime) -> None:
    """n deliveries due now, each of its own event, to one subscription."""
    staff = make_actor(session, "claim.staff", "领取", ["staff"])
    project = create_project(session, project_input(), actor=staff)
    client = create_client(session, Actor.system("test"), name="领取测试",
                           scopes=ALL_SCOPES).client
    # Subscribed to another type: the project's own "created" event is not fanned out to it.
    subscription = WebhookSubscription(client_id=client.id, url="https://hooks.example/in",
                                       secret="whsec_test", events="project.terminated",
                                       created_at=now - timedelta(days=1))
    session.add(subscription)
    session.flush()
    events = [enqueue(session, "project.terminated", project, now=now) for _ in range(n)]
    session.flush()
    for event in events:
        event.fanned_out_at = now
        session.add(WebhookDelivery(event_id=event.id, subscription_id=subscription.id,
                                    next_attempt_at=now, created_at=now))
    session.flush()


def accepted(outgoing: Outgoing) -> SendResult:
    return SendResult(ok=True, status_code=204)


def test_a_pass_claims_a_whole_batch_in_one_statement(app, session, statements):
    now = utcnow()
    due_deliveries(session, 30, now)
    session.commit()
    with statements() as sent:
        report = deliver_pending(app.state.session_factory, now=now, send=accepted, batch=30)
    assert report.delivered == 30
    claims = [s for s in sent if s.lstrip().startswith("WITH due")
              or (s.lstrip().startswith("UPDATE webhook_delivery") and "attempts" in s)]
    # The batch, and the claim that finds nothing left and ends the pass.
    assert len(claims) == 2, claims
    if session.get_bind().dialect.name == "postgresql":
        assert "FOR UPDATE SKIP LOCKED" in claims[0]


def test_two_concurrent_passes_never_send_a_delivery_twice(fresh_engine):
    with session_scope(engine=fresh_engine) as session:
        due_deliveries(session, 40, utcnow())
    factory = default_session_factory(fresh_engine)
    sent: list[set[int]] = [set(), set()]

    def run(n: int) -> DeliveryReport:
        def send(outgoing: Outgoing) -> SendResult:
            sent[n].add(outgoing.delivery_id)
            time.sleep(0.01)  # the other pass claims meanwhile
            return accepted(outgoing)

        return deliver_pending(factory, send=send, batch=4)

    reports = race(2, run)
    assert all(sent), "both passes took part"
    assert not sent[0] & sent[1]
    assert len(sent[0] | sent[1]) == sum(report.delivered for report in reports) == 40
    with session_scope(engine=fresh_engine, write=False) as session:
        assert count(session, WebhookDelivery, WebhookDelivery.status == "delivered",
                     WebhookDelivery.attempts == 1) == 40
