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


EVIL_NAME = '=HYPERLINK("http://x.example", "点我")储能项目'


def test_the_export_writes_text_as_text_with_its_labels_and_every_warning(
        client, signed_in, session):
    from datetime import UTC, datetime
    from io import BytesIO

    from openpyxl import load_workbook

    from app.projects.models import Project
    from tests.conftest import bulk_projects

    bulk_projects(session, 12)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    session.execute(sa.update(Project).values(first_reported_at=long_ago))
    first = session.scalar(sa.select(Project).order_by(Project.id).limit(1))
    first.name, first.total_investment = EVIL_NAME, 999999
    names = ["@SUM(A1)", "+1", "-1+2", "\t=1"]
    for project, name in zip(session.scalars(sa.select(Project).order_by(Project.id)
                                              .offset(1).limit(len(names))), names,
                             strict=True):
        project.name = name
    session.flush()
    signed_in("export.reader", roles=["staff"])
    response = client.get("/cockpit/export.xlsx?year=2026")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))

    top = book["重点项目"]
    cell = next(c for row in top.iter_rows() for c in row if c.value == EVIL_NAME)
    assert cell.data_type == "s" and cell.quotePrefix
    warned = [row for row in book["预警"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert len(warned) == 12
    for row in book["预警"].iter_rows(min_row=2):
        if row[1].value in (EVIL_NAME, *names):
            assert row[1].data_type == "s" and row[1].quotePrefix, row[1].value
    assert {row[1].value for row in book["预警"].iter_rows(min_row=2)} >= {EVIL_NAME, *names}

    overview = [row[0] for row in book["概览"].iter_rows(values_only=True)]
    assert {"模式", "筛选条件", "生成时间"} <= set(overview)
    assert book["按县区"]["A1"].value == "县（市、区）"
