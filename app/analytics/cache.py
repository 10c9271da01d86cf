"""Each worker reuses the cockpits it computed while nothing behind them has changed.

Triggers raise `data_version.n` in the same transaction as any change to a table the
cockpit reads (app.analytics.models.FIGURE_SOURCES), so a cockpit computed at one number
is exact for as long as the number stays, on the same local day (the lights and the share
of the year count days). A hit costs one statement. Nothing here is needed by another
worker: each fills its own cache and asks the database for the number on every request.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

from sqlalchemy import select
from sqlmodel import Session

from app.analytics.models import DataVersion

T = TypeVar("T")


def data_version(session: Session) -> int:
    return session.scalar(select(DataVersion.n).where(DataVersion.id == 1)) or 0


class FiguresCache:
    """At most `size` results of the current data version, least recently used out first."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._version: int | None = None
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        version = data_version(session)
        with self._lock:
            if version == self._version and key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self.misses += 1
            if self._version is None or version > self._version:
                # The number only grows: what was computed before can never be asked again.
                self._version = version
                self._items.clear()
            if version == self._version:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value
