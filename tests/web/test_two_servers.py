"""Two app processes on one database behave as one: a session opened on one is good on the
other, failed log-ins on both add up to one lock-out, an agency client's rate limit counts
requests to both, an idempotent retry sent to the other replays the first answer, and a
write on one moves the cockpit the other shows. Each server is its own Python process, so
nothing can pass through memory."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from uuid import uuid4

import httpx
import pytest

from app.accounts.permissions import Actor
from app.accounts.service import create_user
from app.clients.service import create_client
from app.config import PROJECT_ROOT
from app.db import session_scope
from tests.conftest import ALL_SCOPES, SERVES_ON_A_PORT, TEST_PASSWORD, new_project

pytestmark = SERVES_ON_A_PORT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "test",
           "WEBHOOKS_BACKGROUND": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start: " + process.stderr.read().decode()[-2000:])


@pytest.fixture
def two_servers(fresh_engine) -> Iterator[dict]:
    database_url = fresh_engine.url.render_as_string(hide_password=False)
    with session_scope(engine=fresh_engine) as session:
        for username, name in (("two.staff", "双机甲"), ("two.guessed", "双机乙")):
            create_user(session, username=username, display_name=name, password=TEST_PASSWORD,
                        roles=["staff"], must_change_password=False)
        limited = create_client(session, Actor.system("test"), name="限流客户端",
                                scopes=ALL_SCOPES, rate_limit_per_minute=4).token
        busy = create_client(session, Actor.system("test"), name="写入客户端",
                             scopes=ALL_SCOPES, rate_limit_per_minute=100_000).token
    servers = [start_server(database_url) for _ in range(2)]
    try:
        yield {"a": servers[0][1], "b": servers[1][1], "limited": limited, "busy": busy}
    finally:
        for process, _url in servers:
            process.terminate()
            process.wait(timeout=10)


def log_in(client: httpx.Client, username: str, password: str = TEST_PASSWORD) -> httpx.Response:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, "next": "/account"})


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def contact_count(html: str) -> int:
    table = html[html.index('data-testid="funnel-table"'):]
    body = table[table.index("<tbody>"):]
    first_row = body[:body.index("</tr>")]
    cells = re.findall(r'<td class="num">(?:<a [^>]*>)?([\d,]+)', first_row)
    return int(cells[0].replace(",", ""))


def test_two_processes_share_sessions_lockouts_limits_replays_and_figures(two_servers):
    a, b = two_servers["a"], two_servers["b"]
    with httpx.Client(base_url=a) as on_a, httpx.Client(base_url=b) as on_b:
        # A session opened on A is good on B.
        assert log_in(on_a, "two.staff").status_code == 303
        on_b.cookies = on_a.cookies
        account = on_b.get("/account")
        assert account.status_code == 200 and "双机甲" in account.text  # not sent to /login

        # Five wrong passwords, alternating, lock the account on both.
        with httpx.Client(base_url=a) as guess_a, httpx.Client(base_url=b) as guess_b:
            for attempt in range(5):
                log_in(guess_a if attempt % 2 else guess_b, "two.guessed", "wrong-password")
            refused = log_in(guess_a, "two.guessed")
            assert refused.status_code != 303 and "锁定" in refused.text

        # Four requests a minute for this client: two on each, then the fifth is refused.
        limited = bearer(two_servers["limited"])
        answers = [(on_a if n % 2 else on_b).get("/api/v1/lookups/regions", headers=limited)
                   for n in range(5)]
        assert [r.status_code for r in answers[:4]] == [200] * 4
        assert answers[4].status_code == 429 and "retry-after" in answers[4].headers

        # The cockpit on A, then a project created through B (sent twice, once to each):
        # one project, the same answer, and A's cockpit counts it.
        assert log_in(on_a, "two.staff").status_code == 303
        before = contact_count(on_a.get("/cockpit").text)
        key = {"Idempotency-Key": uuid4().hex}
        body = new_project(name="双机幂等项目")
        first = on_b.post("/api/v1/projects", json=body,
                          headers=bearer(two_servers["busy"], **key))
        again = on_a.post("/api/v1/projects", json=body,
                          headers=bearer(two_servers["busy"], **key))
        assert first.status_code == 201, first.text
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
        assert contact_count(on_a.get("/cockpit").text) == before + 1
