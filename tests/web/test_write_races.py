"""Concurrent writes on real connections: creates, follow-ups and stage moves from several
clients at once all succeed; none ends in a 500 (a deadlock, a lock time-out)."""

from collections import Counter
from datetime import timedelta

from app.accounts.service import create_user
from app.db import session_scope, utcnow
from tests.conftest import TEST_PASSWORD, agency_token, bearer, live_client, new_project, race

WRITERS = 8
ROUNDS = 5


def project_body(investor: str, leader_id: int) -> dict:
    return new_project(investor={"name": investor}, leader_id=leader_id)


def follow_up() -> dict:
    return {"kind": "call", "happened_at": (utcnow() - timedelta(hours=1)).isoformat(),
            "summary": "电话沟通用地需求"}


def test_concurrent_creates_follow_ups_and_stage_moves_all_succeed(live_app, fresh_engine,
                                                                     caplog):
    token = agency_token(fresh_engine)
    with session_scope(engine=fresh_engine) as session:
        leader_id = create_user(session, username="li.yunfeng", display_name="李云峰",
                                password=TEST_PASSWORD, roles=["leader"]).id
    auth = bearer(token)
    shared = live_client(live_app).post("/api/v1/projects", headers=auth,
                                       json=project_body("共用投资方有限公司", leader_id))
    shared_url = f"/api/v1/projects/{shared.json()['id']}"

    def write(n: int) -> list[tuple[str, int]]:
        client = live_client(live_app)
        answers = []
        for round_no in range(ROUNDS):
            created = client.post("/api/v1/projects", headers=auth,
                                  json=project_body(f"并发投资方{n}-{round_no}", leader_id))
            answers.append(("create", created.status_code))
            answers.append(("follow-up", client.post(f"{shared_url}/activities", headers=auth,
                                                     json=follow_up()).status_code))
            if created.status_code != 201:
                continue
            url = f"/api/v1/projects/{created.json()['id']}"
            answers.append(("follow-up", client.post(f"{url}/activities", headers=auth,
                                                     json=follow_up()).status_code))
            answers.append(("stage", client.post(f"{url}/transitions", headers=auth,
                                                 json={"to_stage": "intent"}).status_code))
        return answers

    answers = Counter(answer for answers in race(WRITERS, write) for answer in answers)
    assert answers == Counter({("create", 201): WRITERS * ROUNDS,
                               ("follow-up", 201): 2 * WRITERS * ROUNDS,
                               ("stage", 200): WRITERS * ROUNDS}), answers
    # Not even a replay (app.web.retry): the locks are taken in one order, nobody deadlocks.
    assert "lost a lock race" not in caplog.text
