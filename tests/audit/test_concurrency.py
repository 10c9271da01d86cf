"""Writers in parallel never fork the chain: run against a throw-away database of the kind
under test (TEST_DATABASE_URL; the `fresh_engine` fixture), because audit rows committed there
cannot be removed."""

import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from app.audit import service
from app.audit.models import AuditAction, AuditEvent
from app.audit.service import record, verify_chain
from app.db import session_scope

WRITERS = 4
EVENTS_EACH = 10


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
