"""Archiving: which rows leave, the files they go to, and the chain left behind."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from app.audit.archive import (
    ArchiveRefused,
    archive,
    archives_in_sequence,
    retention_cutoff,
    verify_archive,
)
from app.audit.keys import AuditKeyring
from app.audit.models import AuditAction, AuditEvent
from app.audit.service import record, verify_chain
from app.config import Settings

NOW = datetime.now(UTC)
CUTOFF = NOW - timedelta(days=300)
KEYRING = AuditKeyring.from_settings()


def event(session: Session, at: datetime) -> AuditEvent:
    return record(session, None, AuditAction.export, username="wang.fang", now=at)


def test_the_cutoff_must_lie_past_the_retention_period():
    settings = Settings(audit_retention_days=365)
    now = datetime(2026, 12, 31, 4, 0, tzinfo=UTC)

    assert retention_cutoff(date(2025, 12, 31), settings, now) == datetime(
        2025, 12, 30, 16, 0, tzinfo=UTC)  # midnight in Beijing
    with pytest.raises(ArchiveRefused, match="archive before 2025-12-31 at the latest"):
        retention_cutoff(date(2026, 1, 1), settings, now)


def test_a_row_out_of_time_order_ends_what_is_archived(session, tmp_path):
    old = event(session, NOW - timedelta(days=400))
    event(session, NOW)
    event(session, NOW - timedelta(days=400))

    summary = archive(session, KEYRING, CUTOFF, tmp_path / "a.jsonl")

    assert summary.through_id == old.id
    assert verify_chain(session).ok


def test_archives_join_up_and_the_chain_still_verifies(session, tmp_path):
    for days in (500, 450, 400, 350):
        event(session, NOW - timedelta(days=days))
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"

    archive(session, KEYRING, NOW - timedelta(days=425), first)
    event(session, NOW)
    archive(session, KEYRING, CUTOFF, second)

    checks = [verify_archive(path, KEYRING) for path in (second, first)]
    assert all(result.ok for _, result in checks)
    assert archives_in_sequence([header for header, _ in checks]) is None
    result = verify_chain(session)
    # Both checkpoints and the newest row: a checkpoint leaves once it is old itself.
    assert result.ok and result.checked == 3
    assert archives_in_sequence([checks[0][0], checks[0][0]]) is not None


def test_an_archive_with_rows_cut_off_its_end_is_reported(session, tmp_path):
    for _ in range(3):
        event(session, NOW - timedelta(days=400))
    path = tmp_path / "archive.jsonl"
    archive(session, KEYRING, CUTOFF, path)

    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    _, result = verify_archive(path, KEYRING)

    assert not result.ok
    assert "rows were removed" in result.reason
