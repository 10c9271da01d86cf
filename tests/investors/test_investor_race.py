"""Investor edits under concurrency, on real connections: two companies renamed to one
credit code (or one name) at once end with one 200 and one 409, never two investors with
one identity or a 500; two edits of one company from two of its projects queue (one 412),
they do not deadlock."""

import sqlalchemy as sa

from app.db import session_scope
from app.projects.investors import credit_code_check_char
from app.projects.models import Investor
from tests.conftest import agency_token, bearer, live_client, new_project, race

ROUNDS = 6


def code(n: int) -> str:
    first17 = f"9114020{n:010d}"
    return first17 + credit_code_check_char(first17)


def create(client, token, **overrides) -> int:
    response = client.post("/api/v1/projects", json=new_project(**overrides),
                           headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_two_companies_renamed_to_one_identity_at_once_one_wins(live_app, fresh_engine):
    token = agency_token(fresh_engine)
    clients = [live_client(live_app), live_client(live_app)]
    for round_no in range(ROUNDS):
        ids = [create(clients[0], token, name=f"项目{round_no}-{n}",
                      investor={"name": f"竞速公司{round_no}-{n}"}) for n in range(2)]
        # Even rounds race to one credit code, odd ones to one name.
        body = ({"credit_code": code(round_no)} if round_no % 2 == 0
                else {"name": f"同名新公司{round_no}有限公司"})
        statuses = race(2, lambda n, ids=ids, body=body: clients[n].patch(
            f"/api/v1/projects/{ids[n]}/investor", json=body,
            headers=bearer(token, **{"If-Match": '"1"'})).status_code)
        assert sorted(statuses) == [200, 409], (round_no, statuses)

    with session_scope(write=False, engine=fresh_engine) as session:
        names = session.scalars(sa.select(Investor.normalized_name)).all()
        assert len(names) == len(set(names)) == 2 * ROUNDS


def test_two_edits_of_one_company_from_two_projects_queue(live_app, fresh_engine):
    token = agency_token(fresh_engine)
    clients = [live_client(live_app), live_client(live_app)]
    for round_no in range(ROUNDS):
        first = create(clients[0], token, name=f"一期{round_no}",
                       investor={"name": f"共用公司{round_no}"})
        second = create(clients[0], token, name=f"二期{round_no}",
                        investor={"name": f"共用公司{round_no}"}, same_investor_as=first)
        ids = [second, first]  # the later project's editor locks in id order too
        statuses = race(2, lambda n, ids=ids, round_no=round_no: clients[n].patch(
            f"/api/v1/projects/{ids[n]}/investor", json={"hq_city": f"城市{n}"},
            headers=bearer(token, **{"If-Match": '"1"'})).status_code)
        assert sorted(statuses) == [200, 412], (round_no, statuses)
