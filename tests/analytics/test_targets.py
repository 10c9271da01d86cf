"""Saving the targets grid: the stored targets are read once and only the cells that differ
are written (and audited), whatever the size of the grid."""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.analytics.models import Target
from app.analytics.schemas import RATE_METRICS, Metric, TargetCell
from app.analytics.targets import save_target_grid, target_grid
from app.audit.models import AuditEvent
from app.errors import ValidationFailed
from tests.conftest import count, csrf_of

D = Decimal


def writes_to(statements: list[str], table: str) -> list[str]:
    return [s for s in statements
            if re.match(rf"\s*(INSERT INTO|UPDATE|DELETE FROM) {table}\b", s, re.I)]


@pytest.fixture
def full_grid(session, supervisor):
    """Every cell of the 2027 grid (the city and each active county) holds a target but the
    last, left empty."""
    cells: dict[TargetCell, Decimal | None] = {
        TargetCell(None if row.scope == "city" else row.scope, metric):
            D(10 + n) if metric.value not in RATE_METRICS else D(n % 90)
        for n, (row, metric) in enumerate(
            (row, metric) for row in target_grid(session, supervisor, 2027, 0)
            for metric in Metric)}
    assert len(cells) >= 8
    cells[list(cells)[-1]] = None
    assert save_target_grid(session, supervisor, 2027, 0, cells) == len(cells) - 1
    session.commit()
    return cells


def test_saving_an_unchanged_grid_writes_nothing(session, supervisor, full_grid, statements):
    audit_rows = count(session, AuditEvent)
    with statements() as sent:
        assert save_target_grid(session, supervisor, 2027, 0, dict(full_grid)) == 0
    # One read of the counties asked about, one of the stored targets: never one per cell
    # (and on PostgreSQL the period's lock).
    locked = session.get_bind().dialect.name == "postgresql"
    assert len(sent) == 2 + locked, sent
    assert count(session, AuditEvent) == audit_rows


def test_saving_one_changed_cell_writes_one_target_and_one_audit_row(session, supervisor,
                                                                     full_grid, statements):
    audit_rows = count(session, AuditEvent)
    cells = dict(full_grid)
    changed = next(iter(cells))
    cells[changed] = D("999")
    with statements() as sent:
        assert save_target_grid(session, supervisor, 2027, 0, cells) == 1
    assert len(writes_to(sent, "target")) == 1
    assert len(writes_to(sent, "audit_event")) == 1
    assert count(session, AuditEvent) == audit_rows + 1
    assert session.scalar(sa.select(Target.value).where(
        Target.year == 2027, Target.metric == changed.metric.value,
        Target.county_code.is_(None) if changed.county is None
        else Target.county_code == changed.county)) == D("999.00")


def test_a_whole_grid_of_changes_costs_one_statement_per_kind_of_write(session, supervisor,
                                                                       full_grid, statements):
    cells = {cell: D(5) if value is None else value + 1 for cell, value in full_grid.items()}
    cells[next(iter(cells))] = None  # cleared: that target goes
    audit_rows = count(session, AuditEvent, AuditEvent.action == "target.set")
    with statements() as sent:
        assert save_target_grid(session, supervisor, 2027, 0, cells) == len(cells)
    # One batch of updates, one insert (the empty cell), one delete: not one per cell.
    assert len(writes_to(sent, "target")) == 3, writes_to(sent, "target")
    assert count(session, Target, Target.year == 2027) == len(cells) - 1
    assert count(session, AuditEvent, AuditEvent.action == "target.set") == \
        audit_rows + len(cells)


def test_a_bad_cell_refuses_the_whole_grid(session, supervisor, full_grid):
    cells = {cell: D(1) if value is None else value + 1 for cell, value in full_grid.items()}
    counted = TargetCell(None, Metric.groundbreakings)
    cells[counted] = D("3.5")
    cells[TargetCell("atlantis", Metric.signed_amount)] = D("1")
    with pytest.raises(ValidationFailed) as refused:
        save_target_grid(session, supervisor, 2027, 0, cells)
    assert {p.field for p in refused.value.errors} == {
        "t.city.groundbreakings", "t.atlantis.signed_amount"}
    session.rollback()
    assert session.scalar(sa.select(sa.func.sum(Target.value)).where(Target.year == 2027)) \
        == sum(v for v in full_grid.values() if v is not None)


def test_the_form_names_each_unreadable_cell_and_saves_nothing(client, signed_in, session):
    signed_in("grid.supervisor", roles=["supervisor"])
    token = csrf_of(client, "/cockpit/targets?year=2027")
    response = client.post("/cockpit/targets", data={
        "csrf_token": token, "year": "2027", "quarter": "0",
        "t.city.signed_projects": "十", "t.city.nonsense": "1",
        "t.yaodu.groundbreakings": "30"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "目标须为数字" in response.text
    assert 'is-invalid" name="t.city.signed_projects"' in response.text
    assert count(session, Target) == 0
