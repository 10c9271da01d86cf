"""Project rules, each in one function: creation and duplicates, edits, stage moves,
pause / resume / terminate, the one responsible leader, the team.

Services never commit (the caller's unit of work does) and take the acting user.
Every change bumps `version`; a caller that read an older version is refused.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from pypinyin import Style, lazy_pinyin
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from app.accounts.models import User, UserRole
from app.accounts.people import PersonOption
from app.accounts.permissions import MATRIX, Actor, Permission, Role
from app.audit.models import AuditAction
from app.audit.service import diff, record
from app.clock import local_date, local_text
from app.db import utcnow
from app.errors import (
    AppError,
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from app.i18n import _
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone
from app.projects.confidential import (
    CONFIDENTIAL_FIELDS,
    masked_projects,
    shown_names,
    works_on_project,
)
from app.projects.investors import (
    clean_credit_code,
    conflicting_investor,
    find_matching_investors,
    lock_investor_identities,
    lock_investor_identity,
    normalize_name,
    resolve_investor,
)
from app.projects.models import (
    CodeSequence,
    Investor,
    LeaderAssignment,
    Project,
    SavedView,
    StageEvent,
    StatusChange,
    TeamMember,
    reached_on,
)
from app.projects.schemas import (
    FIELD_LABELS,
    Evidence,
    InvestorUpdate,
    LeaderAssignIn,
    MoveBackIn,
    PauseIn,
    ProjectCreate,
    ProjectUpdate,
    ResumeIn,
    TeamMemberIn,
    TerminateIn,
    TransitionIn,
)
from app.projects.stages import (
    EVIDENCE_LABELS,
    LEADER_REQUIRED_FROM,
    REQUIRED_EVIDENCE,
    STAGE_ORDER,
    STATUS_LABELS,
    Stage,
    Status,
    TerminationReason,
    evidence_needed,
    stages_passed,
)
from app.webhooks.service import enqueue

# Schema field name -> (model column, lookup table); the API speaks codes by these names.
LOOKUP_FIELDS: dict[str, tuple[str, Any]] = {
    "category": ("category_code", Category),
    "chain": ("chain_code", Chain),
    "chain_link": ("chain_link_code", ChainLink),
    "region": ("region_code", Region),
    "method": ("method_code", Method),
    "county": ("county_code", County),
    "zone": ("zone_code", Zone),
}
LIVE_STATUSES = (Status.active.value, Status.paused.value)


# --- scope and permission --------------------------------------------------------------

def visible(actor: Actor) -> Any:
    """The where-clause of every project query: live rows in the actor's county (or all,
    for the city). Lists, pages, exports, charts and the API all build on it."""
    clause = Project.deleted_at.is_(None)
    if actor.county_code is not None:
        clause = sa.and_(clause, Project.county_code == actor.county_code)
    return clause


def ensure_can_change(actor: Actor, project: Project,
                      permission: Permission = Permission.project_update) -> None:
    """Object rules: a leader changes the projects they lead, staff (and agency clients)
    those of their county (the city's staff: all); a terminated project only an admin."""
    allowed = MATRIX[permission]
    if actor.is_admin and Role.admin in allowed:
        return
    if project.status == Status.terminated.value:
        raise Conflict(_("Project {code} is terminated and can no longer be changed."),
                       code=project.code)
    in_county = actor.county_code is None or actor.county_code == project.county_code
    by_county = in_county and any(
        role in allowed for role in actor.roles if role in (Role.staff, Role.client))
    as_leader = (Role.leader in actor.roles and Role.leader in allowed
                 and project.leader_id == actor.user_id)
    if not (by_county or as_leader):
        raise PermissionDenied(_("You may not change project {code}."), code=project.code,
                               action=permission.value, object_id=project.id)


# --- reading -----------------------------------------------------------------------------

def get_project(session: Session, project_id: int, actor: Actor) -> Project:
    """One project the actor may see; another county's project does not exist for them."""
    project = session.scalar(select(Project).where(Project.id == project_id, visible(actor)))
    if project is None:
        raise NotFound(_("Project {project_id} does not exist."), project_id=project_id)
    return project


def _load_for_write(session: Session, project_id: int, expected_version: int | None,
                    actor: Actor, permission: Permission = Permission.project_update) -> Project:
    # Row lock on PostgreSQL; on SQLite the write transaction began IMMEDIATE already.
    project = session.scalar(
        select(Project)
        .where(Project.id == project_id, visible(actor))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if project is None:
        raise NotFound(_("Project {project_id} does not exist."), project_id=project_id)
    ensure_can_change(actor, project, permission)
    check_version(project, expected_version)
    return project


def check_version(project: Project, expected_version: int | None) -> None:
    """The stale check of every change: the version the caller read (If-Match, a form's
    `version`) must be the project's; None only for callers that read it themselves."""
    if expected_version is not None and expected_version != project.version:
        raise StaleVersion(
            _("Project {code} was changed by someone else (version {current}, you had "
              "{expected}). Reload it and try again."),
            code=project.code,
            current=project.version,
            expected=expected_version,
        )


def _touch(project: Project, actor: Actor, now: datetime) -> None:
    project.version += 1
    project.updated_at = now
    project.updated_by_id = actor.user_id


# --- validation helpers ------------------------------------------------------------------

def _check_lookups(session: Session, values: dict[str, str | None]) -> None:
    """Every code names an active row; the link belongs to the chain, the zone to the county."""
    problems: list[FieldProblem] = []
    unknown: set[str] = set()
    for field, code in values.items():
        if code is None:
            continue
        _column, table = LOOKUP_FIELDS[field]
        row = session.get(table, code)
        if row is None or not row.is_active:
            unknown.add(field)
            problems.append(FieldProblem(field, _("Unknown {label} code: {code}."),
                                         {"label": FIELD_LABELS[field], "code": code}))
        elif field == "chain_link" and "chain" not in unknown and row.chain_code != values["chain"]:
            problems.append(FieldProblem(field, _("Chain link {code} does not belong to chain "
                                                  "{chain}."),
                                         {"code": code, "chain": values["chain"]}))
        elif field == "zone" and "county" not in unknown and row.county_code != values["county"]:
            problems.append(FieldProblem(field, _("Zone {code} is not in county {county}."),
                                         {"code": code, "county": values["county"]}))
    if problems:
        raise ValidationFailed(problems[0].message, errors=problems, **problems[0].params)


def _county_name(session: Session, code: str | None) -> str:
    county = session.get(County, code) if code else None
    return county.name if county else (code or "")


def _check_business_date(happened_on: date, not_before: date | None, now: datetime,
                         field: str = "happened_on") -> None:
    if happened_on > local_date(now):
        raise ValidationFailed(_("The date {day} is in the future."), field=field,
                               day=happened_on.isoformat())
    if not_before is not None and happened_on < not_before:
        raise ValidationFailed(
            _("The date {day} is before the project's last move ({last})."),
            field=field, day=happened_on.isoformat(), last=not_before.isoformat(),
        )


def search_text_for(project: Project, investor_name: str) -> str:
    """Lower-case haystack: names, code, full pinyin and pinyin initials (nydc → 宁远电池).
    A confidential project is found only by its code and code name."""
    if project.is_confidential:
        return f"{project.code} {project.code_name or ''}".lower()
    parts = [project.name, investor_name, project.code]
    for text in (project.name, investor_name):
        parts.append("".join(lazy_pinyin(text)))
        parts.append("".join(lazy_pinyin(text, style=Style.FIRST_LETTER)))
    return " ".join(parts).lower()


def next_project_code(session: Session, year: int, prefix: str) -> str:
    """ZS-2026-0042: the year's counter is incremented in one SQL statement."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(CodeSequence)
        .values(year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=["year"], set_={"last_value": CodeSequence.last_value + 1}
        )
        .returning(CodeSequence.last_value)
    )
    value = session.execute(stmt).scalar_one()
    return f"{prefix}-{year}-{value:04d}"


# --- creation and duplicates -------------------------------------------------------------

def find_duplicate_projects(session: Session, *, investor_name: str,
                            credit_code: str | None, live_only: bool = True) -> list[Project]:
    """Projects of the same investor anywhere in the city; by default only live ones
    (active or paused), which are the ones a new project must not silently duplicate."""
    investors = find_matching_investors(session, credit_code=credit_code, name=investor_name)
    if not investors:
        return []
    query = select(Project).where(Project.investor_id.in_([inv.id for inv in investors]),
                                  Project.deleted_at.is_(None))
    if live_only:
        query = query.where(Project.status.in_(LIVE_STATUSES))
    return list(session.scalars(query.order_by(Project.first_reported_at, Project.id)))


def create_project(session: Session, data: ProjectCreate, *, actor: Actor,
                   now: datetime | None = None, prefix: str = "ZS") -> Project:
    now = now or utcnow()
    if not actor.can(Permission.project_create):
        raise PermissionDenied(_("You may not create projects."),
                               action=Permission.project_create.value)
    if actor.county_code is not None and data.county != actor.county_code:
        raise ValidationFailed(_("You can only create projects in your own county."),
                               field="county")
    _check_lookups(session, {f: getattr(data, f) for f in LOOKUP_FIELDS})
    if data.leader_id is not None:
        require_assignable_leader(session, actor, data.leader_id, data.county)
    if data.is_confidential and not data.code_name:
        raise ValidationFailed(_("A confidential project needs a code name."), field="code_name")

    contact_on = data.first_contact_on or local_date(now)
    _check_business_date(contact_on, None, now, field="first_contact_on")

    credit_code = clean_credit_code(data.investor.credit_code)
    lock_investor_identity(session, credit_code=credit_code, name=data.investor.name)
    same_investor = find_duplicate_projects(session, investor_name=data.investor.name,
                                            credit_code=credit_code, live_only=False)
    duplicates = [p for p in same_investor if p.status in LIVE_STATUSES]
    related_id = None
    if data.same_investor_as is not None:
        if data.same_investor_as not in {p.id for p in same_investor}:
            raise ValidationFailed(
                _("Project {project_id} is not a project of this investor."),
                field="same_investor_as", project_id=data.same_investor_as,
            )
        related_id = data.same_investor_as
    elif duplicates:
        first = duplicates[0]
        raise Conflict(
            _("This investor already has project {code} \u201c{name}\u201d in {county}, first "
              "reported {reported}. If this is another project of the same investor (a second "
              "phase or a capital increase), link it to that project."),
            field="investor",
            code=first.code,
            name=shown_names(session, actor, [first.id])[first.id],
            county=_county_name(session, first.county_code),
            reported=local_text(first.first_reported_at),
            project_id=first.id,
        )

    # The year's counter row before the investor: a new investor raises the data version
    # (app.audit.service.record on the order of locks).
    code = next_project_code(session, local_date(now).year, prefix)
    investor = resolve_investor(session, data.investor)
    fields = data.model_dump(exclude={"investor", "leader_id", "same_investor_as",
                                      "first_contact_on", *LOOKUP_FIELDS})
    project = Project(
        **fields,
        **{column: getattr(data, field) for field, (column, _t) in LOOKUP_FIELDS.items()},
        code=code,
        investor_id=investor.id,
        related_project_id=related_id,
        stage=Stage.contact.value,
        stage_entered_on=contact_on,
        reached_contact_on=contact_on,
        status=Status.active.value,
        first_reported_at=now,
        first_report_county_code=data.county,
        leader_id=data.leader_id,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    project.search_text = search_text_for(project, investor.name)
    session.add(project)
    session.flush()
    # First contact is an event too: the history starts with it.
    session.add(StageEvent(project_id=project.id, from_stage=None, to_stage=Stage.contact.value,
                           happened_on=contact_on, recorded_at=now,
                           actor_id=actor.user_id))
    if data.leader_id is not None:
        session.add(LeaderAssignment(project_id=project.id, leader_id=data.leader_id,
                                     started_at=now, assigned_by_id=actor.user_id,
                                     reason=None))
    record(session, actor, "project.create", object_type="project", object_id=project.id,
           changes={"code": [None, code], "name": [None, project.name],
                    "county_code": [None, project.county_code],
                    "total_investment": [None, project.total_investment],
                    "leader_id": [None, project.leader_id],
                    "related_project_id": [None, related_id]},
           now=now)
    enqueue(session, "project.created", project, now=now)  # webhook outbox, same transaction
    session.flush()
    return project


# --- edits -------------------------------------------------------------------------------

def update_project(session: Session, project_id: int, data: ProjectUpdate, *,
                   expected_version: int | None, actor: Actor,
                   now: datetime | None = None) -> Project:
    now = now or utcnow()
    project = _load_for_write(session, project_id, expected_version, actor)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "category", "chain", "region", "method", "county", "total_investment"):
        if field in changes and changes[field] is None:
            raise ValidationFailed(_("The {label} cannot be empty."), field=field,
                                   label=FIELD_LABELS[field])
    lookups = {
        field: changes.get(field, getattr(project, column))
        for field, (column, _t) in LOOKUP_FIELDS.items()
    }
    if any(field in changes for field in LOOKUP_FIELDS):
        _check_lookups(session, lookups)
    if actor.county_code is not None and changes.get("county", actor.county_code) != \
            actor.county_code:
        raise ValidationFailed(_("You can only create projects in your own county."),
                               field="county")
    if project.is_confidential and not works_on_project(session, actor, project):
        for field in CONFIDENTIAL_FIELDS:
            if field in changes and changes[field] != getattr(project, field):
                raise PermissionDenied(
                    _("Only those who work on a confidential project may change its {label}."),
                    field=field, action=Permission.project_update.value,
                    object_id=project.id,
                    label=FIELD_LABELS.get(field) or _("confidentiality"))
    confidential = changes.get("is_confidential", project.is_confidential)
    if confidential and not changes.get("code_name", project.code_name):
        raise ValidationFailed(_("A confidential project needs a code name."), field="code_name")
    columns = {LOOKUP_FIELDS[f][0] if f in LOOKUP_FIELDS else f: v for f, v in changes.items()}
    before = {column: getattr(project, column) for column in columns}
    for column, value in columns.items():
        setattr(project, column, value)
    if {"name", "is_confidential", "code_name"} & set(changes):
        investor = session.get(Investor, project.investor_id)
        project.search_text = search_text_for(project, investor.name if investor else "")
    _touch(project, actor, now)
    record(session, actor, "project.update", object_type="project", object_id=project.id,
           changes=diff(before, columns), now=now)
    session.flush()
    return project


# --- the investor ------------------------------------------------------------------------

INVESTOR_COLUMNS = ("name", "credit_code", "hq_province", "hq_city", "ownership")
# How an investor's columns are recorded (audit rows of its projects, app.audit_trail).
INVESTOR_AUDIT_FIELDS = {"name": "investor_name", "credit_code": "credit_code",
                         "hq_province": "hq_province", "hq_city": "hq_city",
                         "ownership": "ownership"}


def ensure_can_see_investor(session: Session, actor: Actor, project: Project) -> None:
    """A confidential project's investor is shown only to those who work on it, so only
    they may change it (or its contacts)."""
    if project.is_confidential and not works_on_project(session, actor, project):
        raise PermissionDenied(
            _("Only those who work on a confidential project may change its investor."),
            field="investor", action=Permission.project_update.value, object_id=project.id)


def investor_projects(session: Session, investor_id: int) -> list[Project]:
    """Every project of the investor (the recycle bin's too), in id order."""
    return list(session.scalars(select(Project).where(Project.investor_id == investor_id)
                                .order_by(Project.id)))


def shared_project_count(session: Session, project: Project) -> int:
    """How many other live projects (not in the recycle bin) share this project's investor:
    an edit of the investor changes it for them too."""
    return session.scalar(select(func.count()).select_from(Project).where(
        Project.investor_id == project.investor_id, Project.id != project.id,
        Project.deleted_at.is_(None))) or 0


def update_investor(session: Session, project_id: int, data: InvestorUpdate, *,
                    expected_version: int | None, actor: Actor,
                    now: datetime | None = None) -> Investor:
    """Change the investor of a project, and so of every project it shares it with: each
    one's version moves on (its ETag shows the investor) and its history records it.

    Locks: every project of the investor in id order (two editors of one company from two
    of its projects queue, they do not deadlock), then the identity it has and the one it
    takes (`lock_investor_identities`), so two investors renamed to one credit code at
    once cannot both pass the duplicate check."""
    now = now or utcnow()
    project = get_project(session, project_id, actor)
    projects = list(session.scalars(
        select(Project).where(Project.investor_id == project.investor_id)
        .order_by(Project.id).with_for_update().execution_options(populate_existing=True)))
    project = next(p for p in projects if p.id == project_id)
    ensure_can_change(actor, project)
    check_version(project, expected_version)
    ensure_can_see_investor(session, actor, project)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and not changes["name"]:
        raise ValidationFailed(_("The {label} cannot be empty."), field="name",
                               label=FIELD_LABELS["investor"])
    if "credit_code" in changes:
        changes["credit_code"] = clean_credit_code(changes["credit_code"], field="credit_code")
    investor = session.get(Investor, project.investor_id)
    if investor is None:  # the foreign key keeps it
        raise NotFound(_("Project {project_id} does not exist."), project_id=project_id)
    name = changes.get("name", investor.name)
    credit_code = changes.get("credit_code", investor.credit_code)
    lock_investor_identities(session, [(investor.credit_code, investor.name),
                                       (credit_code, name)])
    session.refresh(investor)
    clash = conflicting_investor(session, investor, credit_code=credit_code, name=name)
    if clash is not None:
        field, other = clash
        label = _("unified social credit code") if field == "credit_code" else _("name")
        code_name = _hidden_code_name(session, actor, other)
        if code_name is not None:
            raise Conflict(_("Another investor already has this {label}: the investor of "
                             "project {code_name}."),
                           field=field, label=label, code_name=code_name)
        raise Conflict(_("Another investor already has this {label}: {name}."),
                       field=field, label=label, name=other.name)
    before = {column: getattr(investor, column) for column in changes}
    for column, value in changes.items():
        setattr(investor, column, value)
    investor.normalized_name = normalize_name(investor.name)
    recorded = {INVESTOR_AUDIT_FIELDS[c]: v for c, v in before.items()}
    after = {INVESTOR_AUDIT_FIELDS[c]: getattr(investor, c) for c in changes}
    audited = diff(recorded, after)
    if not audited:
        return investor
    for each in projects:
        if "name" in changes:
            each.search_text = search_text_for(each, investor.name)
        _touch(each, actor, now)
        record(session, actor, AuditAction.investor_update, object_type="project",
               object_id=each.id, changes=audited,
               detail=None if each.id == project.id else f"via project {project.code}",
               now=now)
    session.flush()
    return investor


def _hidden_code_name(session: Session, actor: Actor, investor: Investor) -> str | None:
    """The code name of a project of this investor that the actor sees by code name only
    (the company is then not named to them); None when they may see it."""
    hidden = masked_projects(session, actor,
                             [p.id for p in investor_projects(session, investor.id or 0)])
    return min(hidden.items())[1].code_name if hidden else None


def soft_delete_project(session: Session, project_id: int, *, expected_version: int | None,
                        actor: Actor, now: datetime | None = None) -> Project:
    now = now or utcnow()
    project = _load_for_write(session, project_id, expected_version, actor,
                              Permission.project_delete)
    project.deleted_at = now
    _touch(project, actor, now)
    record(session, actor, "project.delete", object_type="project", object_id=project.id,
           changes={"deleted_at": [None, now]}, now=now)
    session.flush()
    return project


RECYCLE_BIN_PAGE = 50


def deleted_projects(session: Session, actor: Actor, *, page: int = 1,
                     per_page: int = RECYCLE_BIN_PAGE) -> tuple[list[Project], bool]:
    """One page of the recycle bin, most recently deleted first, and whether more follow."""
    if not actor.can(Permission.project_restore):
        raise PermissionDenied(_("You may not do this."),
                               action=Permission.project_restore.value)
    page = max(1, min(page, 10_000))
    rows = list(session.scalars(select(Project).where(Project.deleted_at.is_not(None))
                                .order_by(Project.deleted_at.desc(), Project.id.desc())
                                .limit(per_page + 1).offset((page - 1) * per_page)))
    return rows[:per_page], len(rows) > per_page


def restore_project(session: Session, project_id: int, *, actor: Actor,
                    expected_version: int | None, now: datetime | None = None) -> Project:
    """Out of the recycle bin: the project counts again in every list and figure.
    `expected_version` as for every change: a stale bin page restores nothing."""
    now = now or utcnow()
    if not actor.can(Permission.project_restore):
        raise PermissionDenied(_("You may not do this."),
                               action=Permission.project_restore.value)
    project = session.scalar(select(Project)
                             .where(Project.id == project_id, Project.deleted_at.is_not(None))
                             .with_for_update().execution_options(populate_existing=True))
    if project is None:
        raise NotFound(_("Project {project_id} is not in the recycle bin."),
                       project_id=project_id)
    check_version(project, expected_version)
    _refuse_restoring_a_duplicate(session, actor, project)
    deleted_at, project.deleted_at = project.deleted_at, None
    _touch(project, actor, now)
    record(session, actor, "project.restore", object_type="project", object_id=project.id,
           changes={"deleted_at": [deleted_at, None]}, now=now)
    session.flush()
    return project


def _refuse_restoring_a_duplicate(session: Session, actor: Actor, project: Project) -> None:
    """The duplicate rule of `create_project` holds on restore too: while a live project sat
    in the bin, another live one of the same investor may have been created. Linked
    projects (a second phase) are not duplicates."""
    if project.status not in LIVE_STATUSES:
        return
    investor = session.get(Investor, project.investor_id)
    if investor is None:
        return
    lock_investor_identity(session, credit_code=investor.credit_code, name=investor.name)
    others = [p for p in find_duplicate_projects(session, investor_name=investor.name,
                                                 credit_code=investor.credit_code)
              if p.id != project.id and project.id != p.related_project_id
              and p.id != project.related_project_id]
    if others:
        first = others[0]
        raise Conflict(
            _("Project {code} cannot be restored: its investor now has project {other} "
              "\u201c{name}\u201d, created while it was in the recycle bin."),
            field="project", code=project.code, other=first.code,
            name=shown_names(session, actor, [first.id])[first.id], project_id=first.id)


# --- which moves a project may make ------------------------------------------------------
# Each check raises what the move's service function raises before it reads any input;
# the services call them and `available_moves` asks them, so the doors never re-derive.

def check_advance(project: Any, target: Stage | None = None) -> None:
    """Forward to `target` (None: to any later stage): only an active project, only to a
    later stage, and from intent on only with its one responsible leader."""
    if project.status != Status.active.value:
        raise Conflict(
            _("Project {code} is {status}; resume it before moving it forward."),
            field="to_stage", code=project.code, status=STATUS_LABELS[project.status],
        )
    current = Stage(project.stage)
    nearest = target or (STAGE_ORDER[current.rank] if current.rank < len(STAGE_ORDER) else None)
    if nearest is None or nearest.rank <= current.rank:
        raise ValidationFailed(
            _("The project is already at {current}; to go back, move it back with a reason."),
            field="to_stage", current=current.label,
        )
    if nearest.rank >= LEADER_REQUIRED_FROM.rank and project.leader_id is None:
        raise ValidationFailed(
            _("Assign the one responsible leader before moving the project to {stage}."),
            field="leader_id", stage=nearest.label,
        )


def check_move_back(project: Any, target: Stage | None = None) -> None:
    """Back to `target` (None: to any earlier stage): only to an earlier stage."""
    current = Stage(project.stage)
    if (target or STAGE_ORDER[0]).rank >= current.rank:
        raise ValidationFailed(_("Moving back needs an earlier stage than {current}."),
                               field="to_stage", current=current.label)


def check_pause(project: Any) -> None:
    if project.status != Status.active.value:
        raise Conflict(_("Only an active project can be paused; {code} is {status}."),
                       code=project.code, status=STATUS_LABELS[project.status])


def check_resume(project: Any) -> None:
    if project.status != Status.paused.value:
        raise Conflict(_("Only a paused project can be resumed; {code} is {status}."),
                       code=project.code, status=STATUS_LABELS[project.status])


def check_terminate(project: Any) -> None:
    if project.status == Status.terminated.value:
        raise Conflict(_("Project {code} is terminated and can no longer be changed."),
                       code=project.code)


class Move(StrEnum):
    advance = "advance"
    back = "back"
    pause = "pause"
    resume = "resume"
    terminate = "terminate"


CHECKS: dict[Move, Callable[[Any], None]] = {
    Move.advance: check_advance, Move.back: check_move_back, Move.pause: check_pause,
    Move.resume: check_resume, Move.terminate: check_terminate,
}


@dataclass(frozen=True)
class Moves:
    """What one actor may do to a project's stage and status now, and why not: each
    move's refusal (None: allowed), in general and to each stage."""

    current: Stage
    refusals: dict[Move, AppError | None]
    reach: dict[tuple[Move, Stage], AppError | None]

    def allows(self, move: Move) -> bool:
        return self.refusals[move] is None

    def refusal(self, move: Move, stage: Stage | None = None) -> AppError | None:
        """Why `move` (to `stage`, if given) is refused; None when it is allowed."""
        if stage is None or move not in (Move.advance, Move.back):
            return self.refusals[move]
        return self.reach[move, stage]

    def to(self, stage: Stage) -> Move:
        """The move that reaches `stage`: back to an earlier one, else forward."""
        return Move.back if stage.rank < self.current.rank else Move.advance

    def targets(self, move: Move) -> list[Stage]:
        """The stages `move` may reach, nearest first."""
        reached = [stage for stage in STAGE_ORDER if self.reach[move, stage] is None]
        return reached if move is Move.advance else reached[::-1]


def available_moves(actor: Actor, project: Any) -> Moves:
    """Which stage and status moves `actor` may make on `project` (a Project or a list
    row), and why not the others: what the move's service function would raise."""

    def refusal(check: Callable[..., None], *args: Any) -> AppError | None:
        try:
            if not actor.can(Permission.project_update):
                raise PermissionDenied(_("You may not change project {code}."),
                                       code=project.code, action=Permission.project_update.value)
            ensure_can_change(actor, project)
            check(project, *args)
        except AppError as exc:
            return exc
        return None

    return Moves(
        current=Stage(project.stage),
        refusals={move: refusal(check) for move, check in CHECKS.items()},
        reach={(move, stage): refusal(CHECKS[move], stage)
               for move in (Move.advance, Move.back) for stage in STAGE_ORDER},
    )


# --- stage moves -------------------------------------------------------------------------

def advance_stage(session: Session, project_id: int, data: TransitionIn, *,
                  expected_version: int | None, actor: Actor,
                  now: datetime | None = None) -> list[StageEvent]:
    """Move forward; passing several stages records one event per stage, each with its
    evidence required."""
    now = now or utcnow()
    project = _load_for_write(session, project_id, expected_version, actor)
    current, target = Stage(project.stage), data.to_stage
    check_advance(project, target)
    passed = stages_passed(current, target)
    missing = [
        FieldProblem(field, _("Moving to {stage} needs {label}."),
                     {"stage": stage.label, "label": EVIDENCE_LABELS[field]})
        for stage, field in evidence_needed(current, target)
        if getattr(data, field) is None
    ]
    if missing:
        raise ValidationFailed(missing[0].message, errors=missing, **missing[0].params)
    check_agreed_amount(project.total_investment, data)
    happened_on = data.happened_on or local_date(now)
    _check_business_date(happened_on, project.stage_entered_on, now)
    # Document dates may precede the move's recording (ledgers are back-filled), not today.
    for field in ("contract_on", "started_on", "production_on", "achieved_on"):
        value = getattr(data, field)
        if value is not None:
            _check_business_date(value, None, now, field=field)

    events = []
    from_stage: Stage = current
    for stage in passed:
        evidence = {field: getattr(data, field) for field in REQUIRED_EVIDENCE[stage]}
        if stage == Stage.contract and data.contract_on is None:
            evidence["contract_on"] = happened_on
        event = StageEvent(project_id=project.id, from_stage=from_stage.value,
                           to_stage=stage.value, happened_on=happened_on, recorded_at=now,
                           actor_id=actor.user_id, note=data.note, **evidence)
        session.add(event)
        events.append(event)
        from_stage = stage
        if getattr(project, reached_on(stage).key) is None:
            setattr(project, reached_on(stage).key, happened_on)
    # The signing's amounts go into its audit row, so the history shows what was agreed.
    amounts = {name: [getattr(project, name), getattr(data, name)]
               for name in ("agreed_amount", "contract_amount")
               if getattr(data, name) is not None}
    if data.agreed_amount is not None:
        project.agreed_amount = data.agreed_amount
    if data.contract_amount is not None:
        project.contract_amount = data.contract_amount
    project.stage = target.value
    project.stage_entered_on = happened_on
    _touch(project, actor, now)
    record(session, actor, "project.stage", object_type="project", object_id=project.id,
           changes={"stage": [current.value, target.value],
                    "happened_on": [None, happened_on], **amounts}, detail=data.note, now=now)
    enqueue(session, "project.stage_changed", project,
            {"from_stage": current.value, "to_stage": target.value, "is_backward": False,
             "happened_on": happened_on.isoformat()}, now=now)
    session.flush()
    return events


def check_agreed_amount(total_investment: Decimal | None, data: Evidence) -> None:
    """An agreed amount above the project's total investment is refused until confirmed
    (`agreed_above_total_confirmed`): most often it was typed in 元 or 亿, not 万元."""
    agreed = data.agreed_amount
    if (agreed is None or total_investment is None or agreed <= total_investment
            or data.agreed_above_total_confirmed):
        return
    message = _("The agreed amount {agreed} is above the total investment {total} "
                "(10,000 yuan). Check the unit, or confirm that it is right.")
    params = {"agreed": f"{agreed:,.2f}", "total": f"{total_investment:,.2f}"}
    problems = [FieldProblem("agreed_amount", message, params),
                FieldProblem("agreed_above_total_confirmed", message, params)]
    raise ValidationFailed(message, errors=problems, **params)


def move_back(session: Session, project_id: int, data: MoveBackIn, *,
              expected_version: int | None, actor: Actor,
              now: datetime | None = None) -> StageEvent:
    now = now or utcnow()
    project = _load_for_write(session, project_id, expected_version, actor)
    current = Stage(project.stage)
    check_move_back(project, data.to_stage)
    happened_on = data.happened_on or local_date(now)
    _check_business_date(happened_on, project.stage_entered_on, now)
    event = StageEvent(project_id=project.id, from_stage=current.value,
                       to_stage=data.to_stage.value, is_backward=True, happened_on=happened_on,
                       recorded_at=now, actor_id=actor.user_id, note=data.reason)
    session.add(event)
    project.stage = data.to_stage.value
    project.stage_entered_on = happened_on
    _touch(project, actor, now)
    record(session, actor, "project.stage", object_type="project", object_id=project.id,
           changes={"stage": [current.value, data.to_stage.value],
                    "happened_on": [None, happened_on]}, detail=data.reason, now=now)
    enqueue(session, "project.stage_changed", project,
            {"from_stage": current.value, "to_stage": data.to_stage.value, "is_backward": True,
             "happened_on": happened_on.isoformat()}, now=now)
    session.flush()
    return event


# --- status ------------------------------------------------------------------------------

def _change_status(session: Session, project: Project, to_status: Status, *, actor: Actor,
                   now: datetime, happened_on: date | None, reason: str | None,
                   reason_code: str | None = None, lost_to_city: str | None = None
                   ) -> StatusChange:
    day = happened_on or local_date(now)
    last_change = session.scalar(select(func.max(StatusChange.happened_on))
                                 .where(StatusChange.project_id == project.id))
    _check_business_date(day, max(filter(None, (project.stage_entered_on, last_change))), now)
    change = StatusChange(project_id=project.id, stage=project.stage, from_status=project.status,
                          to_status=to_status.value, reason_code=reason_code,
                          lost_to_city=lost_to_city, reason=reason, happened_on=day,
                          recorded_at=now, actor_id=actor.user_id)
    session.add(change)
    record(session, actor, "project.status", object_type="project", object_id=project.id,
           changes={"status": [project.status, to_status.value],
                    "reason_code": [None, reason_code]}, detail=reason, now=now)
    project.status = to_status.value
    project.status_reason = reason
    _touch(project, actor, now)
    session.flush()
    return change


def pause_project(session: Session, project_id: int, data: PauseIn, *,
                  expected_version: int | None, actor: Actor,
                  now: datetime | None = None) -> StatusChange:
    now = now or utcnow()
    project = _load_for_write(session, project_id, expected_version, actor)
    check_pause(project)
    return _change_status(session, project, Status.paused, actor=actor, now=now,
                          happened_on=data.happened_on, reason=data.reason)


def resume_project(session: Session, project_id: int, data: ResumeIn, *,
                   expected_version: int | None, actor: Actor,
                   now: datetime | None = None) -> StatusChange:
    now = now or utcnow()
    project = _load_for_write(session, project_id, expected_version, actor)
    check_resume(project)
    return _change_status(session, project, Status.active, actor=actor, now=now,
                          happened_on=data.happened_on, reason=data.reason)


def terminate_project(session: Session, project_id: int, data: TerminateIn, *,
                      expected_version: int | None, actor: Actor,
                      now: datetime | None = None) -> StatusChange:
    now = now or utcnow()
    project = _load_for_write(session, project_id, expected_version, actor)
    check_terminate(project)
    if data.reason_code == TerminationReason.lost_to_other_city and not data.lost_to_city:
        raise ValidationFailed(_("Name the city the project was lost to."),
                               field="lost_to_city")
    if data.reason_code == TerminationReason.other and not data.reason:
        raise ValidationFailed(_("Describe the reason for terminating."), field="reason")
    project.termination_reason = data.reason_code.value
    project.lost_to_city = data.lost_to_city
    change = _change_status(session, project, Status.terminated, actor=actor, now=now,
                            happened_on=data.happened_on, reason=data.reason,
                            reason_code=data.reason_code.value,
                            lost_to_city=data.lost_to_city)
    enqueue(session, "project.terminated", project,
            {"reason_code": change.reason_code, "happened_on": change.happened_on.isoformat()},
            now=now)
    return change


# --- one project, one leader -------------------------------------------------------------

def _leaders(county_code: str | None) -> Any:
    """Active leaders who may be responsible for a project of `county_code` (any county
    when None): the city's, who have no county, and that county's own."""
    query = (select(User.id, User.display_name, User.title, User.county_code)
             .join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.leader.value, User.is_active))
    if county_code is None:
        return query
    return query.where(sa.or_(User.county_code.is_(None), User.county_code == county_code))


def assignable_leaders(session: Session, actor: Actor,
                       county_code: str | None = None) -> list[PersonOption]:
    """The leaders every leader picker offers and `require_assignable_leader` accepts, for
    a project of `county_code` (a county user's projects are all in their county; a city
    user without a county gets every county's): that county's first, then the city's."""
    county = actor.county_code or county_code
    own_first = [sa.case((User.county_code == county, 0), else_=1)] if county else []
    rows = session.execute(_leaders(county).order_by(
        *own_first, User.county_code.is_not(None), User.county_code, User.display_name,
        User.id))
    return [PersonOption(*row) for row in rows]


def assignable_leaders_by_county(session: Session, actor: Actor,
                                 counties: Collection[str]) -> dict[str, list[PersonOption]]:
    """`assignable_leaders` for several counties at once, in one statement (the leader
    board offers a picker per county of its queue)."""
    wanted = {actor.county_code} if actor.county_code else set(counties)
    if not wanted:
        return {}
    rows = [PersonOption(*row) for row in session.execute(
        _leaders(None).where(sa.or_(User.county_code.is_(None),
                                    User.county_code.in_(wanted)))
        .order_by(User.display_name, User.id))]
    city = [person for person in rows if person.county_code is None]
    return {county: [person for person in rows
                     if person.county_code == (actor.county_code or county)] + city
            for county in counties}


def require_assignable_leader(session: Session, actor: Actor, leader_id: int,
                              county_code: str, field: str = "leader_id") -> None:
    """Refuse a leader `assignable_leaders` would not offer for a project of `county_code`:
    one project, one leader, of its own county or of the city (一个项目、一名领导)."""
    county = actor.county_code or county_code
    if session.execute(_leaders(county).where(User.id == leader_id)).first():
        return
    leader = session.get(User, leader_id)
    if leader is None or not session.execute(_leaders(None).where(User.id == leader_id)).first():
        raise ValidationFailed(_("User {user_id} is not an active leader."), field=field,
                               user_id=leader_id)
    raise ValidationFailed(
        _("{name} is a leader of {leader_county}; a project of {county} is led by a leader "
          "of {county} or of the city."),
        field=field, name=leader.display_name,
        leader_county=_county_name(session, leader.county_code),
        county=_county_name(session, county))


def assign_leader(session: Session, project_id: int, data: LeaderAssignIn, *,
                  expected_version: int | None, actor: Actor,
                  now: datetime | None = None) -> LeaderAssignment:
    """Close the open assignment and open a new one; history is never rewritten."""
    now = now or utcnow()
    project = _load_for_write(session, project_id, expected_version, actor,
                              Permission.project_assign_leader)
    require_assignable_leader(session, actor, data.leader_id, project.county_code)
    if project.leader_id == data.leader_id:
        raise ValidationFailed(_("This leader is already responsible for the project."),
                               field="leader_id")
    if project.leader_id is not None and not data.reason:
        raise ValidationFailed(_("Give a reason for changing the responsible leader."),
                               field="reason")
    session.execute(
        update(LeaderAssignment)
        .where(LeaderAssignment.project_id == project.id, LeaderAssignment.ended_at.is_(None))
        .values(ended_at=now)
    )
    assignment = LeaderAssignment(project_id=project.id, leader_id=data.leader_id,
                                  started_at=now, assigned_by_id=actor.user_id,
                                  reason=data.reason)
    session.add(assignment)
    record(session, actor, "project.leader", object_type="project", object_id=project.id,
           changes={"leader_id": [project.leader_id, data.leader_id]}, detail=data.reason,
           now=now)
    previous_leader_id = project.leader_id
    project.leader_id = data.leader_id
    _touch(project, actor, now)
    enqueue(session, "project.leader_changed", project,
            {"from_leader_id": previous_leader_id, "to_leader_id": data.leader_id}, now=now)
    session.flush()
    return assignment


# --- team --------------------------------------------------------------------------------

def add_team_member(session: Session, project_id: int, data: TeamMemberIn, *,
                    actor: Actor, now: datetime | None = None) -> TeamMember:
    now = now or utcnow()
    project = _load_for_write(session, project_id, None, actor)
    user = session.get(User, data.user_id)
    if user is None or not user.is_active:
        raise ValidationFailed(_("User {user_id} does not exist."), field="user_id",
                               user_id=data.user_id)
    exists = session.scalar(select(TeamMember.id).where(
        TeamMember.project_id == project.id, TeamMember.user_id == data.user_id))
    if exists is not None:
        raise Conflict(_("{name} is already on the team."), field="user_id",
                       name=user.display_name)
    member = TeamMember(project_id=project.id, user_id=data.user_id, role=data.role.value,
                        added_at=now, added_by_id=actor.user_id)
    session.add(member)
    record(session, actor, "project.team", object_type="project", object_id=project.id,
           changes={"team_member": [None, f"{data.user_id}:{data.role.value}"]}, now=now)
    session.flush()
    return member


# --- history -----------------------------------------------------------------------------

def stage_history(session: Session, project_id: int, actor: Actor) -> list[StageEvent]:
    get_project(session, project_id, actor)
    return list(session.scalars(select(StageEvent).where(StageEvent.project_id == project_id)
                                .order_by(StageEvent.recorded_at, StageEvent.id)))


def leader_history(session: Session, project_id: int, actor: Actor) -> list[LeaderAssignment]:
    get_project(session, project_id, actor)
    return list(session.scalars(
        select(LeaderAssignment).where(LeaderAssignment.project_id == project_id)
        .order_by(LeaderAssignment.started_at, LeaderAssignment.id)))


# --- saved views -------------------------------------------------------------------------

MAX_SAVED_VIEWS = 20
SAVED_QUERY_MAX = 2000  # the column's length


def saved_views(session: Session, actor: Actor) -> list[SavedView]:
    return list(session.scalars(select(SavedView).where(SavedView.user_id == actor.user_id)
                                .order_by(SavedView.name)))


def save_view(session: Session, actor: Actor, name: str, query: str) -> SavedView:
    """Saved in one canonical, percent-encoded form: what a link or a redirect header is
    built from never holds a raw CR/LF, space or quote."""
    name = name.strip()
    if not name or len(name) > 40:
        raise ValidationFailed(_("Give the view a name of up to 40 characters."), field="name")
    query = urlencode(parse_qsl(query.strip().lstrip("?")))
    if len(query) > SAVED_QUERY_MAX:
        raise ValidationFailed(_("These filters are too long to save as a view."),
                               field="query")
    existing = session.scalar(select(SavedView).where(SavedView.user_id == actor.user_id,
                                                      SavedView.name == name))
    if existing is not None:
        existing.query = query
        session.flush()
        return existing
    if len(saved_views(session, actor)) >= MAX_SAVED_VIEWS:
        raise ValidationFailed(_("At most {limit} saved views; delete one first."),
                               field="name", limit=MAX_SAVED_VIEWS)
    view = SavedView(user_id=actor.user_id or 0, name=name, query=query)
    session.add(view)
    session.flush()
    return view


def delete_view(session: Session, actor: Actor, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != actor.user_id:
        raise NotFound(_("That view does not exist."))
    session.delete(view)
    session.flush()
