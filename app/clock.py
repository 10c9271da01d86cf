"""Time: stored in UTC, business dates in the bureau's time zone."""

from datetime import date, datetime, time

from app.config import get_settings
from app.db import utcnow


def local_date(moment: datetime | None = None) -> date:
    return (moment or utcnow()).astimezone(get_settings().tz).date()


def local_datetime(moment: datetime) -> datetime:
    return moment.astimezone(get_settings().tz)


def local_midnight(day: date) -> datetime:
    """The instant a local day begins, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=get_settings().tz)
