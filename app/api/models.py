"""Tables of the API door: agency clients and user tokens, idempotency keys, rate-limit
windows, and webhooks (subscriptions, the outbox of events, deliveries)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class Scope(StrEnum):
    projects_read = "projects:read"
    projects_write = "projects:write"
    activities_write = "activities:write"
    stats_read = "stats:read"
    webhooks_manage = "webhooks:manage"
    audit_read = "audit:read"


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


class ApiClient(SQLModel, table=True):
    """Another agency's program. Only the SHA-256 of its token is kept: the token is shown
    once, when created. Revoked or expired clients are refused at once by every process."""

    __tablename__ = "api_client"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    # Space-separated scopes (OAuth style), e.g. "projects:read stats:read".
    scopes: str = Field(max_length=500)
    # None: the city, every county; otherwise the one county it may see and change.
    county_code: str | None = Field(default=None, foreign_key="county.code", max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    token_prefix: str = Field(max_length=16)  # the first characters, to recognise it
    rate_limit_per_minute: int | None = Field(default=None)  # None: the setting
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ApiToken(SQLModel, table=True):
    """A user's short-lived API token (POST /api/v1/auth/token); the id is its SHA-256."""

    __tablename__ = "api_token"
    __table_args__ = (sa.Index("ix_api_token_user_expires", "user_id", "expires_at"),)
    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ip: str | None = Field(default=None, max_length=64)


class IdempotencyKey(SQLModel, table=True):
    """The first answer to a POST carrying `Idempotency-Key`, replayed to its retries.

    The row is inserted before the work, in the same transaction: a concurrent retry waits
    on the unique index (PostgreSQL) or the write lock (SQLite) and then sees the answer."""

    __tablename__ = "api_idempotency_key"
    __table_args__ = (
        sa.UniqueConstraint("owner", "key", name="uq_api_idempotency_key_owner_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    owner: str = Field(max_length=40)  # "client:7" or "user:12"
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = Field(default=None)
    response_body: str | None = Field(default=None, sa_type=sa.Text)
    response_headers: str | None = Field(default=None, sa_type=sa.Text)  # JSON object
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class RateLimitWindow(SQLModel, table=True):
    """Requests per caller per minute, counted in the database so every process shares it."""

    __tablename__ = "api_rate_limit"
    owner: str = Field(primary_key=True, max_length=40)
    window_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    count: int = Field(default=0)


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
