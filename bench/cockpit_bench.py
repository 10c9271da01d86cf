"""The leader cockpit at city scale: server time next to the raw SQL time of its queries.

Loads N projects (default 100,000) with their stage events, status changes, funds in place
and M follow-ups (default 1,000,000) into a throw-away SQLite file and, with --postgres, a
throw-away PostgreSQL database, using bulk Core inserts (executemany in chunks, not the
services). Then, for a few views (the whole city; one county; cohort mode):

  service    app.analytics.cockpit.cockpit(), every figure the page shows, computed
  raw SQL    the same statements, captured from one service call and re-run on the bare
             driver cursor (no SQLAlchemy), summed
  page cold  GET /cockpit through an in-process client (sign-in, lookups, rendering) just
             after a write (the data version moved: the figures are computed again)
  page warm  the same page again with nothing changed (the worker's figures are reused:
             one statement reads the data version)

and prints the medians over --runs runs and the service / raw ratio. Nothing here is a
test; the goal is a median under 150 ms.

    .venv/bin/python bench/cockpit_bench.py [--projects 100000] [--followups 1000000]
        [--runs 7] [--postgres postgresql://postgres@127.0.0.1:5432/test] [--skip-sqlite]
"""

import argparse
import re
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.db import create_db_engine
from bench import dataset
from bench.dataset import throwaway

# The data set is bench/dataset.py's, shared with bench/province_bench.py.
PASSWORD = dataset.PASSWORD
SHANGHAI = dataset.SHANGHAI


def load(url: str, projects: int, followups: int, today: date) -> dict[str, float]:
    """Migrate, then insert everything with executemany in chunks; returns timings."""
    return dataset.build(url, projects, followups, today).timings


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(url: str, runs: int, today: date) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from app.analytics.cockpit import cockpit
    from app.main import create_app, default_session_factory
    from app.projects.schemas import ProjectFilters

    engine = create_db_engine(url)
    city = Actor(user_id=1, name="bench", roles=frozenset({"leader"}), county_code=None)
    views = [
        ("city, year", dict(filters=ProjectFilters(), year=today.year), ""),
        ("one county", dict(filters=ProjectFilters(county="houma"), year=today.year),
         "&county=houma"),
        ("cohort, chain", dict(filters=ProjectFilters(chain="carbon"), year=today.year,
                               quarter=1, mode="cohort"), "&chain=carbon&quarter=1&mode=cohort"),
    ]
    app = create_app(session_factory=default_session_factory(engine))
    results = []
    with TestClient(app, base_url="http://testserver") as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post("/login", data={"username": "bench.staff", "password": PASSWORD,
                                    "csrf_token": token, "next": "/cockpit"},
                    follow_redirects=False)
        for name, kwargs, query in views:
            filters = kwargs.pop("filters")
            service, page_times, raw = [], [], []
            with Session(engine) as session:
                cockpit(session, city, filters, **kwargs)  # warm the caches
                with captured(engine) as statements:
                    cockpit(session, city, filters, **kwargs)
            for _ in range(runs):
                with Session(engine) as session:
                    started = time.perf_counter()
                    cockpit(session, city, filters, **kwargs)
                    service.append(time.perf_counter() - started)
            path = f"/cockpit?year={today.year}{query}"
            assert client.get(path).status_code == 200
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path)
                page_times.append(time.perf_counter() - started)
                assert response.status_code == 200
            cold_times = []
            for _ in range(runs):
                with engine.begin() as conn:  # what any write does: the cached figures go
                    conn.exec_driver_sql("UPDATE data_version SET n = n + 1 WHERE id = 1")
                started = time.perf_counter()
                response = client.get(path)
                cold_times.append(time.perf_counter() - started)
                assert response.status_code == 200
            per_statement: list[list[float]] = [[] for _ in statements]
            raw_connection = engine.raw_connection()
            try:
                for _ in range(runs):
                    cursor = raw_connection.cursor()
                    total = 0.0
                    for index, (statement, parameters) in enumerate(statements):
                        started = time.perf_counter()
                        cursor.execute(statement, parameters)
                        cursor.fetchall()
                        spent = time.perf_counter() - started
                        per_statement[index].append(spent)
                        total += spent
                    cursor.close()
                    raw_connection.rollback()
                    raw.append(total)
            finally:
                raw_connection.close()
            slowest = sorted(((median_ms(t), s) for t, (s, _p) in zip(per_statement, statements,
                                                                      strict=True)),
                             reverse=True)[:3]
            results.append({"view": name, "statements": len(statements),
                            "service": median_ms(service), "page": median_ms(page_times),
                            "cold": median_ms(cold_times),
                            "raw": median_ms(raw), "slowest": slowest})
    engine.dispose()
    return results


def report(label: str, timings: dict[str, float], results: list[dict[str, Any]]) -> None:
    print(f"\n== {label} ==")
    print("load: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"{'view':<16}{'stmts':>6}{'service ms':>12}{'raw SQL ms':>12}{'service/raw':>13}"
          f"{'page cold':>11}{'page warm':>11}{'warm/cold':>11}")
    for r in results:
        print(f"{r['view']:<16}{r['statements']:>6}{r['service']:>12.1f}{r['raw']:>12.1f}"
              f"{r['service'] / r['raw']:>13.2f}{r['cold']:>11.1f}{r['page']:>11.1f}"
              f"{r['page'] / r['cold']:>11.2f}")
    for r in results:
        print(f"  slowest statements, {r['view']}:")
        for ms, statement in r["slowest"]:
            print(f"    {ms:7.1f} ms  {' '.join(statement.split())[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--followups", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", help="server URL; a throw-away database is made there")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    today = datetime.now(SHANGHAI).date()
    targets = ([] if args.skip_sqlite else [("SQLite", None)]) + (
        [("PostgreSQL", args.postgres)] if args.postgres else [])
    print(f"{args.projects:,} projects, {args.followups:,} follow-ups, {args.runs} runs each")
    for label, server in targets:
        started = time.perf_counter()
        with throwaway(server) as url:
            timings = load(url, args.projects, args.followups, today)
            results = measure(url, args.runs, today)
        timings["total"] = time.perf_counter() - started
        report(label, timings, results)


if __name__ == "__main__":
    main()
