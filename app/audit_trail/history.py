"""A project's history (操作日志) as the project page shows it: who, when, what, changes.

Only auditors see where an event came from; colleagues' IP addresses and browsers are
left out of everyone else's rows.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlmodel import Session

from app.accounts.permissions import Actor, Permission
from app.audit.models import ACTION_LABELS
from app.audit_trail.service import AuditEntry, object_history
from app.clock import local_text
from app.i18n import _
from app.projects.schemas import FIELD_LABELS
from app.projects.service import get_project

# Columns the services record under their own names; the rest read as FIELD_LABELS.
COLUMN_LABELS: dict[str, str] = {
    "code": _("project code"),
    "stage": _("stage"),
    "status": _("status"),
    "leader_id": _("responsible leader"),
    "happened_on": _("date it happened"),
    "deleted_at": _("deleted at"),
    "related_project_id": _("related project"),
    "team_member": _("team member"),
    "category_code": FIELD_LABELS["category"],
    "chain_code": FIELD_LABELS["chain"],
    "chain_link_code": FIELD_LABELS["chain_link"],
    "region_code": FIELD_LABELS["region"],
    "method_code": FIELD_LABELS["method"],
    "county_code": FIELD_LABELS["county"],
    "zone_code": FIELD_LABELS["zone"],
}


class Change(NamedTuple):
    field: str  # a label msgid, or the recorded name when it has none
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryRow:
    id: int
    occurred_at: datetime
    username: str
    action: str  # a label msgid, or the recorded action when it has none
    changes: list[Change]
    detail: str | None
    outcome: str
    # Auditors only; None for everyone else.
    ip: str | None = None
    user_agent: str | None = None


def field_label(name: str) -> str:
    return COLUMN_LABELS.get(name) or FIELD_LABELS.get(name) or name


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _shown(name: str, value: Any) -> Any:
    """A recorded timestamp (a `_at` column, kept in UTC) as a person reads it: local."""
    if not (name.endswith("_at") and isinstance(value, str)):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return local_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC), seconds=True)


def changes_of(entry: AuditEntry) -> list[Change]:
    return [Change(field_label(name), _shown(name, values[0]), _shown(name, values[1]))
            for name, values in entry.changes.items()]


def history_for_project(session: Session, actor: Actor, project_id: int,
                        limit: int = 200) -> list[HistoryRow]:
    """The project's events, oldest first; NotFound outside the actor's county; a
    confidential project by its code name unless the actor works on it."""
    get_project(session, project_id, actor)
    auditor = actor.can(Permission.audit_read)
    return [
        HistoryRow(
            id=event.id or 0,
            occurred_at=event.occurred_at,
            username=event.username,
            action=action_label(event.action),
            changes=changes_of(event),
            detail=event.detail,
            outcome=event.outcome,
            ip=event.ip if auditor else None,
            user_agent=event.user_agent if auditor else None,
        )
        for event in object_history(session, actor, "project", project_id, limit=limit)
    ]
