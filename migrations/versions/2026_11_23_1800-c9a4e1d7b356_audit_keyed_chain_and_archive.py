"""audit trail: keyed chain (hash_version, key_id) and archiving past retention

- hash_version: existing rows are v1 (plain SHA-256) and keep verifying; new rows are v2,
  HMAC-SHA256 with the key named by key_id (AUDIT_KEY, outside the database).
- DELETE is allowed for `zhaoshang audit archive` only: a row older than 180 days (the
  legal floor, by the database's clock) that a later `audit.archive` checkpoint row covers.
  UPDATE (and TRUNCATE on PostgreSQL) stay refused. See app/audit/models.py for what a
  DBA can still do and how `zhaoshang audit verify` reports it.
- Downgrading drops hash_version and key_id: rows written since then stop verifying with
  the older code, which knows only v1.

Revision ID: c9a4e1d7b356
Revises: a3c7e2f94b10
Create Date: 2026-11-23 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c9a4e1d7b356"
down_revision: str | None = "a3c7e2f94b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_ARCHIVABLE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.occurred_at < now() - interval '180 days' AND EXISTS (
            SELECT 1 FROM audit_event checkpoint
            WHERE checkpoint.action = 'audit.archive' AND checkpoint.id > OLD.id
              AND checkpoint.object_type = 'audit_event'
              AND CASE WHEN checkpoint.object_id ~ '^[0-9]{1,18}$'
                       THEN checkpoint.object_id::bigint END >= OLD.id
        ) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$
"""
PG_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$
"""
SQLITE_ARCHIVABLE_TRIGGER = """
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
WHEN NOT (OLD.occurred_at < datetime('now', '-180 days') AND EXISTS (
    SELECT 1 FROM audit_event AS checkpoint
    WHERE checkpoint.action = 'audit.archive' AND checkpoint.id > OLD.id
      AND checkpoint.object_type = 'audit_event'
      AND CAST(checkpoint.object_id AS INTEGER) >= OLD.id))
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END
"""
SQLITE_APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch rebuild) keeps SQLite's triggers and never updates a row.
    op.add_column("audit_event", sa.Column(
        "hash_version", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
        server_default="v1"))
    op.add_column("audit_event", sa.Column(
        "key_id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_ARCHIVABLE_FUNCTION)
    else:
        op.execute("DROP TRIGGER audit_event_no_delete")
        op.execute(SQLITE_ARCHIVABLE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY_FUNCTION)
        op.drop_column("audit_event", "key_id")
        op.drop_column("audit_event", "hash_version")
        return
    # The batch rebuild drops the table's triggers: make them again afterwards.
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("hash_version")
    for statement in SQLITE_APPEND_ONLY_TRIGGERS:
        op.execute(statement)
