"""`zhaoshang audit verify / anchor / archive`, run in-process against a throw-away database
of the kind under test (TEST_DATABASE_URL), tampered with as a DBA could: triggers off,
rows changed or removed, hashes recomputed without the key."""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from typer.testing import CliRunner, Result

from app.accounts.permissions import Actor
from app.audit.cli import audit_app
from app.audit.models import AuditAction, AuditEvent
from app.audit.service import record
from app.db import create_db_engine, session_scope
from tests.conftest import alembic_config, reset_cached_settings, throwaway_database

runner = CliRunner()
LONG_AGO = datetime.now(UTC) - timedelta(days=400)
# The columns today's unkeyed chain hashes, as an attacker would read them from the code.
UNKEYED_COLUMNS = (
    "occurred_at", "user_id", "username", "roles", "client_id", "ip", "user_agent", "action",
    "object_type", "object_id", "changes", "outcome", "detail", "prev_hash",
)


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with throwaway_database(tmp_path) as url:
        command.upgrade(alembic_config(url), "head")
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
        reset_cached_settings()
        yield url
        reset_cached_settings()


def invoke(*args: str) -> Result:
    return runner.invoke(audit_app, list(args))


def record_events(n: int = 3, now: datetime | None = None) -> None:
    actor = Actor.system("cli-test")
    with session_scope() as session:
        for i in range(n):
            record(session, actor, AuditAction.project_update, object_type="project",
                   object_id=1, detail=f"event {i}",
                   now=None if now is None else now + timedelta(minutes=i))


def row_ids(url: str) -> list[int]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))
    finally:
        engine.dispose()


def tamper(url: str, statement: str, **params: object) -> None:
    """One statement past the append-only triggers, as the database's owner may."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
            else:
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_update")
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_delete")
            connection.execute(sa.text(statement), params)
    finally:
        engine.dispose()


def rewrite_without_key(url: str, from_id: int, detail: str, unkeyed: bool) -> None:
    """Edit row `from_id`, then recompute its hash and every later one with plain SHA-256,
    as the chain was hashed before keying; `unkeyed` also labels the rows v1."""
    engine = create_db_engine(url)
    table = AuditEvent.__table__
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(table.c.id, *(table.c[c] for c in UNKEYED_COLUMNS))
                .where(table.c.id >= from_id).order_by(table.c.id)).mappings().all()
    finally:
        engine.dispose()
    prev_hash = rows[0]["prev_hash"]
    for row in rows:
        content = dict(row) | {"prev_hash": prev_hash, "occurred_at": row["occurred_at"]
                               .astimezone(UTC).isoformat(timespec="microseconds")}
        if row["id"] == from_id:
            content["detail"] = detail
        payload = json.dumps(["v1", {c: content[c] for c in UNKEYED_COLUMNS}], sort_keys=True,
                             ensure_ascii=False, separators=(",", ":"))
        new_hash = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        relabel = ", hash_version = 'v1', key_id = NULL" if unkeyed else ""
        tamper(url, f"UPDATE audit_event SET detail = :detail, prev_hash = :prev, "
               f"row_hash = :hash{relabel} WHERE id = :id",
               detail=content["detail"], prev=prev_hash, hash=new_hash, id=row["id"])
        prev_hash = new_hash


def test_verify_passes_on_an_empty_trail(db_url):
    result = invoke("verify")

    assert result.exit_code == 0, result.output
    assert "OK: 0 rows, chain intact" in result.stdout


def test_verify_exits_0_on_an_intact_chain(db_url):
    record_events()

    result = invoke("verify")

    assert result.exit_code == 0, result.output
    assert "OK: 3 rows, chain intact" in result.stdout
    assert "Head hash: " in result.stdout


def test_verify_exits_1_naming_the_changed_row(db_url):
    record_events()
    second = row_ids(db_url)[1]
    tamper(db_url, "UPDATE audit_event SET detail = 'edited' WHERE id = :id", id=second)

    result = invoke("verify")

    assert result.exit_code == 1
    assert f"BROKEN at row {second}:" in result.stdout


def test_an_untouched_chain_matches_its_anchor(db_url, tmp_path):
    record_events()

    anchored = invoke("anchor")
    record_events(2)
    result = invoke("verify")

    assert anchored.exit_code == 0, anchored.output
    head = row_ids(db_url)[2]
    assert f"Anchored head id {head} (3 rows" in anchored.stdout
    assert len((tmp_path / "anchors.jsonl").read_text().splitlines()) == 1
    assert result.exit_code == 0, result.output
    assert "OK: 5 rows, chain intact" in result.stdout
    assert f"(head id {head}, 3 rows): consistent" in result.stdout


def test_removing_the_newest_rows_is_a_truncation_against_the_anchor(db_url):
    record_events(5)
    assert invoke("anchor").exit_code == 0
    ids = row_ids(db_url)

    tamper(db_url, "DELETE FROM audit_event WHERE id > :id", id=ids[2])
    result = invoke("verify")

    assert result.exit_code == 1
    assert (f"TRUNCATED: the anchored head id {ids[4]} is missing: the chain ends at id "
            f"{ids[2]}, before it") in result.stdout


def test_removing_every_row_is_reported_against_the_anchor(db_url):
    record_events()
    assert invoke("anchor").exit_code == 0

    tamper(db_url, "DELETE FROM audit_event")
    result = invoke("verify")

    assert result.exit_code == 1
    assert "EMPTIED: every row was deleted: the trail is empty" in result.stdout


@pytest.mark.parametrize("unkeyed", [False, True], ids=["as-v2", "relabelled-v1"])
def test_a_row_edited_and_rehashed_without_the_key_is_named(db_url, unkeyed):
    record_events(4)
    ids = row_ids(db_url)

    rewrite_without_key(db_url, ids[1], "nothing to see here", unkeyed)
    result = invoke("verify")

    assert result.exit_code == 1
    assert f"BROKEN at row {ids[1]}:" in result.stdout
    assert "unkeyed" in result.stdout if unkeyed else "hash" in result.stdout


def test_a_chain_rewritten_unkeyed_from_its_first_row_contradicts_the_anchor(db_url):
    record_events(3)
    assert invoke("anchor").exit_code == 0
    ids = row_ids(db_url)

    rewrite_without_key(db_url, ids[0], "nothing to see here", unkeyed=True)
    result = invoke("verify")

    assert result.exit_code == 1
    assert f"REWRITTEN: the anchored head id {ids[2]} no longer has the hash" in result.stdout


def test_an_edited_anchor_file_is_refused(db_url, tmp_path):
    record_events()
    assert invoke("anchor").exit_code == 0
    anchors = tmp_path / "anchors.jsonl"
    line = json.loads(anchors.read_text())
    anchors.write_text(json.dumps(line | {"count": 2}) + "\n")

    result = invoke("verify")

    assert result.exit_code == 1
    assert "line 1 does not verify: its signature does not match" in result.stderr


def test_anchor_refuses_to_pin_a_broken_chain(db_url, tmp_path):
    record_events()
    tamper(db_url, "DELETE FROM audit_event WHERE id = :id", id=row_ids(db_url)[1])

    result = invoke("anchor")

    assert result.exit_code == 1
    assert "Not anchored" in result.stderr
    assert not (tmp_path / "anchors.jsonl").exists()


def test_anchor_hands_the_line_to_a_command(db_url, tmp_path, monkeypatch):
    monkeypatch.delenv("AUDIT_ANCHOR_FILE")
    reset_cached_settings()
    record_events()
    copy = tmp_path / "shipped.jsonl"

    result = invoke("anchor", "--command", f"tee {copy}")

    assert result.exit_code == 0, result.output
    assert json.loads(copy.read_text())["count"] == 3


def test_archive_moves_old_rows_to_a_file_and_both_still_verify(db_url, tmp_path):
    record_events(3, now=LONG_AGO)
    record_events(2)
    assert invoke("anchor").exit_code == 0
    ids = row_ids(db_url)
    out = tmp_path / "audit-archive.jsonl"
    before = (datetime.now(UTC) - timedelta(days=200)).date().isoformat()

    archived = invoke("archive", "--before", before, "--out", str(out))

    assert archived.exit_code == 0, archived.output
    assert f"Archived 3 rows (ids {ids[0]}–{ids[2]})" in archived.stdout
    remaining = row_ids(db_url)
    assert remaining[:2] == ids[3:] and len(remaining) == 3  # and the checkpoint row
    verified = invoke("verify")
    assert verified.exit_code == 0, verified.output
    assert "OK: 3 rows, chain intact" in verified.stdout
    assert invoke("anchor").exit_code == 0
    archive_checked = invoke("verify", "--archive", str(out))
    assert archive_checked.exit_code == 0, archive_checked.output
    assert "3 rows" in archive_checked.stdout and "chain intact" in archive_checked.stdout


def test_an_edited_archive_file_is_reported(db_url, tmp_path):
    record_events(3, now=LONG_AGO)
    out = tmp_path / "audit-archive.jsonl"
    before = (datetime.now(UTC) - timedelta(days=200)).date().isoformat()
    assert invoke("archive", "--before", before, "--out", str(out)).exit_code == 0
    header, first, *rest = out.read_text().splitlines()
    edited = json.dumps(json.loads(first) | {"username": "someone.else"})
    out.write_text("\n".join([header, edited, *rest]) + "\n")

    result = invoke("verify", "--archive", str(out))

    assert result.exit_code == 1
    assert f"BROKEN at row {json.loads(first)['id']}:" in result.stdout


def test_rows_removed_from_the_start_without_archive_are_reported(db_url):
    record_events(3, now=LONG_AGO)
    first = row_ids(db_url)[0]

    tamper(db_url, "DELETE FROM audit_event WHERE id = :id", id=first)
    result = invoke("verify")

    assert result.exit_code == 1
    assert "it should be the first row" in result.stdout


def test_archive_refuses_rows_within_the_retention_period(db_url, tmp_path):
    record_events(3, now=LONG_AGO)
    out = tmp_path / "too-soon.jsonl"
    before = (datetime.now(UTC) - timedelta(days=100)).date().isoformat()

    result = invoke("archive", "--before", before, "--out", str(out))

    assert result.exit_code == 1
    assert "within the 180 days the trail is kept" in result.stderr
    assert not out.exists()
    assert len(row_ids(db_url)) == 3


def test_a_retention_shorter_than_180_days_is_refused(db_url, monkeypatch):
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "90")
    reset_cached_settings()

    result = invoke("verify")

    assert result.exit_code == 1
    assert "AUDIT_RETENTION_DAYS must be at least 180" in result.stderr
