"""Query plans: the board reads each stage's newest cards off an index, never by scanning
(and ranking) every project. Each statement the page sends is explained on the database
under test; PostgreSQL is told not to prefer a sequential scan, so a plan that still has
one has no index to use."""

import sqlalchemy as sa

from app.accounts.permissions import Actor
from app.projects.queries import kanban_columns
from app.projects.schemas import ProjectFilters
from tests.conftest import bulk_projects


def explained(session, sent: list[tuple[str, object]]) -> list[str]:
    """The plan of each captured statement, as text."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plans = []
    for statement, parameters in sent:
        prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
        plans.append("\n".join(" ".join(str(v) for v in row) for row in rows))
    return plans


def captured(engine):
    sent: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("EXPLAIN", "SET")):
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", listener)
    return sent, lambda: sa.event.remove(engine, "before_cursor_execute", listener)


def test_the_kanban_picks_each_columns_cards_off_an_index(session, engine):
    bulk_projects(session, 300)
    sent, stop = captured(engine)
    try:
        columns = kanban_columns(session, Actor.system(), ProjectFilters(), per_column=5)
    finally:
        stop()
    assert columns[0].stage == "contact" and len(columns[0].cards) == 5
    [picks] = [(s, p) for s, p in sent if "pick_contact" in s]
    plan = explained(session, [picks])[0]
    assert "ix_project_stage_updated" in plan, plan
    assert "Seq Scan on project" not in plan and "SCAN project\n" not in plan + "\n", plan
