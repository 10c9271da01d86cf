"""A project's history (操作日志) as the project page shows it: who, when, what, changes.

Only auditors see where an event came from; colleagues' IP addresses and browsers are
left out of everyone else's rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.people import NAME_WITH_TITLE
from app.accounts.permissions import Actor, Permission
from app.activities.schemas import ACTIVITY_KIND_LABELS
from app.audit.models import ACTION_LABELS
from app.audit_trail.service import AuditEntry, object_history
from app.clock import local_text
from app.i18n import DEFAULT_LOCALE, _, translate
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone
from app.projects.confidential import masked_projects
from app.projects.models import Project
from app.projects.schemas import FIELD_LABELS, OWNERSHIP_LABELS
from app.projects.service import get_project
from app.projects.stages import STAGE_LABELS, STATUS_LABELS, TEAM_ROLE_LABELS, TERMINATION_LABELS

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
    "agreed_amount": _("Agreed amount (10,000 yuan)"),
    "contract_amount": _("Contract amount (10,000 yuan)"),
    "kind": _("follow-up type"),
    "reason_code": _("Reason"),
    "investor_name": _("investor name"),
    "credit_code": _("unified social credit code"),
    "hq_province": _("headquarters province"),
    "hq_city": _("headquarters city"),
    "ownership": _("ownership"),
    "contact_name": _("contact name"),
    "contact_title": _("contact title"),
    "contact_phone": _("contact phone"),
    "contact_email": _("contact e-mail"),
}

# Recorded codes read as their labels (each beside its enum), lookup codes as names.
CODE_LABELS: dict[str, dict[Any, str]] = {
    "stage": dict(STAGE_LABELS), "status": STATUS_LABELS, "kind": ACTIVITY_KIND_LABELS,
    "reason_code": TERMINATION_LABELS, "ownership": OWNERSHIP_LABELS,
}
LOOKUP_COLUMNS: dict[str, Any] = {
    "county_code": County, "category_code": Category, "chain_code": Chain,
    "chain_link_code": ChainLink, "region_code": Region, "method_code": Method,
    "zone_code": Zone,
}
USER_COLUMNS = ("leader_id",)
MONEY_COLUMNS = ("agreed_amount", "contract_amount", "total_investment")


@dataclass
class Names:
    """What ids and codes in a page of rows read as, for one reader: looked up once per
    kind (users, each lookup table, projects), whatever the number of rows."""

    locale: str = DEFAULT_LOCALE
    users: dict[int, str] = field(default_factory=dict)
    lookups: dict[str, dict[str, str]] = field(default_factory=dict)
    projects: dict[int, str] = field(default_factory=dict)


def _int(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _team_user(value: Any) -> int | None:
    return _int(value.split(":", 1)[0]) if isinstance(value, str) else None


def names_for(session: Session, actor: Actor, entries: Sequence[AuditEntry],
              locale: str = DEFAULT_LOCALE) -> Names:
    """The names behind the ids and codes of these rows. Only rows the reader may read
    come here (app.audit_trail.service), so naming their users is fine; projects a reader
    sees by code name keep it."""
    names = Names(locale=locale)
    user_ids: set[int] = set()
    codes: dict[str, set[str]] = {}
    project_ids: set[int] = set()
    for entry in entries:
        if entry.user_id is not None:
            user_ids.add(entry.user_id)
        if entry.object_type == "user" and (uid := _int(entry.object_id)) is not None:
            user_ids.add(uid)
        if entry.object_type == "project" and (pid := _int(entry.object_id)) is not None:
            project_ids.add(pid)
        for name, values in entry.changes.items():
            for value in values:
                uid = (_int(value) if name in USER_COLUMNS
                       else _team_user(value) if name == "team_member" else None)
                if uid is not None:
                    user_ids.add(uid)
                elif name in LOOKUP_COLUMNS and isinstance(value, str):
                    codes.setdefault(name, set()).add(value)
    if user_ids:
        names.users = {uid: name for uid, name in session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_(user_ids)))}
    english = locale != "zh_CN"
    for name, wanted in codes.items():
        table = LOOKUP_COLUMNS[name]
        names.lookups[name] = {code: (name_en if english else zh) for code, zh, name_en in
                               session.execute(sa.select(table.code, table.name, table.name_en)
                                               .where(table.code.in_(wanted)))}
    if project_ids:
        hidden = masked_projects(session, actor, project_ids)
        names.projects = {pid: hidden[pid].code_name if pid in hidden else name
                          for pid, name in session.execute(
                              sa.select(Project.id, Project.name)
                              .where(Project.id.in_(project_ids)))}
    return names


def shown_value(name: str, value: Any, names: Names) -> Any:
    """A recorded value as a person reads it: a label, a name, an amount; else as is."""
    if value is None or value == "":
        return value
    t = names.locale
    if name in CODE_LABELS and value in CODE_LABELS[name]:
        return translate(CODE_LABELS[name][value], t)
    if name in LOOKUP_COLUMNS:
        return names.lookups.get(name, {}).get(value, value)
    if name in USER_COLUMNS:
        uid = _int(value)
        return names.users.get(uid, value) if uid is not None else value
    if name == "team_member" and (uid := _team_user(value)) is not None:
        role = value.split(":", 1)[1] if ":" in value else ""
        person = names.users.get(uid, str(uid))
        return translate(NAME_WITH_TITLE, t, name=person,
                         title=translate(TEAM_ROLE_LABELS[role], t)) \
            if role in TEAM_ROLE_LABELS else person
    if name in MONEY_COLUMNS:
        try:
            return f"{Decimal(str(value)):,.2f}"
        except (InvalidOperation, ValueError):
            return value
    return _shown(name, value)


def operator_name(entry: AuditEntry, names: Names) -> str:
    """Who acted, by display name (the recorded username for clients and unknown names)."""
    if entry.user_id is not None and entry.user_id in names.users:
        return names.users[entry.user_id]
    return entry.username


def object_name(entry: AuditEntry, names: Names) -> str | None:
    """A user's or project's name (a project by code name for those who may not see it)."""
    object_id = _int(entry.object_id)
    if object_id is None:
        return None
    if entry.object_type == "user":
        return names.users.get(object_id)
    if entry.object_type == "project":
        return names.projects.get(object_id)
    return None


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


def changes_of(entry: AuditEntry, names: Names) -> list[Change]:
    return [Change(field_label(name), shown_value(name, values[0], names),
                   shown_value(name, values[1], names))
            for name, values in entry.changes.items()]


def history_for_project(session: Session, actor: Actor, project_id: int,
                        limit: int = 200, locale: str = DEFAULT_LOCALE) -> list[HistoryRow]:
    """The project's events, oldest first; NotFound outside the actor's county; a
    confidential project by its code name unless the actor works on it."""
    get_project(session, project_id, actor)
    auditor = actor.can(Permission.audit_read)
    events = object_history(session, actor, "project", project_id, limit=limit)
    names = names_for(session, actor, events, locale)
    return [
        HistoryRow(
            id=event.id or 0,
            occurred_at=event.occurred_at,
            username=operator_name(event, names),
            action=action_label(event.action),
            changes=changes_of(event, names),
            detail=event.detail,
            outcome=event.outcome,
            ip=event.ip if auditor else None,
            user_agent=event.user_agent if auditor else None,
        )
        for event in events
    ]
