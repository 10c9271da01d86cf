"""HTML door for the audit trail: the auditor's query page. Rules live in app.audit_trail.service.

Reading the trail is not itself recorded: every page view would add a row to the chain.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, model_validator

from app.accounts.permissions import ROLE_LABELS, Actor, Permission
from app.audit.models import ACTION_LABELS, OUTCOME_LABELS, Outcome
from app.audit_trail.history import (
    Change,
    Names,
    action_label,
    changes_of,
    names_for,
    object_name,
    operator_name,
)
from app.audit_trail.service import AuditEntry, search
from app.clock import local_midnight, local_text
from app.i18n import _
from app.inputs import MAX_ROW_ID
from app.web.deps import DbSession, requires
from app.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
OBJECT_TYPE_LABELS = {
    "project": _("Project"),
    "user": _("User"),
    "route": _("Page"),
}


class AuditQuery(BaseModel):
    """The query card's fields, from the query string; an empty field means no filter."""

    user: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=64)
    object_type: str | None = Field(default=None, max_length=32)
    object_id: str | None = Field(default=None, max_length=64)
    # Bounded so a day's midnight in any time zone is still a date (no overflow).
    date_from: date | None = Field(default=None, ge=date(1900, 1, 1), le=date(9998, 12, 31))
    date_to: date | None = Field(default=None, ge=date(1900, 1, 1), le=date(9998, 12, 31))
    outcome: Outcome | None = None
    before_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)

    @model_validator(mode="before")
    @classmethod
    def blank_is_none(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: (value.strip() or None) if isinstance(value, str) else value
                    for key, value in data.items()}
        return data

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Local calendar days as UTC instants: from the first day's midnight (inclusive)
        to the midnight after the last day (exclusive)."""
        since = until = None
        if self.date_from is not None:
            since = local_midnight(self.date_from)
        if self.date_to is not None:
            until = local_midnight(self.date_to + timedelta(days=1))
        return since, until

    def url(self, **overrides: Any) -> str:
        values = self.model_dump(mode="json") | overrides
        return "/audit?" + urlencode({k: v for k, v in values.items() if v is not None})

    @property
    def is_filtered(self) -> bool:
        return any(v is not None for k, v in self.model_dump().items() if k != "before_id")


@dataclass(frozen=True)
class AuditRow:
    id: int
    time: str  # local, YYYY-MM-DD HH:mm:ss
    username: str
    roles: list[str]  # label msgids
    ip: str | None
    action: str  # label msgid, or the recorded action
    object_type: str | None  # label msgid, or the recorded type
    object_id: str | None
    object_name: str | None  # a user's or project's name, as this reader may see it
    changes: list[Change]
    outcome: str
    detail: str | None


def _row(event: AuditEntry, names: Names) -> AuditRow:
    return AuditRow(
        id=event.id or 0,
        time=local_text(event.occurred_at, seconds=True),
        username=operator_name(event, names),
        roles=[ROLE_LABELS.get(role, role) for role in event.roles.split(",") if role],
        ip=event.ip,
        action=action_label(event.action),
        object_type=OBJECT_TYPE_LABELS.get(event.object_type or "", event.object_type),
        object_id=event.object_id,
        object_name=object_name(event, names),
        changes=changes_of(event, names),
        outcome=event.outcome,
        detail=event.detail,
    )


@router.get("/audit")
async def audit_trail(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.audit_read)],
    query: Annotated[AuditQuery, Query()],
) -> Response:
    since, until = query.bounds()
    # One row more than a page tells whether there is a next page.
    events = search(db, actor, username=query.user, action=query.action,
                    object_type=query.object_type, object_id=query.object_id, since=since,
                    until=until, outcome=query.outcome, limit=PAGE_SIZE + 1,
                    before_id=query.before_id)
    page = events[:PAGE_SIZE]
    names = names_for(db, actor, page, request.state.locale)
    rows = [_row(event, names) for event in page]
    next_url = query.url(before_id=rows[-1].id) if len(events) > PAGE_SIZE else None
    return render(
        request, "audit/list.html", block="table",
        headers={"Vary": "HX-Request"},
        active_nav="audit", query=query, rows=rows, next_url=next_url,
        first_url=query.url(before_id=None) if query.before_id else None,
        action_labels=ACTION_LABELS, object_type_labels=OBJECT_TYPE_LABELS,
        outcome_labels=OUTCOME_LABELS,
    )
