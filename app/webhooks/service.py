"""Webhooks: the outbox, subscriptions, and the delivery pass.

1. The project services call `enqueue` inside their own transaction: the event row commits
   (or rolls back) with the change it describes, so no event is lost if a process dies.
2. A delivery pass (`zhaoshang webhooks deliver` from cron, or the app's background task)
   first fans new events out into one delivery per matching subscription (matching type,
   the client's county scope, subscribed before the event happened), then sends the due
   deliveries.
3. Due deliveries are claimed a batch at a time, in one statement, before they are sent
   (attempts + 1, a lease on `next_attempt_at`), and each outcome is recorded after: a
   process killed between sending and recording leaves the claim, which expires and is
   retried. Delivery is therefore at least once; receivers de-duplicate by the
   `Zhaoshang-Event-Id` header.

Each POST is signed: `Zhaoshang-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
with `Zhaoshang-Timestamp: <unix seconds>`; see docs/api.md for verifying it. URLs go through
app.net.urlguard when subscribed and again when sent (https, public addresses only).
"""

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.audit.service import record
from app.clients.models import ApiClient, Scope
from app.config import get_settings
from app.db import utcnow
from app.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from app.i18n import _
from app.net import urlguard
from app.webhooks.models import (
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

log = logging.getLogger("zhaoshang.webhooks")

# Seconds to wait after the 1st, 2nd, ... failed attempt; the last value repeats.
DEFAULT_BACKOFF: tuple[float, ...] = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)  # a claimed delivery not recorded by then is tried again
TIMEOUT_SECONDS = 10.0
# Sent one after another: a whole batch of timeouts (10 x 10 s) ends well inside the lease,
# so no delivery of it is claimed again while still waiting its turn.
BATCH = 10
ERROR_LENGTH = 500
MAX_SUBSCRIPTIONS = 20

SIGNATURE_HEADER = "Zhaoshang-Signature"
TIMESTAMP_HEADER = "Zhaoshang-Timestamp"
EVENT_ID_HEADER = "Zhaoshang-Event-Id"
EVENT_TYPE_HEADER = "Zhaoshang-Event-Type"
ATTEMPT_HEADER = "Zhaoshang-Delivery-Attempt"


# --- the outbox ----------------------------------------------------------------------------

def _project_snapshot(project: Any) -> dict[str, Any]:
    """What a receiver needs to decide whether to fetch the project; never the secret name
    of a confidential project."""
    return {
        "id": project.id,
        "code": project.code,
        "name": (project.code_name or project.code) if project.is_confidential else project.name,
        "county": project.county_code,
        "stage": project.stage,
        "status": project.status,
        "leader_id": project.leader_id,
        "total_investment": f"{project.total_investment:.2f}",
        "version": project.version,
        "updated_at": project.updated_at.isoformat(),
    }


def enqueue(session: Session, event_type: str, project: Any,
            data: dict[str, Any] | None = None, *, now: datetime | None = None) -> WebhookEvent:
    """Writes one event to the outbox in the caller's transaction (the caller commits)."""
    now = now or utcnow()
    event_id = str(uuid.uuid4())
    body = {
        "id": event_id,
        "type": EventType(event_type).value,
        "occurred_at": now.isoformat(),
        "project": _project_snapshot(project),
        "data": data or {},
    }
    event = WebhookEvent(event_id=event_id, event_type=event_type, project_id=project.id,
                         county_code=project.county_code, occurred_at=now,
                         payload=json.dumps(body, ensure_ascii=False, default=str,
                                            separators=(",", ":")))
    session.add(event)
    return event


# --- subscriptions -------------------------------------------------------------------------

def _require_client(actor: Actor) -> int:
    if actor.client_id is None:
        raise PermissionDenied(_("Webhooks belong to agency clients; use a client token."),
                               action="webhook.manage")
    if Scope.projects_read.value not in actor.scopes:
        raise PermissionDenied(_("Webhooks carry project data: the client needs the "
                                 "projects:read scope."), action="webhook.manage")
    return actor.client_id


@dataclass
class NewSubscription:
    subscription: WebhookSubscription
    secret: str  # shown once


def create_subscription(session: Session, actor: Actor, *, url: str, events: Sequence[str],
                        now: datetime | None = None) -> NewSubscription:
    now = now or utcnow()
    client_id = _require_client(actor)
    url = urlguard.check(url)
    chosen = {EventType(e).value for e in events}
    if not chosen:
        raise ValidationFailed(_("Choose at least one event."), field="events")
    live = session.scalars(select(WebhookSubscription.id).where(
        WebhookSubscription.client_id == client_id,
        WebhookSubscription.deleted_at.is_(None))).all()
    if len(live) >= MAX_SUBSCRIPTIONS:
        raise ValidationFailed(_("At most {limit} subscriptions per client."), field="url",
                               limit=MAX_SUBSCRIPTIONS)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        client_id=client_id, url=url, secret=secret, created_at=now,
        events=" ".join(e.value for e in EventType if e.value in chosen))
    session.add(subscription)
    session.flush()
    record(session, actor, "webhook.subscribe", object_type="webhook_subscription",
           object_id=subscription.id, changes={"url": [None, url],
                                               "events": [None, subscription.events]}, now=now)
    session.flush()
    return NewSubscription(subscription=subscription, secret=secret)


def list_subscriptions(session: Session, actor: Actor) -> list[WebhookSubscription]:
    client_id = _require_client(actor)
    return list(session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.client_id == client_id,
               WebhookSubscription.deleted_at.is_(None))
        .order_by(WebhookSubscription.id)))


def get_subscription(session: Session, actor: Actor, subscription_id: int) -> WebhookSubscription:
    """One of the caller's own live subscriptions; another client's does not exist for it."""
    client_id = _require_client(actor)
    subscription = session.scalar(select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.client_id == client_id,
        WebhookSubscription.deleted_at.is_(None)))
    if subscription is None:
        raise NotFound(_("Webhook subscription {subscription_id} does not exist."),
                       subscription_id=subscription_id)
    return subscription


def delete_subscription(session: Session, actor: Actor, subscription_id: int, *,
                        expected_version: int | None, now: datetime | None = None) -> None:
    now = now or utcnow()
    subscription = get_subscription(session, actor, subscription_id)
    if expected_version is not None and expected_version != subscription.version:
        raise StaleVersion(_("Webhook subscription {subscription_id} was changed (version "
                             "{current}, you had {expected})."),
                           subscription_id=subscription_id, current=subscription.version,
                           expected=expected_version)
    subscription.deleted_at = now
    subscription.version += 1
    # Nothing more is sent to it.
    session.execute(update(WebhookDelivery)
                    .where(WebhookDelivery.subscription_id == subscription.id,
                           WebhookDelivery.status == DeliveryStatus.pending.value)
                    .values(status=DeliveryStatus.failed.value,
                            last_error="subscription deleted"))
    record(session, actor, "webhook.unsubscribe", object_type="webhook_subscription",
           object_id=subscription.id, changes={"deleted_at": [None, now]}, now=now)
    session.flush()


def list_deliveries(session: Session, actor: Actor, subscription_id: int, *,
                    before_id: int | None = None, limit: int = 50) -> list[Any]:
    """Newest first: status, attempts and the last error, with the event's id and type."""
    get_subscription(session, actor, subscription_id)
    query = (select(WebhookDelivery.id, WebhookEvent.event_id, WebhookEvent.event_type,
                    WebhookDelivery.status, WebhookDelivery.attempts,
                    WebhookDelivery.last_status_code, WebhookDelivery.last_error,
                    WebhookDelivery.next_attempt_at, WebhookDelivery.last_attempt_at,
                    WebhookDelivery.delivered_at, WebhookDelivery.created_at)
             .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
             .where(WebhookDelivery.subscription_id == subscription_id))
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return list(session.execute(query.order_by(WebhookDelivery.id.desc()).limit(limit)).all())


# --- signing -------------------------------------------------------------------------------

def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, headers: Any, body: bytes, *, tolerance: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does (docs/api.md has the same in a few lines): recompute and compare
    in constant time, and refuse old timestamps (replays)."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


# --- delivery ------------------------------------------------------------------------------

@dataclass
class Outgoing:
    delivery_id: int
    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes
    attempt: int


@dataclass
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str | None = None


Sender = Callable[[Outgoing], SendResult]


def http_send(outgoing: Outgoing) -> SendResult:
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "zhaoshang-webhooks/1",
        EVENT_ID_HEADER: outgoing.event_id,
        EVENT_TYPE_HEADER: outgoing.event_type,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(outgoing.secret, timestamp, outgoing.body),
        ATTEMPT_HEADER: str(outgoing.attempt),
    }
    try:
        response = urlguard.post(outgoing.url, content=outgoing.body, headers=headers,
                                 timeout=TIMEOUT_SECONDS)
    except urlguard.UrlRefused as exc:  # checked again now: DNS may point elsewhere today
        return SendResult(ok=False, error=f"not sent, address refused: {exc.detail('en')}"[:500])
    except httpx.HTTPError as exc:
        return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return SendResult(ok=True, status_code=response.status_code)
    return SendResult(ok=False, status_code=response.status_code,
                      error=f"HTTP {response.status_code}: {response.text[:200]}")


@dataclass
class DeliveryReport:
    fanned_out: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    attempted_ids: list[int] = field(default_factory=list)


def fan_out(session: Session, now: datetime, batch: int = 500) -> int:
    """New outbox events become deliveries, one per matching live subscription."""
    events = session.scalars(select(WebhookEvent).where(WebhookEvent.fanned_out_at.is_(None))
                             .order_by(WebhookEvent.id).limit(batch).with_for_update()).all()
    if not events:
        return 0
    subscriptions = session.execute(
        select(WebhookSubscription, ApiClient)
        .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
        .where(WebhookSubscription.deleted_at.is_(None), ApiClient.revoked_at.is_(None),
               ApiClient.expires_at > now)).all()
    created = 0
    for event in events:
        for subscription, client in subscriptions:
            if (event.event_type in subscription.event_set
                    and Scope.projects_read.value in client.scope_set
                    and client.county_code in (None, event.county_code)
                    and subscription.created_at <= event.occurred_at):
                session.add(WebhookDelivery(event_id=event.id, subscription_id=subscription.id,
                                            next_attempt_at=now, created_at=now))
                created += 1
        event.fanned_out_at = now
    session.flush()
    return created


def _claim(session: Session, now: datetime, exclude: set[int], batch: int) -> list[Outgoing]:
    """Takes up to `batch` due deliveries in one statement (attempts + 1, retry after the
    lease) and returns them. Two concurrent passes never take the same one: PostgreSQL
    skips the rows another pass has locked (SKIP LOCKED), SQLite has one writer at a time."""
    due = (select(WebhookDelivery.id)
           .where(WebhookDelivery.status == DeliveryStatus.pending.value,
                  WebhookDelivery.next_attempt_at <= now)
           .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
           .limit(batch)
           .with_for_update(skip_locked=True))
    if exclude:
        due = due.where(WebhookDelivery.id.not_in(exclude))
    # Materialized: PostgreSQL may otherwise run the subquery more than once and take more
    # than `batch` rows.
    taken = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    claimed = session.scalars(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(select(taken.c.id)))
        .values(attempts=WebhookDelivery.attempts + 1, last_attempt_at=now,
                next_attempt_at=now + LEASE)
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookSubscription.url,
               WebhookSubscription.secret, WebhookEvent.event_id, WebhookEvent.event_type,
               WebhookEvent.payload)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(claimed)).order_by(WebhookDelivery.id)).all()
    return [Outgoing(delivery_id=r.id, url=r.url, secret=r.secret, event_id=r.event_id,
                     event_type=r.event_type, body=r.payload.encode(), attempt=r.attempts)
            for r in rows]


def error_text(text: str | None) -> str:
    """A receiver's answer or an exception as the delivery list shows it: control characters
    (NUL, which PostgreSQL refuses, among them) replaced, cut to the column."""
    cleaned = "".join(ch if ch.isprintable() or ch == " " else "\ufffd"
                      for ch in (text or "failed")[:ERROR_LENGTH])
    return cleaned or "failed"


def _record(session: Session, outgoing: Outgoing, result: SendResult, now: datetime,
            backoff: Sequence[float], max_attempts: int) -> str:
    delivery = session.get(WebhookDelivery, outgoing.delivery_id, with_for_update=True)
    if delivery is None:
        return "gone"
    if delivery.attempts != outgoing.attempt:
        # Claimed again by another pass after this one's lease ran out: its outcome counts.
        return "superseded"
    delivery.last_status_code = result.status_code
    if result.ok:
        delivery.status = DeliveryStatus.delivered.value
        delivery.delivered_at = now
        delivery.last_error = None
        outcome = "delivered"
    elif delivery.attempts >= max_attempts:
        delivery.status = DeliveryStatus.failed.value
        delivery.last_error = error_text(result.error)
        outcome = "failed"
    else:
        wait = backoff[min(delivery.attempts, len(backoff)) - 1] if backoff else 0
        delivery.next_attempt_at = now + timedelta(seconds=wait)
        delivery.last_error = error_text(result.error)
        outcome = "retrying"
    session.flush()
    return outcome


def deliver_pending(session_factory: Callable[[bool], Session], *,
                    now: datetime | None = None, send: Sender | None = None,
                    backoff: Sequence[float] = DEFAULT_BACKOFF,
                    max_attempts: int = MAX_ATTEMPTS, batch: int = BATCH) -> DeliveryReport:
    """One pass: fan out, then send every due delivery at most once. Each step commits on
    its own, so an interrupted pass leaves work that the next pass finishes."""
    send = send or http_send
    report = DeliveryReport()

    def clock() -> datetime:
        return now or utcnow()

    with session_factory(True) as session:
        report.fanned_out = fan_out(session, clock())
        session.commit()
    attempted: set[int] = set()
    while True:
        with session_factory(True) as session:
            outgoing = _claim(session, clock(), attempted, batch)
            session.commit()
        if not outgoing:
            return report
        for item in outgoing:
            attempted.add(item.delivery_id)
            report.attempted_ids.append(item.delivery_id)
            try:
                result = send(item)
            except Exception as exc:  # one receiver's oddity must not strand the batch
                log.exception("webhook %s to %s", item.event_id, item.url)
                result = SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
            with session_factory(True) as session:
                outcome = _record(session, item, result, clock(), backoff, max_attempts)
                session.commit()
            if outcome == "delivered":
                report.delivered += 1
            elif outcome == "failed":
                report.failed += 1
                log.warning("webhook %s to %s failed for good: %s", item.event_id, item.url,
                            result.error)
            elif outcome == "retrying":
                report.retrying += 1


# --- in the app ----------------------------------------------------------------------------

@asynccontextmanager
async def background_delivery(app: Any) -> AsyncIterator[None]:
    """The app's lifespan: with WEBHOOKS_BACKGROUND=true each process also runs a pass every
    WEBHOOKS_INTERVAL_SECONDS (in a thread; claims keep processes from sending twice)."""
    settings = get_settings()
    if not settings.webhooks_background:
        yield
        return
    stop = asyncio.Event()

    async def run() -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(deliver_pending, app.state.session_factory)
            except Exception:  # the loop goes on; the next pass retries
                log.exception("webhook delivery pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.webhooks_interval_seconds)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        stop.set()
        await task
