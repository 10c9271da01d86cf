"""The periods figures are counted over: a year or one of its quarters, in local days."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.analytics.sql import ratio


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int  # 0: the whole year

    @property
    def start(self) -> date:
        return date(self.year, 1 if not self.quarter else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        month = 12 if not self.quarter else 3 * self.quarter
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def elapsed(self, today: date) -> Decimal:
        """Share of the period gone by today (时序进度), 0 to 1, four places."""
        if today < self.start:
            return Decimal("0.0000")
        if today >= self.end:
            return Decimal("1.0000")
        days = (self.end - self.start).days + 1
        return ratio((today - self.start).days + 1, days) or Decimal("0.0000")


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_of(year: int) -> list[tuple[date, date]]:
    """The first and last day of each month of the year."""
    return [(date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1]))
            for m in range(1, 13)]
