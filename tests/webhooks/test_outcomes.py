"""Recording what a receiver answered: whatever bytes it sent, an exception while sending,
or a pass that lost its claim to another after the lease ran out — the pass goes on and the
delivery list tells the truth."""

from sqlalchemy import select, update

from app.db import session_scope, utcnow
from app.main import default_session_factory
from app.webhooks.models import WebhookDelivery
from app.webhooks.service import Outgoing, SendResult, deliver_pending
from tests.webhooks.test_claiming import accepted, due_deliveries


def deliveries(engine) -> list[WebhookDelivery]:
    with session_scope(engine=engine, write=False) as session:
        rows = list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        session.expunge_all()
        return rows


def test_a_reply_with_nul_and_control_characters_is_kept_readable(fresh_engine):
    with session_scope(engine=fresh_engine) as session:
        due_deliveries(session, 2, utcnow())

    def garbled(outgoing: Outgoing) -> SendResult:
        return SendResult(ok=False, status_code=500, error="HTTP 500: bad\x00reply\x1b[31m")

    report = deliver_pending(default_session_factory(fresh_engine), send=garbled)
    assert report.retrying == 2
    for delivery in deliveries(fresh_engine):
        assert delivery.status == "pending" and delivery.attempts == 1
        assert delivery.last_status_code == 500
        assert delivery.last_error == "HTTP 500: bad\ufffdreply\ufffd[31m"


def test_a_sender_that_raises_does_not_strand_the_rest_of_the_batch(fresh_engine):
    with session_scope(engine=fresh_engine) as session:
        due_deliveries(session, 3, utcnow())
    first = min(d.id for d in deliveries(fresh_engine))

    def flaky(outgoing: Outgoing) -> SendResult:
        if outgoing.delivery_id == first:
            raise UnicodeEncodeError("ascii", "签", 0, 1, "odd header")
        return accepted(outgoing)

    report = deliver_pending(default_session_factory(fresh_engine), send=flaky)
    assert (report.delivered, report.retrying) == (2, 1)
    by_id = {d.id: d for d in deliveries(fresh_engine)}
    assert by_id[first].status == "pending"
    assert by_id[first].last_error.startswith("UnicodeEncodeError")
    assert all(d.status == "delivered" for i, d in by_id.items() if i != first)


def test_an_outcome_after_the_lease_ran_out_leaves_the_new_claim_alone(fresh_engine):
    with session_scope(engine=fresh_engine) as session:
        due_deliveries(session, 1, utcnow())

    def slow(outgoing: Outgoing) -> SendResult:
        # Meanwhile the lease ran out and another pass claimed the delivery again.
        with session_scope(engine=fresh_engine) as session:
            session.execute(update(WebhookDelivery)
                            .values(attempts=WebhookDelivery.attempts + 1))
        return SendResult(ok=False, status_code=503, error="HTTP 503: busy")

    report = deliver_pending(default_session_factory(fresh_engine), send=slow)
    assert (report.delivered, report.retrying, report.failed) == (0, 0, 0)
    [delivery] = deliveries(fresh_engine)
    assert delivery.attempts == 2 and delivery.last_error is None
