"""The audit chain at six months' size: how long `verify` (a full walk with the key, which
`anchor` and `archive` also do first) and `archive` take.

Builds N keyed rows (default 300,000, about six months of a busy bureau) into a throw-away
SQLite file and, with --postgres, a throw-away PostgreSQL database, hashing them as
`record` does but inserting in bulk. The first half is dated a year ago, so archiving
moves it. Nothing here is a test.

    .venv/bin/python bench/audit_chain_bench.py [--rows 300000]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--skip-sqlite]
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.audit.archive import archive
from app.audit.keys import AuditKeyring
from app.audit.models import GENESIS_HASH, AuditEvent
from app.audit.service import HASH_VERSION, compute_hash, verify_chain
from app.db import create_db_engine, session_scope
from tests.conftest import alembic_config, throwaway_database

CHUNK = 5000


def load(engine: Engine, rows: int, keyring: AuditKeyring) -> None:
    start = datetime.now(UTC) - timedelta(days=365)
    prev, batch = GENESIS_HASH, []
    with engine.begin() as connection:
        for i in range(rows):
            at = start + timedelta(minutes=i) if i < rows // 2 else datetime.now(UTC)
            content = {"occurred_at": at, "user_id": None, "username": f"user{i % 300}",
                       "roles": "staff", "client_id": None, "ip": "203.0.113.7",
                       "user_agent": "Mozilla/5.0", "action": "project.update",
                       "object_type": "project", "object_id": str(i % 5000),
                       "changes": '{"name": ["甲", "乙"]}', "outcome": "success",
                       "detail": None, "prev_hash": prev, "hash_version": HASH_VERSION,
                       "key_id": keyring.current_id}
            prev = compute_hash(content, keyring)
            batch.append(content | {"row_hash": prev})
            if len(batch) == CHUNK:
                connection.execute(sa.insert(AuditEvent.__table__), batch)
                batch = []
        if batch:
            connection.execute(sa.insert(AuditEvent.__table__), batch)


def timed(label: str, work) -> None:
    began = time.perf_counter()
    outcome = work()
    print(f"  {label:<28} {time.perf_counter() - began:7.2f} s   {outcome}")


def bench(url: str, rows: int, folder: Path) -> None:
    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    keyring = AuditKeyring.from_settings()
    try:
        timed(f"load {rows:,} rows", lambda: load(engine, rows, keyring))

        def verify() -> str:
            with session_scope(write=False, engine=engine) as session:
                result = verify_chain(session, keyring)
            return f"ok={result.ok} checked={result.checked:,}"

        def archive_half() -> str:
            with session_scope(engine=engine) as session:
                summary = archive(session, keyring, datetime.now(UTC) - timedelta(days=200),
                                  folder / f"archive-{engine.dialect.name}.jsonl")
            return f"archived {summary.count:,} rows"

        timed("verify (full walk)", verify)
        timed("archive the older half", archive_half)
        timed("verify after archiving", verify)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--postgres")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_sqlite:
            print("SQLite")
            bench(f"sqlite:///{folder}/audit-bench.db", args.rows, Path(folder))
        if args.postgres:
            import os
            os.environ["TEST_DATABASE_URL"] = args.postgres
            with throwaway_database(Path(folder)) as url:
                print("PostgreSQL")
                bench(url, args.rows, Path(folder))


if __name__ == "__main__":
    main()
