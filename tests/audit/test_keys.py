"""The chain's key: settings, rotation, rows from before keying, and the database's
refusals once archiving is allowed."""

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from pydantic import ValidationError
from sqlmodel import Session

from app.audit.keys import AuditKeyring
from app.audit.models import GENESIS_HASH, AuditAction, AuditEvent
from app.audit.service import checkpoint_detail, compute_hash, record, verify_chain
from app.config import Settings, get_settings
from app.db import create_db_engine, session_scope
from tests.conftest import alembic_config, production_settings, throwaway_database

KEY_A = "a" * 40
KEY_B = "b" * 40
SECRET = secrets.token_urlsafe(48)
LONG_AGO = datetime.now(UTC) - timedelta(days=400)
# A row as the chain hashed it before keying, and the hash that code gave it.
V1_ROW = {
    "occurred_at": datetime(2026, 6, 30, 2, 0, 0, 123456, tzinfo=UTC), "user_id": None,
    "username": "wang.fang", "roles": "staff", "client_id": None, "ip": "203.0.113.7",
    "user_agent": None, "action": "project.create", "object_type": "project",
    "object_id": "1", "changes": '{"name": ["旧名", "新名"]}', "outcome": "success",
    "detail": None, "prev_hash": GENESIS_HASH,
}
V1_HASH = "918e56606cdba13b764ade814cb958f0b1300ff3af7e4cb855d504c51218ed6a"


@pytest.fixture
def audit_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Signs with KEY_A (list it before fixtures that record); returns a function: sign
    from now on with `current`, `retired` verified too."""

    def use(current: str, *retired: str) -> None:
        monkeypatch.setenv("AUDIT_KEY", current)
        monkeypatch.setenv("AUDIT_RETIRED_KEYS", ",".join(retired))
        get_settings.cache_clear()

    use(KEY_A)
    yield use
    get_settings.cache_clear()


def production(**settings: object) -> Settings:
    return production_settings(secret_key=SECRET, **settings)


@pytest.mark.parametrize(("audit_key", "why"), [
    (None, "AUDIT_KEY must be set"), ("short", "AUDIT_KEY is too short"),
    (KEY_A, "AUDIT_KEY is too easy to guess"), (SECRET, "AUDIT_KEY must differ from SECRET_KEY"),
], ids=["unset", "short", "repeated", "same-as-secret-key"])
def test_production_refuses_to_start_without_its_own_audit_key(audit_key, why):
    with pytest.raises(ValidationError, match=why):
        production(audit_key=audit_key)


def test_production_starts_with_an_audit_key():
    key = secrets.token_urlsafe(40)
    assert production(audit_key=key).audit_key == key


def test_a_retention_shorter_than_180_days_is_refused():
    with pytest.raises(ValidationError, match="at least 180"):
        Settings(audit_retention_days=179)
    assert Settings(audit_retention_days=365).audit_retention_days == 365


def test_development_signs_with_a_public_key_and_says_so():
    keyring = AuditKeyring.from_settings(Settings())

    assert keyring.development
    assert not AuditKeyring.from_settings(Settings(audit_key=KEY_A)).development


def test_rows_before_keying_keep_their_plain_sha256_hash():
    assert compute_hash(V1_ROW | {"hash_version": "v1"}) == V1_HASH


def test_a_row_is_signed_with_the_key_and_fails_with_another(audit_keys, session, staff):
    event = record(session, staff, AuditAction.export)

    assert event.hash_version == "v2" and event.key_id == AuditKeyring.of(KEY_A).current_id
    assert verify_chain(session).ok
    result = verify_chain(session, AuditKeyring.of(KEY_B))
    assert not result.ok and result.checked == 0
    assert "neither AUDIT_KEY nor in AUDIT_RETIRED_KEYS" in result.reason


def test_a_rotated_key_starts_a_new_segment_that_still_verifies(audit_keys, session, staff):
    old = record(session, staff, AuditAction.export)
    audit_keys(KEY_B, KEY_A)
    new = record(session, staff, AuditAction.export)

    assert new.prev_hash == old.row_hash and new.key_id != old.key_id
    assert verify_chain(session).ok


def test_a_retired_key_cannot_sign_after_the_newer_segment(audit_keys, session, staff):
    audit_keys(KEY_B, KEY_A)
    record(session, staff, AuditAction.export)
    audit_keys(KEY_A)  # a leaked retired key, signing again
    late = record(session, staff, AuditAction.export)

    result = verify_chain(session, AuditKeyring.of(KEY_B, [KEY_A]))

    assert result.first_broken_id == late.id
    assert "retired key" in result.reason


def test_rows_written_before_the_upgrade_still_verify_after_it(tmp_path: Path):
    with throwaway_database(tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "a3c7e2f94b10")
        engine = create_db_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO audit_event (occurred_at, username, roles, ip, action, "
                    "object_type, object_id, changes, outcome, prev_hash, row_hash) VALUES "
                    "(:at, :username, :roles, :ip, :action, :object_type, :object_id, "
                    ":changes, :outcome, :prev_hash, :row_hash)"),
                    V1_ROW | {"at": V1_ROW["occurred_at"] if engine.dialect.name != "sqlite"
                              else "2026-06-30 02:00:00.123456", "row_hash": V1_HASH})
            command.upgrade(config, "head")
            with session_scope(engine=engine) as session:
                new = record(session, None, AuditAction.login, username="wang.fang")
            with session_scope(write=False, engine=engine) as session:
                result = verify_chain(session)
        finally:
            engine.dispose()

    assert new.prev_hash == V1_HASH
    assert result.ok and result.checked == 2 and result.unkeyed == 1


def old_rows_and_checkpoint(session: Session, staff) -> tuple[AuditEvent, AuditEvent]:
    first = record(session, staff, AuditAction.export, now=LONG_AGO)
    second = record(session, staff, AuditAction.export, now=LONG_AGO)
    record(session, staff, AuditAction.archive, object_type="audit_event",
           object_id=first.id, detail=checkpoint_detail(first.id, first.row_hash, 1))
    return first, second


def refused(session: Session, statement: str, **params: object) -> None:
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), session.begin_nested():
        session.execute(sa.text(statement), params)


def test_the_database_deletes_only_old_rows_a_checkpoint_covers(session, staff):
    first, second = old_rows_and_checkpoint(session, staff)

    refused(session, "DELETE FROM audit_event WHERE id = :id", id=second.id)
    refused(session, "UPDATE audit_event SET detail = 'x' WHERE id = :id", id=first.id)
    session.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": first.id})

    assert session.get(AuditEvent, first.id, populate_existing=True) is None


def test_the_database_keeps_rows_younger_than_180_days_under_a_checkpoint(session, staff):
    recent = record(session, staff, AuditAction.export)
    record(session, staff, AuditAction.archive, object_type="audit_event",
           object_id=recent.id, detail=checkpoint_detail(recent.id, recent.row_hash, 1))

    refused(session, "DELETE FROM audit_event WHERE id = :id", id=recent.id)
