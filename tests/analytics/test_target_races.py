"""Targets and warning rules saved at once by several supervisors, on real connections: each
save answers as a save (never a 500 from two inserts of one cell), and one row per cell
is left, holding one of the values sent."""

import sqlalchemy as sa

from app.accounts.service import create_user
from app.analytics.models import Target, WarningRule
from app.audit.models import AuditEvent
from app.db import session_scope
from tests.conftest import TEST_PASSWORD, csrf_of, live_client, login, race

RACERS = 4
ROUNDS = 6


def signed_in_clients(live_app, fresh_engine, n: int) -> list:
    with session_scope(engine=fresh_engine) as session:
        create_user(session, username="du.juan", display_name="杜娟", password=TEST_PASSWORD,
                    roles=["supervisor"], must_change_password=False)
    clients = [live_client(live_app) for _ in range(n)]
    for client in clients:
        assert login(client, "du.juan").status_code == 303
    return clients


def test_racing_saves_of_a_new_target_cell_all_save_and_leave_one_row(live_app,
                                                                       fresh_engine):
    clients = signed_in_clients(live_app, fresh_engine, RACERS)
    tokens = [csrf_of(client, "/cockpit/targets") for client in clients]
    for round_no in range(ROUNDS):
        year = str(2030 + round_no)  # a period no one has set: every racer inserts

        def save(n: int, year: str = year, quarter: str = str(round_no % 5)) -> int:
            return clients[n].post("/cockpit/targets", data={
                "csrf_token": tokens[n], "year": year, "quarter": quarter,
                "t.city.contracts": str(10 + n), "t.houma.start_rate": str(80 + n)},
                follow_redirects=False).status_code

        statuses = race(RACERS, save)
        assert statuses == [303] * RACERS, (round_no, statuses)
        with session_scope(write=False, engine=fresh_engine) as session:
            rows = session.execute(sa.select(Target.county_code, Target.metric, Target.value)
                                   .where(Target.year == int(year))).all()
            assert sorted((c or "", m) for c, m, _v in rows) == [
                ("", "contracts"), ("houma", "start_rate")], rows
            # The first save inserts, each later one updates what it found: every change
            # is audited against the value it replaced.
            audited = session.scalars(sa.select(AuditEvent.detail).where(
                AuditEvent.action == "target.set",
                AuditEvent.detail.like(f"{year} %"))).all()
            assert 2 <= len(audited) <= 2 * RACERS


def test_racing_saves_of_a_missing_warning_rule_all_save(live_app, fresh_engine):
    clients = signed_in_clients(live_app, fresh_engine, RACERS)
    tokens = [csrf_of(client, "/cockpit/targets") for client in clients]
    for round_no in range(ROUNDS):
        with session_scope(engine=fresh_engine) as session:
            session.execute(sa.delete(WarningRule).where(WarningRule.key == "idle"))

        def save(n: int) -> int:
            return clients[n].post("/cockpit/rules", data={
                "csrf_token": tokens[n], "rules.idle.yellow": str(5 + n),
                "rules.idle.red": str(20 + n)}, follow_redirects=False).status_code

        statuses = race(RACERS, save)
        assert statuses == [303] * RACERS, (round_no, statuses)
        with session_scope(write=False, engine=fresh_engine) as session:
            assert session.get(WarningRule, "idle").yellow in range(5, 5 + RACERS)
