"""Engine and session design, measured: the project list served two ways, same query.

  design   async def route, sync Session used inline (what the app does)
  baseline def route + yield-session dependency, run in the thread pool (the tutorial way)
  page     the real /projects page (sign-in, scope, 20-row table, counts), for reference

Loads N projects (default 100,000) into a throw-away database, serves each variant with
uvicorn (one worker) in a child process and drives it from this process with 16
concurrent connections for a fixed time; prints requests/s, median and p99 latency, and
the design/baseline ratio measured in the same run. Nothing here is a test.

    .venv/bin/python bench/list_bench.py [--projects 100000] [--seconds 10]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import sqlalchemy as sa
import uvicorn
from alembic import command
from alembic.config import Config
from fastapi import Depends, FastAPI
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.config import PROJECT_ROOT
from app.db import create_db_engine

PASSWORD = "Bench-pass-2026"
CHAINS = ["wind", "pv", "hydrogen", "carbon", "equipment", "herbtea", "food", "digital"]
COUNTIES = ["yaodu", "houma", "huozhou", "quwo", "yicheng", "xiangfen", "hongtong"]
STAGES = ["contact", "intent", "signed", "contract", "groundbreaking", "production",
          "achieved"]
REGIONS = ["jjj", "csj", "gba", "cy", "gzpy", "local"]


@contextmanager
def throwaway(postgres: str | None) -> Iterator[str]:
    if not postgres:
        folder = tempfile.mkdtemp(prefix="zs-bench-")
        yield f"sqlite:///{folder}/bench.db"
        return
    name = f"zs_bench_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(postgres).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def load(url: str, projects: int) -> None:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    from app.accounts.service import create_user
    from app.projects.models import Investor, Project

    engine = create_db_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        leader = create_user(session, username="bench.leader", display_name="基准领导",
                             password=PASSWORD, roles=["leader"], must_change_password=False)
        create_user(session, username="bench.staff", display_name="基准人员",
                    password=PASSWORD, roles=["staff"], must_change_password=False)
        session.commit()
        chunk = 10_000
        for start in range(0, projects, chunk):
            size = min(chunk, projects - start)
            ids = session.scalars(
                sa.insert(Investor).returning(Investor.id, sort_by_parameter_order=True),
                [{"name": f"投资方{start + i}", "normalized_name": f"投资方{start + i}",
                  "created_at": now} for i in range(size)]).all()
            rows = []
            for i in range(size):
                n = start + i
                stage = STAGES[min(n % 13, 6)]
                rows.append({
                    "code": f"ZS-B-{n:07d}", "name": f"基准项目{n}", "investor_id": ids[i],
                    "category_code": "industrial", "chain_code": CHAINS[n % len(CHAINS)],
                    "region_code": REGIONS[n % len(REGIONS)], "method_code": "by_chain",
                    "county_code": COUNTIES[n % len(COUNTIES)],
                    "first_report_county_code": COUNTIES[n % len(COUNTIES)],
                    "total_investment": Decimal(1000 + (n * 37) % 90_000) / 10,
                    "stage": stage, "status": "active",
                    "leader_id": None if stage == "contact" else leader.id,
                    "search_text": f"基准项目{n} 投资方{n} zs-b-{n:07d}",
                    "stage_entered_on": now.date(), "first_reported_at": now,
                    "created_at": now, "updated_at": now, "version": 1,
                    "is_confidential": False})
            session.execute(sa.insert(Project), rows)
            session.commit()
    engine.dispose()


def make_variant(url: str, variant: str) -> FastAPI:
    from app.main import create_app, default_session_factory
    from app.projects.queries import list_projects
    from app.projects.schemas import ProjectFilters

    engine = create_db_engine(url)
    actor = Actor(user_id=1, name="bench", roles=frozenset({"staff"}), county_code=None)
    filters = ProjectFilters(chain="pv")
    if variant == "page":
        return create_app(session_factory=default_session_factory(engine))
    app = FastAPI()

    def as_json(page) -> dict:
        return {"total": page.total, "items": [
            {"id": r.id, "code": r.code, "name": r.name, "stage": r.stage,
             "total_investment": str(r.total_investment)} for r in page.rows]}

    if variant == "design":
        @app.get("/list")
        async def design_list() -> dict:
            with Session(engine) as session:
                return as_json(list_projects(session, actor, filters, per_page=50))
    else:
        def get_session() -> Iterator[Session]:
            with Session(engine) as session:
                yield session

        @app.get("/list")
        def baseline_list(session: Annotated[Session, Depends(get_session)]) -> dict:
            return as_json(list_projects(session, actor, filters, per_page=50))
    return app


def serve(url: str, variant: str, port: int) -> None:
    uvicorn.run(make_variant(url, variant), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def drive(base: str, path: str, seconds: float, connections: int,
                cookies: dict[str, str]) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, cookies=cookies,
                                 timeout=30) as client:
        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(path)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies


def sign_in(base: str) -> dict[str, str]:
    import re

    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post("/login", data={"username": "bench.staff", "password": PASSWORD,
                                    "csrf_token": token})
        return {"zs_session": client.cookies["zs_session"]}


def measure(url: str, variant: str, seconds: float, connections: int) -> dict[str, float]:
    port = free_port()
    process = multiprocessing.Process(target=serve, args=(url, variant, port), daemon=True)
    process.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/docs" if variant != "page" else base + "/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    cookies = sign_in(base) if variant == "page" else {}
    path = "/projects?chain=pv" if variant == "page" else "/list"
    asyncio.run(drive(base, path, 1.0, connections, cookies))  # warm-up
    latencies = asyncio.run(drive(base, path, seconds, connections, cookies))
    process.terminate()
    process.join()
    latencies.sort()
    return {"rps": len(latencies) / seconds,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (else SQLite)")
    args = parser.parse_args()
    os.environ.setdefault("ENVIRONMENT", "development")
    with throwaway(args.postgres) as url:
        started = time.perf_counter()
        load(url, args.projects)
        print(f"database: {make_url(url).get_backend_name()}, {args.projects:,} projects "
              f"loaded in {time.perf_counter() - started:.1f} s")
        results = {v: measure(url, v, args.seconds, args.connections)
                   for v in ("baseline", "design", "page")}
    print(f"{'variant':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for variant, r in results.items():
        print(f"{variant:<10}{r['rps']:>10.0f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}")
    ratio = results["design"]["rps"] / results["baseline"]["rps"]
    print(f"design / baseline throughput: {ratio:.2f}x "
          f"({args.connections} connections, one worker, same query, same run)")


if __name__ == "__main__":
    main()
