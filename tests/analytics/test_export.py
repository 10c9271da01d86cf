"""The cockpit export is a GET: its own transaction only reads, and its audit row is a short
write of its own (on SQLite a read that writes holds up every writer: "database is locked")."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from tests.analytics.fixture import build_city
from tests.conftest import _joined_session, count


@pytest.fixture
def written():
    """What each unit of work flushed, by whether it was opened to write."""
    return {True: [], False: []}


@pytest.fixture
def app(connection, written):
    from app.main import create_app

    def session_factory(write: bool):
        session = _joined_session(connection)

        @sa.event.listens_for(session, "before_flush")
        def note(session, _context, _instances) -> None:
            written[write].extend(type(row).__name__ for row in session.new)

        return session

    return create_app(session_factory=session_factory)


def test_the_export_is_audited_in_a_write_of_its_own(client, signed_in, session, written):
    build_city(session)
    signed_in("export.reader", roles=["staff"])
    before = count(session, AuditEvent, AuditEvent.action == "export")
    written[True].clear()
    response = client.get("/cockpit/export.xlsx?year=2026&county=houma")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert "AuditEvent" not in written[False]
    assert written[True].count("AuditEvent") == 1
    assert count(session, AuditEvent, AuditEvent.action == "export") == before + 1
