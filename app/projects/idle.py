"""How long a project has gone without a follow-up: whole days of the bureau's calendar
(Asia/Shanghai) since its last follow-up or, never followed up, since it was first reported.
One definition for the workbench, the list's `idle_days` filter, the kanban, the project
page and the cockpit's lights: counted in local days, a figure changes only when the date
does, never between a morning and an evening of the same day."""

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.clock import local_date, local_midnight
from app.projects.models import Project

# From this many local days without a follow-up a project wants one (the workbench's
# reminders), and from STALLED_DAYS it is shown as stalled (red on the project page, the
# kanban and the workbench).
FOLLOW_UP_DUE_DAYS = 14
STALLED_DAYS = 30


def idle_since() -> Any:
    """SQL: when the idle days start counting (the last follow-up, else the first report)."""
    return sa.func.coalesce(Project.last_activity_at, Project.first_reported_at)


def idle_at_least(days: int, now: datetime) -> Any:
    """SQL: at `now`, the project has gone `days` or more local days without a follow-up,
    i.e. `idle_days(...) >= days`."""
    return idle_since() < local_midnight(local_date(now) - timedelta(days=days - 1))


def idle_days(last_activity_at: datetime | None, first_reported_at: datetime,
              today: date) -> int:
    """Local days without a follow-up on `today`; `last_activity_at` None: never followed
    up, counted from the first report."""
    return max(0, (today - local_date(last_activity_at or first_reported_at)).days)
