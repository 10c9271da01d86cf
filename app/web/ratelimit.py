"""A fixed window per caller per minute, counted in the database so that every app process
(and every worker) shares one count: one upsert that increments and returns the count."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from app.db import utcnow
from app.errors import AppError
from app.web.models import RateLimitWindow

WINDOW = timedelta(minutes=1)


class TooManyRequests(AppError):
    status = 429
    kind = "rate-limited"

    def __init__(self, message: str, *, retry_after: int, **params: object) -> None:
        super().__init__(message, **params)
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Hit:
    count: int
    limit: int
    retry_after: int  # seconds until the window ends

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


def hit(session: Session, owner: str, limit: int, now: datetime | None = None) -> Hit:
    """Counts one request for `owner` in the current minute (the caller commits)."""
    now = now or utcnow()
    start = now.replace(second=0, microsecond=0)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    count = session.execute(
        insert(RateLimitWindow)
        .values(owner=owner, window_start=start, count=1)
        .on_conflict_do_update(index_elements=["owner", "window_start"],
                               set_={"count": RateLimitWindow.count + 1})
        .returning(RateLimitWindow.count)
    ).scalar_one()
    if count == 1:
        # The first request of a window clears this caller's older windows: the table stays
        # one row per active caller.
        session.execute(delete(RateLimitWindow).where(RateLimitWindow.owner == owner,
                                                      RateLimitWindow.window_start < start))
    retry_after = max(1, math.ceil((start + WINDOW - now).total_seconds()))
    return Hit(count=count, limit=limit, retry_after=retry_after)
