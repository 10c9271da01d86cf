"""Archiving rows past retention (`zhaoshang audit archive`) and checking archive files.

An archive file is JSON lines: a signed header (the rows' id range and count, the hash the
first row follows, the last row's hash, how many rows were archived before), then every
row with every column and its hashes, so it verifies on its own with the key. The rows
then leave the database in the same transaction that appends a keyed checkpoint row
(action `audit.archive`) naming the last archived row and its hash: the first remaining row
must follow it, and the database lets a row be deleted only under such a checkpoint (see
app/audit/models.py).
"""

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.audit.keys import AuditKeyring, BadSignature
from app.audit.models import GENESIS_HASH, AuditAction, AuditEvent
from app.audit.service import (
    STORED_COLUMNS,
    ChainWalk,
    Finding,
    VerifyResult,
    checkpoint_detail,
    latest_checkpoint,
    lock_chain,
    record,
    rows_in_order,
    walk_result,
)
from app.clock import local_date, local_midnight
from app.config import Settings
from app.db import utcnow

ARCHIVE_FORMAT = "zhaoshang-audit-archive"
ARCHIVE_DOMAIN = b"archive"
ARCHIVE_ACTOR = Actor.system("zhaoshang audit archive")


class ArchiveRefused(ValueError):
    """Archiving would cut into the retention period or overwrite a file."""


@dataclass(frozen=True)
class ArchiveSummary:
    count: int
    from_id: int
    through_id: int
    checkpoint_id: int
    sha256: str


def retention_cutoff(before: date, settings: Settings, now: datetime | None = None
                     ) -> datetime:
    """The start of `before` in the bureau's time zone, refused if it is not at least
    AUDIT_RETENTION_DAYS ago."""
    cutoff = local_midnight(before)
    latest = (now or utcnow()) - timedelta(days=settings.audit_retention_days)
    if cutoff > latest:
        last_day = local_date(latest)
        raise ArchiveRefused(
            f"{before} is within the {settings.audit_retention_days} days the trail is kept "
            f"(AUDIT_RETENTION_DAYS): archive before {last_day} at the latest")
    return cutoff


def archivable_through(session: Session, cutoff: datetime) -> int | None:
    """The last id of the chain's oldest rows that all occurred before `cutoff`: a row out
    of time order ends the run, so the rows that stay are the chain's unbroken tail."""
    first_kept = session.scalar(
        sa.select(sa.func.min(AuditEvent.id)).where(AuditEvent.occurred_at >= cutoff))
    query = sa.select(sa.func.max(AuditEvent.id))
    if first_kept is not None:
        query = query.where(AuditEvent.id < first_kept)  # type: ignore[operator]
    return session.scalar(query)


def _row_line(row: Mapping[str, Any]) -> str:
    stored = dict(row) | {"occurred_at": row["occurred_at"].astimezone(UTC).isoformat(
        timespec="microseconds")}
    return json.dumps(stored, sort_keys=True, ensure_ascii=False) + "\n"


def _row_of_line(line: str) -> dict[str, Any]:
    stored = json.loads(line)
    row = {column: stored[column] for column in STORED_COLUMNS}
    return row | {"occurred_at": datetime.fromisoformat(row["occurred_at"])}


def archive(session: Session, keyring: AuditKeyring, cutoff: datetime, out: Path,
            now: datetime | None = None) -> ArchiveSummary | None:
    """Write the chain's oldest rows before `cutoff` to `out` (which must not exist), append
    the checkpoint and delete them; None, and no file, when there is nothing to archive.
    The caller commits, or removes `out` if it cannot."""
    lock_chain(session)
    through_id = archivable_through(session, cutoff)
    if through_id is None:
        return None
    previous = latest_checkpoint(session)
    archived_before = previous.archived_total if previous else 0
    from_id, count = session.execute(
        sa.select(sa.func.min(AuditEvent.id), sa.func.count())
        .where(AuditEvent.id <= through_id)  # type: ignore[operator]
    ).one()
    through_hash = session.scalar(
        sa.select(AuditEvent.row_hash).where(AuditEvent.id == through_id))
    header = {"format": ARCHIVE_FORMAT, "created_at": (now or utcnow()).isoformat(),
              "before": cutoff.isoformat(), "from_id": from_id, "through_id": through_id,
              "count": count, "prev_hash": previous.through_hash if previous else GENESIS_HASH,
              "through_hash": through_hash, "archived_before": archived_before}
    digest = hashlib.sha256()
    try:
        with out.open("x", encoding="utf-8") as archive_file:
            for line in (keyring.signed_line(header, ARCHIVE_DOMAIN),
                         *map(_row_line, rows_in_order(session, through_id))):
                archive_file.write(line)
                digest.update(line.encode("utf-8"))
            archive_file.flush()
            os.fsync(archive_file.fileno())
    except FileExistsError:
        raise ArchiveRefused(f"{out} exists already: choose another file") from None
    checkpoint = record(
        session, ARCHIVE_ACTOR, AuditAction.archive, object_type="audit_event",
        object_id=through_id, now=now,
        detail=checkpoint_detail(through_id, through_hash, archived_before + count,
                                 file=out.name, sha256=digest.hexdigest()),
    )
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    session.execute(sa.delete(table).where(table.c.id <= through_id))
    return ArchiveSummary(count, from_id, through_id, checkpoint.id or 0, digest.hexdigest())


def verify_archive(path: Path, keyring: AuditKeyring
                   ) -> tuple[dict[str, Any] | None, VerifyResult]:
    """An archive file on its own: its header's signature, then every row's hash, key and
    link, from the hash its header says the first row follows to the last row it names."""
    walk = ChainWalk(keyring)
    with path.open(encoding="utf-8") as lines:
        try:
            header = keyring.read_signed(lines.readline(), ARCHIVE_DOMAIN)
            if header.get("format") != ARCHIVE_FORMAT:
                raise BadSignature("it is not an audit archive")
        except BadSignature as exc:
            return None, walk_result(walk, [Finding("archive", f"its header: {exc}")])
        walk = ChainWalk(keyring, header["prev_hash"], header["archived_before"],
                         start="the row before the archive")
        for number, line in enumerate(lines, start=2):
            try:
                row = _row_of_line(line)
            except (ValueError, KeyError, TypeError):
                return header, walk_result(walk, [Finding("archive",
                                                          f"line {number} is not a row")])
            finding = walk.step(row)
            if finding is not None:
                return header, walk_result(walk, [finding])
    ends = (walk.checked, walk.last_id, walk.expected_prev)
    if ends != (header["count"], header["through_id"], header["through_hash"]):
        return header, walk_result(walk, [Finding(
            "archive", f"it ends after {walk.checked} rows at id {walk.last_id}; its header "
            f"says {header['count']} rows up to id {header['through_id']}: rows were removed")])
    return header, walk_result(walk, [])


def archives_in_sequence(headers: list[dict[str, Any]]) -> Finding | None:
    """Archive files that should join up (sorted by position): each must start where the
    one before ended."""
    ordered = sorted(headers, key=lambda header: header["archived_before"])
    for before, after in pairwise(ordered):
        if (after["prev_hash"], after["archived_before"]) != (
                before["through_hash"], before["archived_before"] + before["count"]):
            return Finding("archive", f"the archive starting at id {after['from_id']} does "
                           f"not continue the one ending at id {before['through_id']}")
    return None
