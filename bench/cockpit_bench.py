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
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.config import PROJECT_ROOT
from app.db import create_db_engine

PASSWORD = "Bench-pass-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")
STAGES = ["contact", "intent", "signed", "contract", "groundbreaking", "production",
          "achieved"]
# Where projects stand: most are early, a few reach the end.
STAGE_WEIGHTS = [35, 25, 15, 10, 8, 5, 2]
CHAINS = ["wind", "pv", "hydrogen", "carbon", "equipment", "herbtea", "food", "hydraulics",
          "prefab", "chemical", "electric", "precision", "biomed", "home", "digital",
          "logistics", "ecommerce", "tourism"]
COUNTIES = ["yaodu", "houma", "huozhou", "quwo", "yicheng", "xiangfen", "hongtong", "guxian",
            "anze", "fushan", "jixian", "xiangning", "daning", "xixian", "yonghe", "puxian",
            "fenxi"]
REGIONS = ["jjj", "csj", "gba", "cy", "gzpy", "local", "hmt", "overseas", "other"]
METHODS = ["via_investor", "by_chain", "by_zone", "personal_ties", "by_county", "small_team",
           "fair", "office"]
CATEGORIES = ["industrial", "infrastructure", "livelihood", "tech_upgrade"]
KINDS = ["visit_out", "visit_in", "call", "meeting", "other"]
CHUNK = 20_000


@contextmanager
def throwaway(postgres: str | None) -> Iterator[str]:
    if not postgres:
        folder = tempfile.mkdtemp(prefix="zs-cockpit-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
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


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, dtime(hour), tzinfo=SHANGHAI).astimezone(UTC)


def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def load(url: str, projects: int, followups: int, today: date) -> dict[str, float]:
    """Migrate, then insert everything with executemany in chunks; returns timings."""
    from app.accounts.models import User, UserRole
    from app.accounts.service import create_user
    from app.activities.models import Activity
    from app.analytics.models import FundsEntry, Target
    from app.projects.models import Investor, Project, StageEvent, StatusChange

    timings: dict[str, float] = {}
    started = time.perf_counter()
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    engine = create_db_engine(url)
    rng = random.Random(20261123)
    with Session(engine) as session:
        # One real account (the page signs in with it); the leaders share its hash.
        staff = create_user(session, username="bench.staff", display_name="基准人员",
                            password=PASSWORD, roles=["staff"], must_change_password=False,
                            enforce_policy=False)
        session.commit()
        users, roles = User.__table__, UserRole.__table__
        first = staff.id + 1
        session.execute(sa.insert(users), [
            {"id": first + i, "username": f"bench.leader{i}", "display_name": f"领导{i:02d}",
             "title": "副县长", "county_code": COUNTIES[i % len(COUNTIES)],
             "password_hash": staff.password_hash, "is_active": True, "language": "zh_CN",
             "created_at": datetime.now(UTC), "failed_login_count": 0,
             "must_change_password": False} for i in range(40)])
        session.execute(sa.insert(roles), [{"user_id": first + i, "role": "leader"}
                                           for i in range(40)])
        session.commit()
        leaders = list(range(first, first + 40))
        if engine.dialect.name == "postgresql":
            session.execute(sa.text("SELECT setval(pg_get_serial_sequence('app_user', 'id'), "
                                    "(SELECT max(id) FROM app_user))"))
            session.commit()
    timings["users"] = time.perf_counter() - started

    started = time.perf_counter()
    now = datetime.now(UTC)
    first_day = today - timedelta(days=3 * 365)
    investor_rows, project_rows, event_rows, status_rows, funds_rows = [], [], [], [], []
    last_activity: list[datetime | None] = [None] * projects
    reported_days: list[date] = []
    for n in range(projects):
        pid = n + 1
        county = COUNTIES[n % len(COUNTIES)]
        rank = rng.choices(range(7), STAGE_WEIGHTS)[0]
        reported = first_day + timedelta(days=rng.randrange((today - first_day).days))
        reported_days.append(reported)
        day = reported
        events = [{"project_id": pid, "from_stage": None, "to_stage": "contact",
                   "is_backward": False, "happened_on": day, "recorded_at": at(day)}]
        for r in range(1, rank + 1):
            step = rng.randint(0, 90)
            if day + timedelta(days=step) > today:
                rank = r - 1
                break
            day += timedelta(days=step)
            events.append({"project_id": pid, "from_stage": STAGES[r - 1], "to_stage": STAGES[r],
                           "is_backward": False, "happened_on": day, "recorded_at": at(day)})
        stage = STAGES[rank]
        if rank >= 2 and rng.random() < 0.03 and day < today:
            day += timedelta(days=1)
            stage = STAGES[rank - 1]
            events.append({"project_id": pid, "from_stage": STAGES[rank], "to_stage": stage,
                           "is_backward": True, "happened_on": day, "recorded_at": at(day)})
        event_rows += events
        # The milestones the service keeps with the events: first day at each stage or later.
        milestones = {f"reached_{stage}_on": None for stage in STAGES}
        for event in events:
            for later in STAGES[:STAGES.index(event["to_stage"]) + 1]:
                milestones[f"reached_{later}_on"] = (milestones[f"reached_{later}_on"]
                                                     or event["happened_on"])
        total = Decimal(rng.randrange(100_00, 5_000_000_00)) / 100
        signed = rank >= 2
        status = rng.choices(["active", "paused", "terminated"], [85, 8, 7])[0]
        if status != "active":
            status_rows.append({"project_id": pid, "stage": stage, "from_status": "active",
                                "to_status": status, "happened_on": day,
                                "recorded_at": at(day),
                                "reason_code": "other" if status == "terminated" else None,
                                "reason": "基准"})
        planned = (reported + timedelta(days=rng.randint(60, 540))
                   if rng.random() < 0.6 else None)
        investor_rows.append({"id": pid, "name": f"基准投资方{n}",
                              "normalized_name": f"基准投资方{n}", "created_at": now})
        project_rows.append({
            "id": pid, "code": f"ZS-B-{n:07d}", "name": f"基准项目{n}", "investor_id": pid,
            "category_code": CATEGORIES[n % len(CATEGORIES)],
            "chain_code": CHAINS[rng.randrange(len(CHAINS))],
            "region_code": REGIONS[rng.randrange(len(REGIONS))],
            "method_code": METHODS[rng.randrange(len(METHODS))], "county_code": county,
            "first_report_county_code": county,
            "key_level": rng.choice([None, None, None, "city", "province"]),
            "total_investment": total,
            "agreed_amount": (total * Decimal("0.8")).quantize(Decimal("0.01")) if signed
            else None,
            "planned_groundbreaking_on": planned,
            "stage": stage, "status": status,
            "termination_reason": "other" if status == "terminated" else None,
            "leader_id": None if stage == "contact" and rng.random() < 0.5
            else leaders[n % len(leaders)],
            "search_text": f"基准项目{n} 基准投资方{n} zs-b-{n:07d}",
            "stage_entered_on": day, "first_reported_at": at(reported),
            "created_at": at(reported), "updated_at": at(day), "version": len(events),
            "is_confidential": False, **milestones})
        if signed and rng.random() < 0.5:
            for _ in range(rng.randint(1, 3)):
                on = day + timedelta(days=rng.randint(0, 200))
                if on <= today:
                    funds_rows.append({"project_id": pid, "on_date": on, "created_at": now,
                                       "amount": (total * Decimal(rng.randint(5, 30)) / 100)
                                       .quantize(Decimal("0.01"))})
    timings["generate"] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.begin() as conn:
        for rows in chunks(investor_rows):
            conn.execute(sa.insert(Investor), rows)
        for rows in chunks(project_rows):
            conn.execute(sa.insert(Project), rows)
        for rows in chunks(event_rows):
            conn.execute(sa.insert(StageEvent), rows)
        for rows in chunks(status_rows):
            conn.execute(sa.insert(StatusChange), rows)
        for rows in chunks(funds_rows):
            conn.execute(sa.insert(FundsEntry), rows)
        conn.execute(sa.insert(Target), [
            {"year": today.year, "quarter": 0, "county_code": county, "metric": metric,
             "value": Decimal(value), "updated_at": now}
            for county in [None, *COUNTIES]
            for metric, value in (("signed_projects", "800"), ("signed_amount", "9000000"),
                                  ("groundbreakings", "300"), ("funds_in_place", "2000000"))])
    timings["projects+events"] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for i in range(followups):
            n = rng.randrange(projects)
            start = reported_days[n]
            day = start + timedelta(days=rng.randrange(max(1, (today - start).days)))
            moment = at(day, rng.randint(8, 18))
            if last_activity[n] is None or moment > last_activity[n]:
                last_activity[n] = moment
            batch.append({"project_id": n + 1, "kind": KINDS[i % len(KINDS)],
                          "happened_at": moment, "summary": "电话沟通项目进展",
                          "created_at": moment})
            if len(batch) == CHUNK:
                conn.execute(sa.insert(Activity), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(Activity), batch)
        project = Project.__table__
        updates = [{"pid": n + 1, "last": moment} for n, moment in enumerate(last_activity)
                   if moment is not None]
        statement = (sa.update(project).where(project.c.id == sa.bindparam("pid"))
                     .values(last_activity_at=sa.bindparam("last")))
        for rows in chunks(updates):
            conn.execute(statement, rows)
    timings["followups"] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    timings["analyze"] = time.perf_counter() - started
    engine.dispose()
    return timings


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
