"""A burst of concurrent writes against the real server: a lost lock race must end in a
replay or a clear refusal, never in a 500.

Migrates a throw-away PostgreSQL database, seeds an agency client, a leader and --projects
projects, serves it with `uvicorn --factory app.main:create_app --workers 2` in a child
process and sends --writes writes (default 1,000) over --concurrency connections at once:

  create     a new project (40 %); every tenth names a company created just before it,
             so some race each other for the same investor (one wins, the others 409)
  follow-up  a follow-up on one of the seeded projects (40 %)
  stage      forward to intent or back to contact, on one of the seeded projects (20 %);
             a move the project has already made is refused (422), or 412/409 if raced

It prints the count of each status code per kind and in all, the time taken, and how many
requests the server ran again after losing a lock race (from its log). Goal: 0 × 500.
--checkout serves another checkout with its own .venv (e.g. the code before a change);
the database is migrated and seeded by this one. Nothing here is a test.

    .venv/bin/python bench/write_burst.py [--writes 1000] [--concurrency 32] [--workers 2]
        [--projects 20] [--postgres postgresql://postgres@127.0.0.1:5432/test]
        [--checkout /path/to/other/checkout]
"""

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from alembic import command
from alembic.config import Config

from app.accounts.permissions import Actor
from app.config import PROJECT_ROOT
from app.db import create_db_engine, session_scope
from bench.dataset import throwaway

PASSWORD = "Bench-pass-2026"
KINDS = ("create", "follow-up", "stage")
WEIGHTS = (40, 40, 20)


def seed(url: str, projects: int) -> tuple[str, int, list[int]]:
    """Migrate; an agency client (token), a leader (id) and projects with that leader."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    from app.accounts.service import create_user
    from app.clients.service import SCOPES, create_client
    from app.projects.schemas import ProjectCreate
    from app.projects.service import create_project

    engine = create_db_engine(url)
    with session_scope(engine=engine) as session:
        system = Actor.system("bench")
        token = create_client(session, system, name="写入压测", scopes=list(SCOPES),
                              rate_limit_per_minute=1_000_000).token
        leader_id = create_user(session, username="bench.leader", display_name="压测领导",
                                password=PASSWORD, roles=["leader"],
                                must_change_password=False).id
        ids = [create_project(session, ProjectCreate.model_validate(
            project_body(f"压测种子投资方{n:03d}有限公司", leader_id)), actor=system).id
            for n in range(projects)]
    engine.dispose()
    return token, leader_id, ids


def project_body(investor: str, leader_id: int) -> dict[str, Any]:
    return {"name": "年产10万套风电齿轮箱项目", "investor": {"name": investor},
            "category": "industrial", "chain": "wind", "region": "csj",
            "method": "by_chain", "county": "yaodu", "total_investment": "42000.00",
            "leader_id": leader_id}


def plan(writes: int, leader_id: int, project_ids: list[int]) -> list[tuple[str, str, dict]]:
    """(kind, path, body) for every write, in a fixed pseudo-random order."""
    rng = random.Random(42)
    happened_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    ops: list[tuple[str, str, dict]] = []
    for n in range(writes):
        kind = rng.choices(KINDS, WEIGHTS)[0]
        project = f"/api/v1/projects/{rng.choice(project_ids)}"
        if kind == "create":
            # Every tenth repeats the company of the write before it: a duplicate race.
            company = n - 1 if n % 10 == 0 and n else n
            ops.append((kind, "/api/v1/projects",
                        project_body(f"压测投资方{company:05d}有限公司", leader_id)))
        elif kind == "follow-up":
            ops.append((kind, f"{project}/activities",
                        {"kind": "call", "happened_at": happened_at,
                         "summary": f"压测跟进{n}"}))
        elif rng.random() < 0.5:
            ops.append((kind, f"{project}/transitions", {"to_stage": "intent"}))
        else:
            ops.append((kind, f"{project}/move-back",
                        {"to_stage": "contact", "reason": "压测退回"}))
    return ops


async def burst(base: str, token: str, ops: list[tuple[str, str, dict]],
                concurrency: int) -> Counter:
    answers: Counter = Counter()
    queue: asyncio.Queue = asyncio.Queue()
    for op in ops:
        queue.put_nowait(op)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120,
                                 headers={"Authorization": f"Bearer {token}"}) as client:

        async def worker() -> None:
            while not queue.empty():
                kind, path, body = queue.get_nowait()
                try:
                    status = (await client.post(path, json=body)).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                answers[(kind, status)] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return answers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(checkout: Path, url: str, workers: int, port: int, log: Any
                 ) -> subprocess.Popen:
    python = checkout / ".venv" / "bin" / "python"
    server = subprocess.Popen(
        [str(python), "-m", "uvicorn", "--factory", "app.main:create_app", "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level",
         "warning"],
        cwd=checkout, env={**os.environ, "DATABASE_URL": url}, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start; see its log above")


def report(answers: Counter, seconds: float, log_text: str) -> None:
    statuses = sorted({status for _kind, status in answers}, key=str)
    print(f"{'':10}" + "".join(f"{status!s:>8}" for status in statuses) + f"{'all':>8}")
    for kind in KINDS:
        row = [answers[(kind, status)] for status in statuses]
        print(f"{kind:10}" + "".join(f"{n:>8}" for n in row) + f"{sum(row):>8}")
    totals = [sum(n for (_k, s), n in answers.items() if s == status) for status in statuses]
    print(f"{'all':10}" + "".join(f"{n:>8}" for n in totals) + f"{sum(totals):>8}")
    print(f"{sum(totals)} writes in {seconds:.1f} s ({sum(totals) / seconds:.0f}/s); "
          f"replayed after a lost lock race: {log_text.count('lost a lock race')}; "
          f"server errors logged: {log_text.count('unhandled error')}")
    print(f"500s: {sum(n for (_k, s), n in answers.items() if s == 500)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--checkout", type=Path, default=PROJECT_ROOT)
    args = parser.parse_args()

    with throwaway(args.postgres) as url, tempfile.TemporaryFile("w+") as log:
        token, leader_id, project_ids = seed(url, args.projects)
        ops = plan(args.writes, leader_id, project_ids)
        port = free_port()
        server = start_server(args.checkout.resolve(), url, args.workers, port, log)
        try:
            started = time.perf_counter()
            answers = asyncio.run(burst(f"http://127.0.0.1:{port}", token, ops,
                                        args.concurrency))
            seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        log.seek(0)
        print(f"{args.writes} writes, {args.concurrency} at once, {args.workers} workers, "
              f"{args.checkout.resolve()}")
        report(answers, seconds, log.read())


if __name__ == "__main__":
    main()
