"""The JSON shape of the audit trail (GET /api/v1/audit)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditOut(BaseModel):
    id: int
    occurred_at: datetime
    user_id: int | None
    username: str
    roles: str
    client_id: int | None
    ip: str | None
    action: str
    object_type: str | None
    object_id: str | None
    changes: dict[str, Any]
    outcome: str
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_cursor: str | None
