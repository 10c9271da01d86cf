"""Engine, column types, naming convention and the request-scoped session.

Design: a synchronous SQLAlchemy Session used inline in `async def` routes. It pays off
only while queries stay in the low milliseconds (a slow one blocks the loop); see the
README's "Design" section and bench/list_bench.py for what it measures today.
Services never commit; `session_scope` commits once per request or rolls back.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from app.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION

MONEY_PLACES = Decimal("0.01")


# PostgreSQL ends one transaction to let another go on: serialization failure, deadlock.
LOST_RACE_STATES = frozenset({"40001", "40P01"})
# SQLite gives up after its busy time-out: SQLITE_BUSY, SQLITE_LOCKED (low byte of the code).
LOST_RACE_SQLITE_CODES = frozenset({5, 6})


def utcnow() -> datetime:
    return datetime.now(UTC)


def lost_lock_race(exc: BaseException) -> bool:
    """Did a statement fail only because another transaction held what it needed? Then
    nothing of its transaction was kept, and running it again from the start may succeed."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    cause = exc.orig
    if getattr(cause, "sqlstate", None) in LOST_RACE_STATES:
        return True
    if not isinstance(cause, sqlite3.OperationalError):
        return False
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in LOST_RACE_SQLITE_CODES
    return str(cause).startswith(("database is locked", "database table is locked"))


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which has no time zones) as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(sa.TypeDecorator[Decimal]):
    """万元 with two places, exact on both databases.

    PostgreSQL stores NUMERIC(16, 2). SQLite has no decimal type (NUMERIC there is a float),
    so it stores whole hundredths as INTEGER; SUM() stays exact and the result is converted
    back because the function's type follows its argument.
    """

    impl = sa.Numeric(16, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(16, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        amount = Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)
        if dialect.name == "sqlite":
            return int(amount * 100)
        return amount

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(MONEY_PLACES)
        return Decimal(value).quantize(MONEY_PLACES)

    @property
    def python_type(self) -> type:
        return Decimal


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (so writes can BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        # A deferred BEGIN that later writes fails with "database is locked" under load;
        # write transactions take the lock up front (measured: 0 errors, 0 lost updates).
        if connection.get_execution_options().get("sqlite_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


@lru_cache
def get_engine() -> Engine:
    return create_db_engine(get_settings().database_url)


def write_bind(engine: Engine) -> Engine:
    """The same engine, flagged so SQLite opens write transactions with BEGIN IMMEDIATE."""
    return engine.execution_options(sqlite_write=True)


@contextmanager
def session_scope(*, write: bool = True, engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    engine = engine or get_engine()
    with Session(write_bind(engine) if write else engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def lock_data_version(session: Session) -> None:
    """Take now the row lock on the data version (app.analytics.cache) that the cockpit
    triggers take at a transaction's first write to a cockpit table, held to the end of
    the transaction; a no-op on SQLite, where writers are serial. Here, below every
    domain, because the audit trail takes it before its own lock (app.audit.service)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT id FROM data_version WHERE id = 1 FOR KEY SHARE"))
