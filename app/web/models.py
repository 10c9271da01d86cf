"""Tables of the JSON door's machinery: idempotency keys and rate-limit windows."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


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
