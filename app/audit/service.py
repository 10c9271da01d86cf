"""Recording, verifying and reading the audit trail.

Every service records its own events with `record(session, actor, action, ...)` inside the
caller's unit of work: the row commits or rolls back with the change it describes. Nothing
here updates or deletes a row (see app/audit/models.py on retention).

The chain: each row's `row_hash` is SHA-256 over a canonical serialisation of all its
content and `prev_hash`, the `row_hash` of the row with the highest id before it. Two
writers must not both read the same last hash:
- PostgreSQL: `record` first takes a transaction-level advisory lock, so audit writers queue
  until the holder commits or rolls back, and ids come from the sequence in chain order.
  This relies on READ COMMITTED (the default): the read after the lock sees the last commit.
  Before it, `record` takes the data version's row lock (app.analytics.cache), which the
  triggers take at a writer's first change to a cockpit table: taken in both orders by
  two writers (a follow-up audited first and then touched its project, a create the other
  way round), the two locks deadlocked. The order for every writer: the rows it changes,
  then the data version, then the chain; a service changes or locks its rows before
  calling `record`.
- SQLite: write transactions are already serialised (`session_scope` opens them with BEGIN
  IMMEDIATE, see app/db.py); a deferred transaction that tries to write after another one
  committed fails with "database is locked" instead of forking.
Either way the unique `prev_hash` refuses a fork at the database.

The chain proves that no row was changed or removed from its middle. Removing the newest
rows leaves a shorter chain that is still intact; compare the head hash that
`zhaoshang audit verify` prints with one noted earlier to catch that.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.accounts.permissions import Actor, Permission
from app.analytics.cache import lock_data_version
from app.audit.models import GENESIS_HASH, AuditEvent, Outcome
from app.db import utcnow
from app.errors import PermissionDenied
from app.i18n import _

# pg_advisory_xact_lock key for the chain's head: "ZSAUDIT1" read as a big-endian bigint.
CHAIN_LOCK_KEY = int.from_bytes(b"ZSAUDIT1", "big")
HASH_VERSION = "v1"
VERIFY_BATCH = 1000
MAX_PAGE = 500

# Every column the hash covers, in a fixed order (id is assigned later and is not content).
HASHED_COLUMNS = (
    "occurred_at", "user_id", "username", "roles", "client_id", "ip", "user_agent", "action",
    "object_type", "object_id", "changes", "outcome", "detail", "prev_hash",
)

_LIMITS = {"username": 64, "roles": 128, "ip": 64, "user_agent": 300, "action": 64,
           "object_type": 32, "object_id": 64}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None
    head_hash: str | None = None  # the last intact row's hash, to note down elsewhere


def _clean(value: Any, column: str) -> str | None:
    """Text as both databases store it: cut to the column's length, no NUL (PostgreSQL
    refuses it), so the hash computed now matches the one recomputed from the row."""
    if value is None:
        return None
    text = str(value).replace("\x00", "\ufffd")
    limit = _LIMITS.get(column)
    return text[:limit] if limit else text


def _json_safe(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(_json_safe(v) for v in value)
    return value


def dumps_changes(changes: Mapping[str, Any] | None) -> str | None:
    if not changes:
        return None
    return json.dumps(changes, sort_keys=True, ensure_ascii=False, default=str)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Only the fields whose value changed, as {field: [before, after]}, JSON-safe.
    A field missing on one side counts as None there."""
    changed: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = [_json_safe(old), _json_safe(new)]
    return changed


def compute_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical form of a row: every hashed column, timestamps as UTC
    ISO 8601 with microseconds, JSON with sorted keys and no spaces."""
    canonical: dict[str, Any] = {}
    for column in HASHED_COLUMNS:
        value = content[column]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        canonical[column] = value
    payload = json.dumps([HASH_VERSION, canonical], sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _last_hash(session: Session) -> str:
    last = session.scalar(
        sa.select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)  # type: ignore[union-attr]
    )
    return last or GENESIS_HASH


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    changes: Mapping[str, Any] | None = None,
    outcome: str = Outcome.success,
    detail: str | None = None,
    username: str | None = None,
    user_id: int | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain and flush it; the caller's unit of work commits.

    With no Actor (a failed log-in, say) pass the attempted `username`, and `user_id`,
    `ip` and `user_agent` where known; with an Actor those come from it.
    """
    if outcome not in (Outcome.success, Outcome.failure):
        raise ValueError(f"outcome must be 'success' or 'failure', not {outcome!r}")
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime refused: pass an aware UTC datetime")
    if actor is not None:
        user_id, username, client_id = actor.user_id, actor.name, actor.client_id
        roles = ",".join(sorted(actor.roles))
        ip, user_agent = actor.ip or ip, actor.user_agent or user_agent
    else:
        client_id, roles = None, ""
    content: dict[str, Any] = {
        # The stored value, as read back: microseconds, UTC.
        "occurred_at": now.astimezone(UTC),
        "user_id": user_id,
        "username": _clean(username or "", "username"),
        "roles": _clean(roles, "roles"),
        "client_id": client_id,
        "ip": _clean(ip, "ip"),
        "user_agent": _clean(user_agent, "user_agent"),
        "action": _clean(action, "action"),
        "object_type": _clean(object_type, "object_type"),
        "object_id": _clean(object_id, "object_id"),
        "changes": _clean(dumps_changes(changes), "changes"),
        "outcome": str(outcome),
        "detail": _clean(detail, "detail"),
    }
    if session.get_bind().dialect.name == "postgresql":
        # Lock order, the same in every writer: the data version's row, then the chain.
        lock_data_version(session)
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    content["prev_hash"] = _last_hash(session)
    event = AuditEvent(**content, row_hash=compute_hash(content))
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> VerifyResult:
    """Walk every row in id order, in batches, recomputing each hash and checking that it
    points at the row before it. Stops at the first broken row."""
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    columns = [table.c.id, table.c.row_hash, *(table.c[name] for name in HASHED_COLUMNS)]
    expected_prev, last_id, checked = GENESIS_HASH, 0, 0
    while True:
        rows = session.execute(
            sa.select(*columns).where(table.c.id > last_id).order_by(table.c.id)
            .limit(VERIFY_BATCH)
        ).mappings().all()
        if not rows:
            return VerifyResult(ok=True, checked=checked,
                                head_hash=None if checked == 0 else expected_prev)
        for row in rows:
            if compute_hash(row) != row["row_hash"]:
                return VerifyResult(ok=False, checked=checked, first_broken_id=row["id"],
                                    reason="its content does not match its hash")
            if row["prev_hash"] != expected_prev:
                reason = (
                    "it does not follow the row before it"
                    + (f" (id {last_id})" if last_id else " (it should be the first row)")
                    + ": a row is missing or was changed"
                )
                return VerifyResult(ok=False, checked=checked, first_broken_id=row["id"],
                                    reason=reason)
            expected_prev, last_id = row["row_hash"], row["id"]
            checked += 1


def search(
    session: Session,
    actor: Actor,
    *,
    user_id: int | None = None,
    username: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
    since: datetime | None = None,
    until: datetime | None = None,
    outcome: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[AuditEvent]:
    """The auditor's page: newest first, `limit` rows (at most 500) with id below
    `before_id` for the next page. `since` is inclusive, `until` exclusive. Auditors only."""
    if not actor.can(Permission.audit_read):
        raise PermissionDenied(_("Only auditors may read the audit trail."))
    query = sa.select(AuditEvent)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if username:
        query = query.where(AuditEvent.username == username)
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == str(object_id))
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)  # type: ignore[operator]
    query = query.order_by(AuditEvent.id.desc()).limit(max(1, min(limit, MAX_PAGE)))  # type: ignore[union-attr]
    return list(session.scalars(query))


def object_history(
    session: Session,
    actor: Actor,
    object_type: str,
    object_id: object,
    limit: int = 200,
    after_id: int | None = None,
) -> list[AuditEvent]:
    """One object's events, oldest first, `limit` rows (at most 500) with id above
    `after_id` for the next page; for a project's history tab.

    Auditors may read any object's history. Anyone else may read a project's, if they may
    read projects: the caller must first check that this actor sees this project (e.g.
    `get_project`). The rows carry colleagues' IP addresses and user agents; a page for
    non-auditors shows who, when, what and the changes only.
    """
    may_read = actor.can(Permission.audit_read) or (
        object_type == "project" and actor.can(Permission.project_read)
    )
    if not may_read:
        raise PermissionDenied(_("You may not read this history."))
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .where(AuditEvent.id > (after_id or 0))  # type: ignore[operator]
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    return list(session.scalars(query))
