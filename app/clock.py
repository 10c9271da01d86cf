"""Time: stored in UTC, business dates in the bureau's time zone."""

from datetime import UTC, date, datetime, time

from app.config import get_settings
from app.db import utcnow


def local_date(moment: datetime | None = None) -> date:
    return (moment or utcnow()).astimezone(get_settings().tz).date()


def local_datetime(moment: datetime) -> datetime:
    return moment.astimezone(get_settings().tz)


def local_midnight(day: date) -> datetime:
    """The instant the bureau's local `day` begins, in UTC: local days [a, b] are the
    instants from local_midnight(a) up to, not including, local_midnight(b + 1 day)."""
    return datetime.combine(day, time.min, tzinfo=get_settings().tz).astimezone(UTC)


def local_text(moment: datetime, *, seconds: bool = False) -> str:
    """A moment as a person reads it, on a page or in a message: the bureau's local time
    (2027-03-01 10:00), never the stored UTC instant."""
    return local_datetime(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
