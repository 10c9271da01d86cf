"""Recording, verifying and reading the audit trail.

Every service records its own events with `record(session, actor, action, ...)` inside the
caller's unit of work: the row commits or rolls back with the change it describes. Nothing
here updates or deletes a row (see app/audit/models.py on retention).

The chain: each row's `row_hash` is HMAC-SHA256, with a key kept outside the database
(AUDIT_KEY, app/audit/keys.py), over a canonical serialisation of all its content and
`prev_hash`, the `row_hash` of the row with the highest id before it. Rows written before
keying are `hash_version` v1, plain SHA-256, and still verify, but only as the chain's
oldest rows: an unkeyed row after a keyed one is reported. Two writers must not both read
the same last hash:
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

The key proves that no row was changed, and the links that none was removed from the
middle. The chain alone cannot tell that its newest rows (or all of them) were removed:
`zhaoshang audit anchor` keeps the signed head outside the database (app/audit/anchors.py)
and `verify_chain` compares the chain with the last one. Its oldest rows leave only
through `zhaoshang audit archive` (app/audit/archive.py), which appends a keyed checkpoint
row the first remaining row must follow.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.audit.anchors import Anchor
from app.audit.keys import AuditKeyring
from app.audit.models import GENESIS_HASH, AuditAction, AuditEvent, Outcome
from app.db import lock_data_version, utcnow

# pg_advisory_xact_lock key for the chain's head: "ZSAUDIT1" read as a big-endian bigint.
CHAIN_LOCK_KEY = int.from_bytes(b"ZSAUDIT1", "big")
UNKEYED_VERSION = "v1"  # plain SHA-256: rows written before the chain was keyed
HASH_VERSION = "v2"  # HMAC-SHA256 with the key named by key_id
VERIFY_BATCH = 1000

# Every column the hash covers, in a fixed order (id is assigned later and is not content).
HASHED_COLUMNS = (
    "occurred_at", "user_id", "username", "roles", "client_id", "ip", "user_agent", "action",
    "object_type", "object_id", "changes", "outcome", "detail", "prev_hash",
)
# v2 also covers the key it is signed with (the version is in the payload itself).
KEYED_COLUMNS = (*HASHED_COLUMNS, "key_id")
# Everything a row holds, as an archive file keeps it.
STORED_COLUMNS = ("id", *KEYED_COLUMNS, "hash_version", "row_hash")
# session.info key of the rows `record` queues inside `chained_at_end`.
_QUEUE_KEY = "audit_chain_queue"

_LIMITS = {"username": 64, "roles": 128, "ip": 64, "user_agent": 300, "action": 64,
           "object_type": 32, "object_id": 64}


@dataclass(frozen=True)
class Finding:
    """One sign of tampering. `kind`: a row of the chain (CHAIN_KINDS), the chain against
    the anchor ("truncated", "emptied", "rewritten"), or an archive file ("archive")."""

    kind: str
    message: str
    row_id: int | None = None


CHAIN_KINDS = frozenset({"edited", "unlinked", "unkeyed", "unknown_key", "key_order"})


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None
    head_hash: str | None = None  # the last intact row's hash
    findings: tuple[Finding, ...] = ()
    head_id: int | None = None
    unkeyed: int = 0  # v1 rows at the start of the chain, before keying


def walk_result(walk: "ChainWalk", findings: list[Finding]) -> VerifyResult:
    broken = next((f for f in findings if f.kind in CHAIN_KINDS), None)
    first = broken or (findings[0] if findings else None)
    return VerifyResult(
        ok=not findings, checked=walk.checked,
        first_broken_id=broken.row_id if broken else None,
        reason=first.message if first else None,
        head_hash=walk.expected_prev if walk.checked else None, head_id=walk.last_id,
        findings=tuple(findings), unkeyed=walk.unkeyed,
    )


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


def compute_hash(content: Mapping[str, Any], keyring: AuditKeyring | None = None) -> str:
    """The row's hash by its `hash_version` (HASH_VERSION when absent): over the canonical
    form of every hashed column, timestamps as UTC ISO 8601 with microseconds, JSON with
    sorted keys and no spaces. v2 is keyed with the key named by `key_id` (KeyError when
    the keyring does not hold it); v1 is plain SHA-256, as rows before keying were."""
    version = content.get("hash_version") or HASH_VERSION
    columns = HASHED_COLUMNS if version == UNKEYED_VERSION else KEYED_COLUMNS
    canonical: dict[str, Any] = {}
    for column in columns:
        value = content[column]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        canonical[column] = value
    payload = json.dumps([version, canonical], sort_keys=True, ensure_ascii=False,
                         separators=(",", ":")).encode("utf-8")
    if version == UNKEYED_VERSION:
        return hashlib.sha256(payload).hexdigest()
    if version != HASH_VERSION:
        raise ValueError(f"unknown hash version {version!r}")
    keyring = keyring or AuditKeyring.from_settings()
    if content["key_id"] not in keyring.keys:
        raise KeyError(content["key_id"])
    return keyring.sign(content["key_id"], b"row", payload)


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
    """Append one event to the chain and flush it (inside `chained_at_end`: queue it); the
    caller's unit of work commits.

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
    event = AuditEvent(**content)
    queue = session.info.get(_QUEUE_KEY)
    if queue is not None:
        queue.append((event, content))
    else:
        _chain(session, [(event, content)])
    return event


def _chain(session: Session, rows: Sequence[tuple[AuditEvent, dict[str, Any]]]) -> None:
    """Links `rows` after the chain's last row, in order, and flushes them."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Lock order, the same in every writer: the data version's row, then the chain.
        lock_data_version(session)
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    prev_hash = _last_hash(session)
    keyring = AuditKeyring.from_settings()
    for event, content in rows:
        content |= {"prev_hash": prev_hash, "hash_version": HASH_VERSION,
                    "key_id": keyring.current_id}
        content["row_hash"] = prev_hash = compute_hash(content, keyring)
        for column in ("prev_hash", "hash_version", "key_id", "row_hash"):
            setattr(event, column, content[column])
    session.add_all(event for event, _content in rows)
    session.flush()
    ids = [event.id for event, _content in rows]
    if len(ids) > 1 and ids != sorted(ids):  # the chain runs by id: a bulk insert must keep it
        raise RuntimeError("audit rows were given ids out of the order they were chained in")


@contextmanager
def chained_at_end(session: Session) -> Iterator[None]:
    """For a bulk load in one unit of work (the demo): in the block `record` queues its rows,
    and they are chained and written in one go when it ends, in the order recorded. The
    trail is the one writing each at once gives, without a read of the chain's head and a
    flush a row. Nothing in the block may read the trail or roll back part of the work
    (a queued row would outlive it); on an error nothing is written (the caller rolls
    back)."""
    if _QUEUE_KEY in session.info:
        raise RuntimeError("chained_at_end does not nest")
    queue: list[tuple[AuditEvent, dict[str, Any]]] = []
    session.info[_QUEUE_KEY] = queue
    try:
        yield
    finally:
        del session.info[_QUEUE_KEY]
    _chain(session, queue)


@dataclass(frozen=True)
class Checkpoint:
    """What the newest `audit.archive` row says: the chain's rows up to `through_id` were
    archived, the last with `through_hash`, `archived_total` rows in all so far."""

    row_id: int
    through_id: int
    through_hash: str
    archived_total: int


def checkpoint_detail(through_id: int, through_hash: str, archived_total: int,
                      **more: Any) -> str:
    return json.dumps({"through_id": through_id, "through_hash": through_hash,
                       "archived_total": archived_total, **more}, sort_keys=True)


def latest_checkpoint(session: Session) -> Checkpoint | None:
    """The newest archive checkpoint; a mangled one comes back naming nothing archived,
    so the chain's first row is reported (the row itself fails its hash)."""
    row = session.execute(
        sa.select(AuditEvent.id, AuditEvent.detail)
        .where(AuditEvent.action == AuditAction.archive.value)
        .order_by(AuditEvent.id.desc()).limit(1)  # type: ignore[union-attr]
    ).first()
    if row is None:
        return None
    try:
        detail = json.loads(row.detail or "")
        return Checkpoint(row.id, int(detail["through_id"]), str(detail["through_hash"]),
                          int(detail["archived_total"]))
    except (ValueError, TypeError, KeyError):
        return Checkpoint(row.id, 0, GENESIS_HASH, 0)


class ChainWalk:
    """Checks rows one at a time in chain order: the version, the key, the hash and the link
    to the row before. The database's chain and archive files both walk through it."""

    def __init__(self, keyring: AuditKeyring, prev_hash: str = GENESIS_HASH,
                 position: int = 0, start: str = "it should be the first row") -> None:
        self.keyring, self.expected_prev, self.position = keyring, prev_hash, position
        self.start = start  # what the first row should follow, for the message
        self.last_id: int | None = None
        self.key_rank, self.checked, self.unkeyed = -1, 0, 0

    def step(self, row: Mapping[str, Any]) -> Finding | None:
        row_id, version = row["id"], row["hash_version"]
        if version == UNKEYED_VERSION and self.key_rank >= 0:
            return Finding("unkeyed", "it is unkeyed (hash v1) but follows keyed rows: it "
                           "was written or rewritten without the key", row_id)
        if version == HASH_VERSION:
            if row["key_id"] not in self.keyring.keys:
                return Finding("unknown_key", f"it is signed with key {row['key_id']}, which "
                               "is neither AUDIT_KEY nor in AUDIT_RETIRED_KEYS", row_id)
            rank = self.keyring.rank(row["key_id"])
            if rank < self.key_rank:
                return Finding("key_order", "it is signed with a retired key after rows "
                               "signed with a newer one", row_id)
        elif version != UNKEYED_VERSION:
            return Finding("edited", f"its hash version {version!r} is unknown", row_id)
        if compute_hash(row, self.keyring) != row["row_hash"]:
            return Finding("edited", "its content does not match its hash: it was changed, "
                           "or written without the key", row_id)
        if row["prev_hash"] != self.expected_prev:
            before = f"id {self.last_id}" if self.last_id is not None else self.start
            return Finding("unlinked", f"it does not follow the row before it ({before}): "
                           "a row is missing or was changed", row_id)
        if version == HASH_VERSION:
            self.key_rank = rank
        else:
            self.unkeyed += 1
        self.expected_prev, self.last_id = row["row_hash"], row_id
        self.checked += 1
        self.position += 1
        return None


def rows_in_order(session: Session, through_id: int | None = None
                  ) -> Iterable[Mapping[str, Any]]:
    """Every row (up to `through_id`) in id order, read in batches."""
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    columns = [table.c[name] for name in STORED_COLUMNS]
    last_id = 0
    while True:
        query = sa.select(*columns).where(table.c.id > last_id)
        if through_id is not None:
            query = query.where(table.c.id <= through_id)
        rows = session.execute(
            query.order_by(table.c.id).limit(VERIFY_BATCH)
        ).mappings().all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1]["id"]


def verify_chain(session: Session, keyring: AuditKeyring | None = None,
                 anchor: Anchor | None = None) -> VerifyResult:
    """Walk every row in id order, in batches, checking each hash with its key and that it
    points at the row before it (the first row at the genesis or the last archived row);
    stop at the first broken row. Then compare the chain with `anchor`, the last head
    noted outside the database: its row must still be here, unchanged, after as many rows."""
    keyring = keyring or AuditKeyring.from_settings()
    checkpoint = latest_checkpoint(session)
    if checkpoint is None:
        walk = ChainWalk(keyring)
    else:
        walk = ChainWalk(keyring, checkpoint.through_hash, checkpoint.archived_total,
                         start=f"the last archived row, id {checkpoint.through_id}, as "
                         f"checkpoint row {checkpoint.row_id} says")
    findings: list[Finding] = []
    anchored_position = None
    for row in rows_in_order(session):
        finding = walk.step(row)
        if finding is not None:
            findings.append(finding)
            break
        if anchor is not None and row["id"] == anchor.head_id:
            anchored_position = walk.position
    if anchor is not None:
        anchor_finding = _compare_with_anchor(session, anchor, checkpoint, anchored_position)
        findings += [anchor_finding] if anchor_finding else []
    return walk_result(walk, findings)


def _compare_with_anchor(session: Session, anchor: Anchor, checkpoint: Checkpoint | None,
                         anchored_position: int | None) -> Finding | None:
    if anchor.head_id is None:
        return None
    said = f"the anchor of {anchor.anchored_at} names head id {anchor.head_id}"
    head_hash = session.scalar(
        sa.select(AuditEvent.row_hash).where(AuditEvent.id == anchor.head_id))
    if head_hash is not None:
        if head_hash != anchor.head_hash:
            return Finding("rewritten", f"the anchored head id {anchor.head_id} no longer has "
                           f"the hash the anchor of {anchor.anchored_at} noted: the chain was "
                           "rewritten", anchor.head_id)
        if anchored_position is not None and anchored_position != anchor.count:
            return Finding("rewritten", f"the chain holds {anchored_position} rows up to "
                           f"the anchored head id {anchor.head_id}; the anchor counted "
                           f"{anchor.count}", anchor.head_id)
        return None
    last_id = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    if last_id is None:
        return Finding("emptied", f"every row was deleted: the trail is empty, but {said} "
                       f"after {anchor.count} rows")
    if last_id < anchor.head_id:
        return Finding("truncated", f"the anchored head id {anchor.head_id} is missing: the "
                       f"chain ends at id {last_id}, before it; {said}", anchor.head_id)
    if checkpoint is not None and anchor.head_id <= checkpoint.through_id:
        return None  # archived since it was anchored; the checkpoint row vouches for it
    return Finding("rewritten", f"the anchored head id {anchor.head_id} is missing from the "
                   f"middle of the chain; {said}", anchor.head_id)


def lock_chain(session: Session) -> None:
    """Hold off audit writers until this transaction ends (as `record` does on PostgreSQL;
    SQLite's write transactions are serialised already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))


def chain_head(session: Session, keyring: AuditKeyring | None = None,
               now: datetime | None = None) -> Anchor:
    """The head to anchor: last id and hash, and how many rows the chain has had in all
    (archived ones included). The chain lock keeps the three reads together."""
    lock_chain(session)
    keyring = keyring or AuditKeyring.from_settings()
    last = session.execute(
        sa.select(AuditEvent.id, AuditEvent.row_hash)
        .order_by(AuditEvent.id.desc()).limit(1)  # type: ignore[union-attr]
    ).first()
    checkpoint = latest_checkpoint(session)
    present = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    return Anchor(
        anchored_at=(now or utcnow()).astimezone(UTC).isoformat(timespec="seconds"),
        head_id=last.id if last else None, head_hash=last.row_hash if last else GENESIS_HASH,
        count=present + (checkpoint.archived_total if checkpoint else 0),
        key_id=keyring.current_id,
    )
