"""The audit trail: one append-only, HMAC-chained row per security-relevant event.

Retention: rows are kept for at least AUDIT_RETENTION_DAYS (180 or more, 网络安全法).
The app never updates a row, and deletes only through `zhaoshang audit archive`, which
first writes the rows to a file that verifies on its own and then appends a keyed
checkpoint row (action `audit.archive`) naming the last row archived and its hash. The
database refuses UPDATE always, and DELETE unless the row is older than 180 days by the
database's clock and a later checkpoint row covers its id (triggers from b7e3a1c90d21,
relaxed for archiving in c9a4e1d7b356; PostgreSQL also refuses TRUNCATE).

What a DBA can still do, and what `zhaoshang audit verify` then reports: disable the
triggers and change or remove anything. Without AUDIT_KEY (which lives in the app's
settings, not the database) a changed row, a forged checkpoint or a removed middle row
breaks the keyed chain; removing the oldest rows without a checkpoint leaves a first row
that follows nothing; removing the newest rows, or all of them, contradicts the last
anchor (`zhaoshang audit anchor`, a signed head kept outside the database). Rows added
after the last anchor can be removed unnoticed: anchor often.
"""

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.i18n import _

GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    """The actions the services record; `record` accepts any string, these are the usual."""

    login = "auth.login"
    login_failed = "auth.login_failed"
    logout = "auth.logout"
    locked = "auth.locked"
    project_create = "project.create"
    project_update = "project.update"
    project_delete = "project.delete"
    project_restore = "project.restore"
    project_stage = "project.stage"
    project_leader = "project.leader"
    project_status = "project.status"
    activity_create = "activity.create"
    export = "export"
    permission_denied = "permission.denied"
    contact_unmask = "contact.unmask"
    contact_create = "contact.create"
    contact_update = "contact.update"
    contact_delete = "contact.delete"
    investor_update = "investor.update"
    user_create = "user.create"
    user_disable = "user.disable"
    user_enable = "user.enable"
    user_password = "user.password"
    project_team = "project.team"
    csrf_refused = "csrf.refused"
    session_revoke = "session.revoke"
    archive = "audit.archive"


# For the auditor page's action filter and the history tab.
ACTION_LABELS: dict[str, str] = {
    AuditAction.login: _("Logged in"),
    AuditAction.login_failed: _("Failed log-in"),
    AuditAction.logout: _("Logged out"),
    AuditAction.locked: _("Account locked"),
    AuditAction.project_create: _("Created project"),
    AuditAction.project_update: _("Updated project"),
    AuditAction.project_delete: _("Deleted project"),
    AuditAction.project_restore: _("Restored project"),
    AuditAction.project_stage: _("Moved stage"),
    AuditAction.project_leader: _("Assigned leader"),
    AuditAction.project_status: _("Changed status"),
    AuditAction.activity_create: _("Recorded activity"),
    AuditAction.export: _("Exported data"),
    AuditAction.permission_denied: _("Permission refused"),
    AuditAction.contact_unmask: _("Viewed unmasked contact details"),
    AuditAction.contact_create: _("Added investor contact"),
    AuditAction.contact_update: _("Changed investor contact"),
    AuditAction.contact_delete: _("Removed investor contact"),
    AuditAction.investor_update: _("Changed investor"),
    AuditAction.user_create: _("Created user"),
    AuditAction.user_disable: _("Disabled user"),
    AuditAction.user_enable: _("Enabled user"),
    AuditAction.user_password: _("Changed password"),
    AuditAction.project_team: _("Changed the team"),
    AuditAction.csrf_refused: _("Refused a form without a valid token"),
    AuditAction.session_revoke: _("Revoked session"),
    AuditAction.archive: _("Archived old audit rows"),
}


class Outcome(StrEnum):
    success = "success"
    failure = "failure"


OUTCOME_LABELS: dict[str, str] = {
    Outcome.success: _("Succeeded"),
    Outcome.failure: _("Failed"),
}


class AuditEvent(SQLModel, table=True):
    """Who did what to which object, from where, and whether it worked.

    `username` and `roles` are copied in so a row stands alone; `changes` is JSON text,
    {"field": [before, after]}, serialised once so its hash is the same on every database.
    `row_hash` covers every other column and `prev_hash`, the row before's `row_hash`; the
    unique `prev_hash` makes a forked chain (two rows after the same one) impossible.
    `hash_version` says how: v1 (rows written before keying) is plain SHA-256, v2 is
    HMAC-SHA256 with the key whose id is `key_id` (see app/audit/keys.py).
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.CheckConstraint("outcome IN ('success', 'failure')", name="known_outcome"),
        # The auditor's filters and the history tab, each read newest or oldest first by id.
        sa.Index("ix_audit_event_object", "object_type", "object_id", "id"),
        sa.Index("ix_audit_event_user", "user_id", "id"),
        sa.Index("ix_audit_event_username", "username", "id"),
        sa.Index("ix_audit_event_action", "action", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    username: str = Field(max_length=64)
    roles: str = Field(default="", max_length=128)
    client_id: int | None = Field(default=None)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)
    action: str = Field(max_length=64)
    object_type: str | None = Field(default=None, max_length=32)
    object_id: str | None = Field(default=None, max_length=64)
    changes: str | None = Field(default=None, sa_type=sa.Text)
    outcome: str = Field(default=Outcome.success.value, max_length=16)
    detail: str | None = Field(default=None, sa_type=sa.Text)
    prev_hash: str = Field(max_length=64, unique=True)
    row_hash: str = Field(max_length=64, unique=True)
    # A row inserted without a version predates keying.
    hash_version: str = Field(max_length=8, sa_column_kwargs={"server_default": "v1"})
    key_id: str | None = Field(default=None, max_length=16)

    def changed_fields(self) -> dict[str, list[Any]]:
        """`changes` decoded: {"field": [before, after]}."""
        return json.loads(self.changes) if self.changes else {}
