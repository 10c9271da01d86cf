"""The audit trail read by a county's auditor next to the city's: app.audit.service.search
on N audit rows (default 500,000: 80% about projects, 15% about users, 5% exports) over
P projects (default 20,000, one in ten confidential) in 17 counties, bulk inserted into a
throw-away SQLite file and, with --postgres, a throw-away PostgreSQL database. Prints the
median of 7 first pages (51 rows) per filter, on SQLite also after ANALYZE (the app never
runs it, and without statistics SQLite sorts a whole object type for one page). Nothing
here is a test.

    .venv/bin/python bench/audit_scope_bench.py [--rows 500000] [--projects 20000]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

import argparse
import hashlib
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from cockpit_bench import COUNTIES, chunks, throwaway
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor
from app.audit.models import GENESIS_HASH, AuditEvent
from app.audit.service import search
from app.config import PROJECT_ROOT
from app.db import create_db_engine
from app.projects.models import Investor, Project

FILTERS = ({}, {"object_type": "project"}, {"object_type": "user"},
           {"object_type": "cockpit"}, {"action": "auth.login"})


def load(engine: sa.Engine, rows: int, projects: int) -> None:
    rng, now = random.Random(20261207), datetime.now(UTC)
    with Session(engine) as session:
        investors = session.scalars(
            sa.insert(Investor).returning(Investor.id, sort_by_parameter_order=True),
            [{"name": f"投资方{i}", "normalized_name": f"投资方{i}", "created_at": now}
             for i in range(projects)]).all()
        project_ids = session.scalars(
            sa.insert(Project).returning(Project.id, sort_by_parameter_order=True), [
                {"code": f"B-{i:06d}", "name": f"项目{i}", "investor_id": investors[i],
                 "category_code": "industrial", "chain_code": "pv", "region_code": "csj",
                 "method_code": "by_chain", "county_code": COUNTIES[i % len(COUNTIES)],
                 "first_report_county_code": COUNTIES[i % len(COUNTIES)],
                 "total_investment": Decimal("1.00"), "stage": "contact", "status": "active",
                 "search_text": "", "stage_entered_on": now.date(), "first_reported_at": now,
                 "created_at": now, "updated_at": now, "version": 1,
                 "is_confidential": i % 10 == 0, "code_name": f"代号{i}"}
                for i in range(projects)]).all()
        user_ids = session.scalars(
            sa.insert(User).returning(User.id, sort_by_parameter_order=True), [
                {"username": f"bench{i}", "display_name": f"用户{i}",
                 "county_code": COUNTIES[i % len(COUNTIES)] if i % 5 else None,
                 "password_hash": "-", "is_active": True, "language": "zh_CN",
                 "created_at": now, "failed_login_count": 0, "must_change_password": False}
                for i in range(300)]).all()
        events, previous = [], GENESIS_HASH
        for i in range(rows):
            row_hash = hashlib.sha256(str(i).encode()).hexdigest()  # unique; not a real chain
            user_id, pick = rng.choice(user_ids), rng.random()
            if pick < 0.8:
                about = ("project", str(rng.choice(project_ids)), "project.stage")
            elif pick < 0.95:
                about = ("user", str(rng.choice(user_ids)), "auth.login")
            else:
                about = ("cockpit", "cockpit", "export")
            events.append({"occurred_at": now - timedelta(seconds=rows - i), "user_id": user_id,
                           "username": f"bench{user_id}", "roles": "staff",
                           "object_type": about[0], "object_id": about[1], "action": about[2],
                           "outcome": "success", "prev_hash": previous, "row_hash": row_hash})
            previous = row_hash
        for chunk in chunks(events):
            session.execute(sa.insert(AuditEvent), chunk)
        session.commit()
        if engine.dialect.name == "postgresql":  # autovacuum would soon; SQLite never does
            session.execute(sa.text("ANALYZE"))
            session.commit()


def measure(url: str, rows: int, projects: int) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    engine = create_db_engine(url)
    load(engine, rows, projects)
    report(engine, engine.dialect.name)
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        report(engine, "sqlite, after ANALYZE")
    engine.dispose()


def report(engine: sa.Engine, label: str) -> None:
    for reader, county in (("city", None), ("county", COUNTIES[1])):
        auditor = Actor(user_id=None, name="bench", roles=frozenset({"auditor"}),
                        county_code=county)
        for filters in FILTERS:
            samples = []
            for _run in range(7):
                with Session(engine) as session:
                    started = time.perf_counter()
                    search(session, auditor, limit=51, **filters)
                    samples.append((time.perf_counter() - started) * 1000)
            print(f"{label:<22} {reader:<6} {filters!s:<28} "
                  f"{statistics.median(samples):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    for postgres in (None, args.postgres) if args.postgres else (None,):
        with throwaway(postgres) as url:
            measure(url, args.rows, args.projects)


if __name__ == "__main__":
    main()
