"""JSON door of the audit trail: GET /api/v1/audit, newest first."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.audit.schemas import AuditOut, AuditPage
from app.audit_trail.service import search
from app.clients.models import Scope
from app.web.api_deps import answer, problems, requires_scope
from app.web.api_types import Limit
from app.web.cursors import decode_cursor, encode_cursor
from app.web.deps import DbSession

router = APIRouter(prefix="/api/v1")


@router.get("/audit", response_model=AuditPage, tags=["audit"], operation_id="listAuditEvents",
            summary="The audit trail",
            responses=problems(422))
async def audit_events(
    db: DbSession,
    actor: Annotated[Actor, requires_scope(Scope.audit_read.value, Permission.audit_read)],
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[Limit, Query()] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Newest first."""
    after = decode_cursor(cursor, ("before",))
    rows = search(db, actor, action=action, object_type=object_type, object_id=object_id,
                  limit=limit + 1, before_id=int(after["before"]) if after else None)
    items = [AuditOut(id=e.id, occurred_at=e.occurred_at, user_id=e.user_id,
                      username=e.username, roles=e.roles, client_id=e.client_id, ip=e.ip,
                      action=e.action, object_type=e.object_type, object_id=e.object_id,
                      changes=e.changes, outcome=e.outcome, detail=e.detail)
             for e in rows[:limit]]
    next_cursor = encode_cursor({"before": rows[limit - 1].id}) if len(rows) > limit else None
    return answer(AuditPage(items=items, next_cursor=next_cursor))
