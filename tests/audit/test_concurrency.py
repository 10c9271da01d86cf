"""Writers in parallel never fork the chain: run against a throw-away database of the kind
under test (TEST_DATABASE_URL), because audit rows committed there cannot be removed."""

import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine, make_url

from app.audit import service
from app.audit.models import AuditAction, AuditEvent
from app.audit.service import record, verify_chain
from app.db import create_db_engine, session_scope
from tests.conftest import alembic_config

WRITERS = 4
EVENTS_EACH = 10


@pytest.fixture
def fresh_engine(tmp_path: Path) -> Iterator[Engine]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or base.startswith("sqlite"):
        url, admin = f"sqlite:///{tmp_path / 'audit.db'}", None
    else:
        name = f"zs_audit_{uuid.uuid4().hex[:10]}"
        admin = create_db_engine(base).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


def test_parallel_writers_extend_one_chain(fresh_engine, monkeypatch):
    read_last_hash = service._last_hash

    def slow_last_hash(session):
        # Widen the window between reading the head and appending after it.
        last = read_last_hash(session)
        time.sleep(0.005)
        return last

    monkeypatch.setattr(service, "_last_hash", slow_last_hash)

    def write(worker: int) -> None:
        for n in range(EVENTS_EACH):
            with session_scope(engine=fresh_engine) as session:
                record(session, None, AuditAction.export, username=f"worker{worker}",
                       detail=str(n))

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))

    with session_scope(write=False, engine=fresh_engine) as session:
        result = verify_chain(session)
        total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert total == WRITERS * EVENTS_EACH
    assert result.ok and result.checked == total
