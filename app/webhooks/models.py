"""Webhooks: agency clients' subscriptions, the outbox of events, and their deliveries."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class EventType(StrEnum):
    project_created = "project.created"
    project_stage_changed = "project.stage_changed"
    project_leader_changed = "project.leader_changed"
    project_terminated = "project.terminated"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscription"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="api_client.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    # The HMAC key; kept in clear because signing needs it (shown once, when created).
    secret: str = Field(max_length=128)
    events: str = Field(max_length=500)  # space-separated event types
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)

    @property
    def event_set(self) -> frozenset[str]:
        return frozenset(self.events.split())


class WebhookEvent(SQLModel, table=True):
    """The outbox: written by the project services in the same transaction as the change,
    so an event exists if and only if its change committed. Fanned out to subscriptions
    by the delivery pass (which sets `fanned_out_at`)."""

    __tablename__ = "webhook_event"
    __table_args__ = (
        sa.CheckConstraint(_in("event_type", EventType), name="known_event_type"),
        sa.Index("ix_webhook_event_pending", "fanned_out_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)  # UUID, sent as Zhaoshang-Event-Id
    event_type: str = Field(max_length=40)
    project_id: int = Field(foreign_key="project.id", index=True)
    county_code: str = Field(max_length=32)
    payload: str = Field(sa_type=sa.Text)  # the exact JSON body sent
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    fanned_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event to one subscription: attempts, the last error, and when to try again."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.CheckConstraint(_in("status", DeliveryStatus), name="known_status"),
        sa.UniqueConstraint("event_id", "subscription_id",
                            name="uq_webhook_delivery_event_subscription"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_subscription", "subscription_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="webhook_event.id")
    subscription_id: int = Field(foreign_key="webhook_subscription.id", ondelete="CASCADE")
    status: str = Field(default=DeliveryStatus.pending.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
