"""Reading the audit trail: the reader's county, what they may see of confidential
projects (code names), the auditor's search and an object's history. Kept apart from
app.audit, which records and verifies: every domain records, and this side reads the
domains (projects, users, clients, webhooks, targets) to scope the rows."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor, Permission
from app.analytics.models import Target
from app.audit.models import AuditEvent
from app.clients.models import ApiClient
from app.errors import PermissionDenied
from app.i18n import _
from app.projects.confidential import MASK, Hidden, masked_projects
from app.projects.models import Project
from app.projects.service import INVESTOR_AUDIT_FIELDS
from app.webhooks.models import WebhookSubscription

MAX_PAGE = 500  # rows per page of the audit search


# --- reading: the reader's county and what they may see of confidential projects -------------

@dataclass(frozen=True)
class AuditEntry:
    """One row as its reader may see it: `changes` decoded ({field: [before, after]}), and
    a confidential project's real name and description replaced for those who do not work
    on it (its code name, and MASK)."""

    id: int
    occurred_at: datetime
    user_id: int | None
    username: str
    roles: str
    client_id: int | None
    ip: str | None
    user_agent: str | None
    action: str
    object_type: str | None
    object_id: str | None
    changes: dict[str, list[Any]]
    outcome: str
    detail: str | None


def in_county(county_code: str, object_type: str | None = None) -> Any:
    """The rows a county's reader may see. A row about a project, user, API client, webhook
    subscription or target belongs to the county that object is in now; any other row
    (an export, a refused request, a setting) to the county of the user or client who
    acted. So rows about the city as a whole (city targets, the city's own users and
    clients, what they did to city-wide settings), sign-ins under unknown names, and rows
    about objects since deleted (a removed target) are the city's alone. With
    `object_type` (a filter the caller applies anyway) only that kind's objects are
    looked up."""
    def ids(column: Any, *where: Any) -> Any:  # as audit rows store object ids: text
        return sa.select(sa.cast(column, sa.String)).where(*where)

    clients = sa.select(ApiClient.id).where(ApiClient.county_code == county_code)
    placed = {
        "project": ids(Project.id, Project.county_code == county_code),
        "user": ids(User.id, User.county_code == county_code),
        "api_client": ids(ApiClient.id, ApiClient.county_code == county_code),
        "webhook_subscription": ids(WebhookSubscription.id,
                                    WebhookSubscription.client_id.in_(clients)),
        "target": ids(Target.id, Target.county_code == county_code),
    }
    unplaced = sa.or_(AuditEvent.object_type.is_(None),
                      AuditEvent.object_type.not_in(list(placed)))
    by_county = sa.or_(
        AuditEvent.user_id.in_(sa.select(User.id).where(User.county_code == county_code)),
        AuditEvent.client_id.in_(clients))
    # Kept an OR even when `object_type` leaves one kind: PostgreSQL then probes hashed
    # id lists while it walks the newest rows, not a slow semi-join (README, audit trail).
    return sa.or_(*(sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(query))
                    for kind, query in placed.items() if object_type in (None, kind)),
                  sa.and_(unplaced, by_county))


def _readable(actor: Actor, object_type: str | None = None) -> Any:
    if actor.county_code is None:
        return sa.true()
    return in_county(actor.county_code, object_type)


def _project_id(event: AuditEvent) -> int | None:
    text = event.object_id or ""
    if event.object_type == "project" and text.isascii() and text.isdigit() and len(text) < 10:
        return int(text)
    return None


def _names_ever(session: Session, hidden: dict[int, Hidden]) -> dict[int, list[str]]:
    """Every name each project has had (the current one, and those its rows recorded)."""
    names: dict[int, set[str]] = {pid: {h.name} for pid, h in hidden.items()}
    rows = session.execute(
        sa.select(AuditEvent.object_id, AuditEvent.changes).where(
            AuditEvent.object_type == "project",
            AuditEvent.object_id.in_([str(pid) for pid in hidden]),
            AuditEvent.changes.contains('"name": ['))
    ).all()
    for object_id, changes in rows:
        for value in json.loads(changes).get("name", []):
            if isinstance(value, str) and value:
                names[int(object_id)].add(value)
    return {pid: sorted(found, key=len, reverse=True) for pid, found in names.items()}


def _entry(event: AuditEvent, hidden: Hidden | None = None,
           names: Sequence[str] = ()) -> AuditEntry:
    """The row as its reader may see it; with `hidden`, every name the project has had
    reads as its code name and its investor's name as MASK, wherever they appear."""
    changes = event.changed_fields()
    detail = event.detail
    if hidden is not None:
        swaps = [*((name, hidden.code_name) for name in names), (hidden.investor_name, MASK)]

        def hide(value: Any) -> Any:
            if isinstance(value, str):
                for found, shown in swaps:
                    value = value.replace(found, shown)
            return value

        # The investor's fields (an edit of the investor) are hidden with it.
        replaced = {"name": hidden.code_name, "description": MASK,
                    **dict.fromkeys(INVESTOR_AUDIT_FIELDS.values(), MASK)}
        changes = {field: [None if value is None else replaced[field] if field in replaced
                           else hide(value) for value in values]
                   for field, values in changes.items()}
        detail = hide(detail)
    return AuditEntry(
        id=event.id or 0, occurred_at=event.occurred_at, user_id=event.user_id,
        username=event.username, roles=event.roles, client_id=event.client_id, ip=event.ip,
        user_agent=event.user_agent, action=event.action, object_type=event.object_type,
        object_id=event.object_id, changes=changes, outcome=event.outcome, detail=detail)


def _as_read_by(session: Session, actor: Actor, events: Sequence[AuditEvent]
                ) -> list[AuditEntry]:
    """The rows as this actor may see them: confidential projects they do not work on
    (app.projects.confidential) by code name, in `changes` and in `detail`."""
    hidden = masked_projects(session, actor, filter(None, map(_project_id, events)))
    names = _names_ever(session, hidden) if hidden else {}
    entries = []
    for event in events:
        project_id = _project_id(event)
        if project_id in hidden:
            entries.append(_entry(event, hidden[project_id], names[project_id]))
        else:
            entries.append(_entry(event))
    return entries


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
) -> list[AuditEntry]:
    """The auditor's page and GET /api/v1/audit: newest first, `limit` rows (at most 500)
    with id below `before_id` for the next page. `since` is inclusive, `until` exclusive.
    Auditors only; a county's auditor (or client) reads its county's rows (`in_county`),
    and everyone reads confidential projects by code name unless they work on them."""
    if not actor.can(Permission.audit_read):
        raise PermissionDenied(_("Only auditors may read the audit trail."))
    query = sa.select(AuditEvent).where(_readable(actor, object_type or None))
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
    return _as_read_by(session, actor, list(session.scalars(query)))


def object_history(
    session: Session,
    actor: Actor,
    object_type: str,
    object_id: object,
    limit: int = 200,
    after_id: int | None = None,
) -> list[AuditEntry]:
    """One object's events, oldest first, `limit` rows (at most 500) with id above
    `after_id` for the next page; for a project's history tab.

    Auditors may read any object's history. Anyone else may read a project's, if they may
    read projects: the caller must first check that this actor sees this project (e.g.
    `get_project`). The rows carry colleagues' IP addresses and user agents; a page for
    non-auditors shows who, when, what and the changes only. Read like `search`: within
    the reader's county, confidential projects by code name.
    """
    may_read = actor.can(Permission.audit_read) or (
        object_type == "project" and actor.can(Permission.project_read)
    )
    if not may_read:
        raise PermissionDenied(_("You may not read this history."))
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id),
               _readable(actor, object_type))
        .where(AuditEvent.id > (after_id or 0))  # type: ignore[operator]
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    return _as_read_by(session, actor, list(session.scalars(query)))
