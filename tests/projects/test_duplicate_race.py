"""The duplicate-investor rule under concurrency: identical creates racing each other end
with one live project and 409s, never two projects or a 500, on real connections."""

import sqlalchemy as sa

from app.db import session_scope
from app.projects.investors import credit_code_check_char
from app.projects.models import Investor, Project
from tests.conftest import agency_token, bearer, live_client, new_project, race

RACERS = 4
ROUNDS = 15


def credit_code(n: int) -> str:
    first17 = f"9114010{n:010d}"
    return first17 + credit_code_check_char(first17)


def project_body(**investor: str) -> dict:
    return new_project(investor=investor)


def test_racing_identical_creates_make_one_project_and_409s(live_app, fresh_engine):
    token = agency_token(fresh_engine)
    clients = [live_client(live_app) for _ in range(RACERS)]
    for round_no in range(ROUNDS):
        # Odd rounds name the investor by credit code as well as by name.
        investor = {"name": f"竞速新能源{round_no:02d}有限公司"}
        if round_no % 2:
            investor["credit_code"] = credit_code(round_no)
        body = project_body(**investor)
        statuses = race(RACERS, lambda n, body=body: clients[n].post(
            "/api/v1/projects", json=body, headers=bearer(token)).status_code)
        assert sorted(statuses) == [201] + [409] * (RACERS - 1), (round_no, statuses)

    with session_scope(write=False, engine=fresh_engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Project)) == ROUNDS
        assert session.scalar(sa.select(sa.func.count()).select_from(Investor)) == ROUNDS


def test_racers_naming_one_investor_by_name_and_by_code_make_one_project(live_app,
                                                                          fresh_engine):
    """One racer names a known investor by its name, the other by its credit code (under
    another name): they share no key, but they are the same company."""
    token = agency_token(fresh_engine)
    clients = [live_client(live_app), live_client(live_app)]
    for round_no in range(ROUNDS):
        name, code = f"老牌储能{round_no:02d}有限公司", credit_code(100 + round_no)
        known = clients[0].post("/api/v1/projects", json=project_body(name=name,
                                                                      credit_code=code),
                                headers=bearer(token))
        ended = clients[0].post(f"/api/v1/projects/{known.json()['id']}/terminate",
                                json={"reason_code": "investor_withdrew"},
                                headers=bearer(token))
        assert ended.status_code == 200, ended.text
        bodies = [project_body(name=name), project_body(name=f"储能新名{round_no:02d}",
                                                        credit_code=code)]
        statuses = race(2, lambda n, bodies=bodies: clients[n].post(
            "/api/v1/projects", json=bodies[n], headers=bearer(token)).status_code)
        assert sorted(statuses) == [201, 409], (round_no, statuses)
