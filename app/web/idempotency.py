"""`Idempotency-Key` on POST: the same key and body replays the first answer; the same key
with another body is refused (422). Keys belong to one caller and are kept 24 hours.

Only successful answers are kept: the key's row is written in the request's transaction,
so a refused or failed request leaves nothing and a retry runs again."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from app.db import utcnow
from app.errors import Conflict, ValidationFailed
from app.i18n import _
from app.web.models import IdempotencyKey

KEEP = timedelta(hours=24)
KEY_FIELD = "Idempotency-Key"


def request_hash(method: str, path: str, body: bytes) -> str:
    """Of the method, path and body; a JSON body in canonical form, so key order and
    white space do not make a retry look like another request."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


@dataclass
class Stored:
    status_code: int
    body: bytes
    headers: dict[str, str]


@dataclass
class Claim:
    """What `claim` found: a first use (store the answer with `remember`) or a replay."""

    row_id: int | None
    replay: Stored | None


def claim(session: Session, owner: str, key: str, fingerprint: str,
          now: datetime | None = None) -> Claim:
    now = now or utcnow()
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.owner == owner,
                                                 IdempotencyKey.key == key,
                                                 IdempotencyKey.created_at < now - KEEP))
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # A concurrent request with the same key waits here until the first one commits.
    row_id = session.execute(
        insert(IdempotencyKey)
        .values(owner=owner, key=key, request_hash=fingerprint, created_at=now)
        .on_conflict_do_nothing(index_elements=["owner", "key"])
        .returning(IdempotencyKey.id)
    ).scalar_one_or_none()
    if row_id is not None:
        return Claim(row_id=row_id, replay=None)
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.owner == owner,
                                                      IdempotencyKey.key == key))
    if row is None or row.status_code is None:
        raise Conflict(_("A request with this Idempotency-Key is still being processed."),
                       field=KEY_FIELD)
    if row.request_hash != fingerprint:
        raise ValidationFailed(
            _("This Idempotency-Key was already used with another request; use a new key."),
            field=KEY_FIELD)
    return Claim(row_id=None, replay=Stored(
        status_code=row.status_code, body=(row.response_body or "").encode(),
        headers=json.loads(row.response_headers or "{}")))


def remember(session: Session, row_id: int, status_code: int, body: bytes,
             headers: dict[str, Any]) -> None:
    row = session.get(IdempotencyKey, row_id)
    if row is None:
        return
    row.status_code = status_code
    row.response_body = body.decode()
    row.response_headers = json.dumps(headers, sort_keys=True)
    session.flush()


def purge(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    return session.execute(delete(IdempotencyKey)
                           .where(IdempotencyKey.created_at < now - KEEP)).rowcount
