"""项目详情: header, steps bar, cards, the one timeline, tabs, and every action on a project.

Each write calls one service function with the version the form was read at. A refused
write re-renders its form (422 / 409) with the reason beside the field and nothing changed;
a form rendered alone is a block of templates/projects/detail.html (HTMX, the kanban's
modal), or the whole page with that form open when JavaScript is off.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.accounts.people import colleagues, leaders
from app.accounts.permissions import Actor, Permission
from app.activities.schemas import ACTIVITY_KIND_LABELS, ActivityCreate
from app.activities.service import add_activity
from app.activities.timeline import project_timeline
from app.audit_trail.history import history_for_project
from app.clock import local_date, local_datetime
from app.config import get_settings
from app.db import utcnow
from app.errors import AppError, Conflict, PermissionDenied, StaleVersion, ValidationFailed
from app.i18n import _, translate
from app.lookups.service import lookup_options
from app.projects.confidential import CONFIDENTIAL_FIELDS
from app.projects.idle import STALLED_DAYS, idle_days
from app.projects.pages.common import LABELS
from app.projects.queries import (
    project_detail,
    project_milestones,
    project_team,
)
from app.projects.schemas import (
    FIELD_LABELS,
    OWNERSHIP_LABELS,
    LeaderAssignIn,
    MoveBackIn,
    PauseIn,
    ProjectUpdate,
    ResumeIn,
    TeamMemberIn,
    TerminateIn,
    TransitionIn,
)
from app.projects.service import (
    Move,
    Moves,
    add_team_member,
    advance_stage,
    assign_leader,
    assignable_leaders,
    available_moves,
    ensure_can_change,
    move_back,
    pause_project,
    resume_project,
    soft_delete_project,
    terminate_project,
    update_project,
)
from app.projects.stages import (
    KEY_LEVEL_LABELS,
    REQUIRED_EVIDENCE,
    STAGE_ORDER,
    TEAM_ROLE_LABELS,
    TERMINATION_LABELS,
    Stage,
    Status,
    evidence_needed,
)
from app.web.deps import DbSession, PathId, requires
from app.web.forms import app_error_fields, form_to_dict, form_version, validate_form
from app.web.redirects import local_target, see_other
from app.web.templating import is_htmx, render

router = APIRouter()
TEMPLATE = "projects/detail.html"
TIMELINE_LIMIT = 100

TABS = (
    ("followups", _("Follow-ups")),
    ("team", _("Team and plan")),
    ("funds", _("Funds in place")),
    ("investor", _("Investor and contacts")),
    ("history", _("History")),
)
TAB_KEYS = tuple(key for key, _label in TABS)

# Lower-case labels, for messages that name a field ("请填写协议编号").
FORM_LABELS: dict[str, str] = {
    **FIELD_LABELS,
    "to_stage": _("target stage"),
    "happened_on": _("date it happened"),
    "note": _("note"),
    "agreement_no": _("agreement number"),
    "agreed_amount": _("agreed amount"),
    "contract_no": _("contract number"),
    "contract_on": _("contract date"),
    "contract_amount": _("contract amount"),
    "started_on": _("actual start date"),
    "production_on": _("production date"),
    "achieved_on": _("date it reached designed output"),
    "reason": _("reason"),
    "reason_code": _("termination reason"),
    "lost_to_city": _("city it went to"),
    "leader_id": _("responsible leader"),
    "user_id": _("team member"),
    "role": _("team role"),
    "kind": _("follow-up type"),
    "happened_at": _("follow-up time"),
    "summary": _("what happened"),
    "next_step": _("next step"),
    "next_due_on": _("next follow-up date"),
    "participant_ids": _("participating leaders"),
    "other_participants": _("other participants"),
    "is_confidential": _("confidential"),
}
# The forms, the fields each shows (an error on another field goes above the form), and
# the permission its route declares.
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "advance": ("to_stage", "happened_on", "note", *REQUIRED_EVIDENCE[Stage.signed],
                *REQUIRED_EVIDENCE[Stage.contract], "started_on", "production_on",
                "achieved_on", "agreed_above_total_confirmed"),
    "back": ("to_stage", "happened_on", "reason"),
    "pause": ("happened_on", "reason"),
    "resume": ("happened_on", "reason"),
    "terminate": ("reason_code", "lost_to_city", "reason", "happened_on"),
    "leader": ("leader_id", "reason"),
    "activity": ("kind", "happened_at", "summary", "next_step", "next_due_on",
                 "participant_ids", "other_participants"),
    "team": ("user_id", "role"),
}
MODAL_ACTIONS = ("advance", "back", "pause", "resume", "terminate", "leader")
EDIT_FIELDS: tuple[str, ...] = tuple(ProjectUpdate.model_fields)
LOOKUP_COLUMNS = ("category", "chain", "chain_link", "region", "method", "county", "zone")


@dataclass(frozen=True)
class Choice:
    """An option for the `m.select` macro: a code and a label (a msgid, or a name)."""

    code: str
    text: str
    translated: bool = True

    def label(self, locale: str) -> str:
        return translate(self.text, locale) if self.translated else self.text


def _choices(labels: dict[str, str]) -> list[Choice]:
    return [Choice(str(code), text) for code, text in labels.items()]




# --- what the actor may do -----------------------------------------------------------------

def _may(actor: Actor, project: Any, permission: Permission) -> bool:
    if not actor.can(permission):
        return False
    try:
        ensure_can_change(actor, project, permission)
    except (PermissionDenied, Conflict):
        return False
    return True


def allowed_actions(actor: Actor, project: Any, moves: Moves) -> dict[str, bool]:
    """The buttons to show: the moves `available_moves` allows, and the other actions the
    object rules allow; the services still enforce every rule."""
    update = _may(actor, project, Permission.project_update)
    return {
        **{move.value: moves.allows(move) for move in Move},
        "edit": update,
        "leader": _may(actor, project, Permission.project_assign_leader),
        "activity": _may(actor, project, Permission.activity_create),
        "team": update,
        "delete": _may(actor, project, Permission.project_delete),
    }


def _advance_note(project: Any, moves: Moves, locale: str) -> str | None:
    """Why an active project cannot move forward (its leader missing, the last stage)."""
    refusal = moves.refusals[Move.advance]
    if refusal is None or isinstance(refusal, PermissionDenied) or \
            project.status != Status.active:
        return None
    return refusal.detail(locale)


def evidence_fields(current: str, target: str | None) -> list[str]:
    """The evidence the stages passed on the way to `target` require, in stage order."""
    if target not in Stage.__members__:
        return []
    return [field for _stage, field in evidence_needed(Stage(current), Stage(target))]


def _now_local_input() -> str:
    return local_datetime(utcnow()).strftime("%Y-%m-%dT%H:%M")


def _aware(value: Any) -> Any:
    """A datetime-local value ("2026-03-31T14:30") is a time in the bureau's zone."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=get_settings().tz)
    try:
        return moment.astimezone(UTC).isoformat()
    except OverflowError:  # year 1 or 9999: let the schema refuse the text as typed
        return value


def _placed(errors: dict[str, str], action: str) -> dict[str, str]:
    """Errors on fields the form does not show join the message above the form."""
    shown = set(ACTION_FIELDS[action])
    placed = {k: v for k, v in errors.items() if k in shown}
    loose = [v for k, v in errors.items() if k not in shown]
    if loose:
        placed["_"] = " ".join(dict.fromkeys(loose))
    return placed


def _done(request: Request, project_id: int, next_url: str | None = None) -> Response:
    return see_other(request, local_target(next_url) or f"/projects/{project_id}")


# --- the page ------------------------------------------------------------------------------

def _form_context(db: DbSession, actor: Actor, project: Any, action: str,
                  values: dict[str, Any]) -> dict[str, Any]:
    """What one action form needs besides the project row: its choices (the stages
    `available_moves` allows)."""
    context: dict[str, Any] = {}
    if action == "advance":
        stages = available_moves(actor, project).targets(Move.advance)
        target = values.get("to_stage") or (stages[0].value if stages else None)
        context["advance_stages"] = stages
        context["evidence"] = evidence_fields(project.stage, target)
        values.setdefault("to_stage", target)
    elif action == "back":
        context["back_stages"] = available_moves(actor, project).targets(Move.back)
    elif action == "leader":
        context["leader_choices"] = assignable_leaders(db, actor, project.county_code)
    elif action == "activity":
        context["participant_choices"] = leaders(db)
        values.setdefault("happened_at", _now_local_input())
    elif action == "team":
        context["colleague_choices"] = colleagues(db, actor)
    return context


def _page(request: Request, db: DbSession, actor: Actor, project: Any, *,
          tab: str = "followups", open_action: str | None = None,
          values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          status: int = 200, block: str | None = None) -> Response:
    """The whole page; with `open_action`, that form re-rendered with what was typed."""
    project_id = project.id
    tab = tab if tab in TAB_KEYS else "followups"
    today = local_date()
    moves = available_moves(actor, project)
    can = allowed_actions(actor, project, moves)
    forms: dict[str, dict[str, Any]] = {a: {} for a in ACTION_FIELDS}
    if open_action is not None:
        forms[open_action] = dict(values or {})
    choices: dict[str, Any] = {}
    inline = [a for a in ("activity", "team") if can[a]]
    for action in (*inline, *([open_action] if open_action in MODAL_ACTIONS else [])):
        choices.update(_form_context(db, actor, project, action, forms[action]))
    timeline = project_timeline(db, actor, project_id, limit=TIMELINE_LIMIT)
    tab_data: dict[str, Any] = {}
    if tab == "history":
        tab_data["history"] = list(reversed(history_for_project(
            db, actor, project_id, locale=request.state.locale)))
    return render(
        request, TEMPLATE, block=block, status=status, active_nav="projects",
        headers={"Vary": "HX-Request"},
        project=project, project_id=project_id, can=can, tab=tab, tabs=TABS,
        advance_note=_advance_note(project, moves, request.state.locale),
        timeline=timeline, timeline_full=len(timeline) >= TIMELINE_LIMIT,
        follow_ups=[e for e in timeline if e.kind == "activity"],
        team=project_team(db, actor, project_id),
        milestones=project_milestones(db, actor, project_id) if tab == "team" else [],
        idle_days=idle_days(project.last_activity_at, project.first_reported_at, today),
        stage_days=max(0, (today - project.stage_entered_on).days), today=today,
        open_action=open_action if open_action in MODAL_ACTIONS else None,
        active_form=open_action, forms=forms, errors=errors or {}, **choices, **tab_data,
        **_labels(),
    )


def _labels() -> dict[str, Any]:
    return {
        **LABELS, "stage_order": STAGE_ORDER, "termination_labels": TERMINATION_LABELS,
        "stalled_days": STALLED_DAYS,
        "team_role_labels": TEAM_ROLE_LABELS, "activity_kind_labels": ACTIVITY_KIND_LABELS,
        "ownership_labels": OWNERSHIP_LABELS,
        "termination_choices": _choices(TERMINATION_LABELS),
        "team_role_choices": _choices(TEAM_ROLE_LABELS),
        "activity_kind_choices": _choices(ACTIVITY_KIND_LABELS),
    }


def _action_form(request: Request, db: DbSession, actor: Actor, project_id: int,
                 action: str, *, values: dict[str, Any], errors: dict[str, str] | None = None,
                 status: int = 200, next_url: str | None = None) -> Response:
    """One action's form: the block alone for HTMX, else the page with the form open."""
    project = project_detail(db, actor, project_id)
    values = {**values, "next": local_target(next_url) or ""}
    if errors is None and action in MODAL_ACTIONS:
        # Asked for a form: a move the project cannot make says why at once (never
        # another move in its place: "advance" to an earlier stage is refused).
        refusal = _refusal(actor, project, action, values.get("to_stage"))
        if isinstance(refusal, PermissionDenied):
            raise refusal
        if refusal is not None:
            errors, status = app_error_fields(refusal, request.state.locale), refusal.status
    if not is_htmx(request):
        tab = "team" if action == "team" else "followups"
        return _page(request, db, actor, project, tab=tab, open_action=action,
                     values=values, errors=_placed(errors or {}, action), status=status)
    context = _form_context(db, actor, project, action, values)
    forms = {a: {} for a in ACTION_FIELDS} | {action: values}
    return render(request, TEMPLATE, block=f"{action}_form", status=status, project=project,
                  forms=forms, active_form=action, errors=_placed(errors or {}, action),
                  **context, **_labels())


def _refusal(actor: Actor, project: Any, action: str, to_stage: Any) -> AppError | None:
    """Why `available_moves` refuses this form's move (to `to_stage`, if one is named)."""
    if action not in Move.__members__:
        return None
    stage = Stage(to_stage) if isinstance(to_stage, str) and to_stage in Stage.__members__ \
        else None
    return available_moves(actor, project).refusal(Move(action), stage)


def _refused(request: Request, db: DbSession, actor: Actor, project_id: int, action: str,
             exc: AppError, values: dict[str, Any], next_url: str | None = None) -> Response:
    """A refusal: undo anything half-done, then show the form again with the reason."""
    db.rollback()
    # A stale version answers 409 (an htmx swap shows it); the form then carries the new
    # one, so sending it again is a deliberate choice. Otherwise the version read is kept.
    status = 409 if isinstance(exc, StaleVersion) else exc.status
    if isinstance(exc, StaleVersion) or any(p.field == "version" for p in exc.errors):
        values = {k: v for k, v in values.items() if k != "version"}
    return _action_form(request, db, actor, project_id, action, values=values,
                        errors=app_error_fields(exc, request.state.locale), status=status,
                        next_url=next_url)


@router.get("/projects/{project_id}")
async def project_page(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_read)],
    tab: Annotated[str, Query(max_length=16)] = "followups",
) -> Response:
    project = project_detail(db, actor, project_id)
    # An HTMX tab click gets the tabs block only; restoring history needs the whole page.
    restoring = request.headers.get("hx-history-restore-request") == "true"
    return _page(request, db, actor, project, tab=tab, block=None if restoring else "tabs")


# --- edit ----------------------------------------------------------------------------------

def _edit_value(project: Any, field: str) -> str:
    """A column's value as the edit form writes it, to compare with what was typed."""
    value = getattr(project, f"{field}_code" if field in LOOKUP_COLUMNS else field)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _edit_fields(project: Any) -> tuple[str, ...]:
    # Those who do not work on a confidential project may not change its name, description
    # or confidentiality, so the form neither shows nor sends (nor clears) them.
    if project.shows_name:
        return EDIT_FIELDS
    return tuple(f for f in EDIT_FIELDS if f not in CONFIDENTIAL_FIELDS)


def _shown_value(project: Any, field: str, locale: str) -> str:
    """A current value as words, for the "changed meanwhile" warning."""
    if field in LOOKUP_COLUMNS:
        name = getattr(project, f"{field}_name" if locale == "zh_CN" else f"{field}_name_en")
        return name or "--"
    value = getattr(project, field)
    if value is None or value == "":
        return "--"
    if field == "key_level":
        return translate(KEY_LEVEL_LABELS.get(value, value), locale)
    if isinstance(value, bool):
        return translate(_("Yes") if value else _("No"), locale)
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= 60 else text[:60] + "…"


def _edit_page(request: Request, db: DbSession, actor: Actor, project: Any, *,
               values: dict[str, str], orig: dict[str, str], version: int,
               errors: dict[str, str] | None = None, stale: dict[str, Any] | None = None,
               status: int = 200) -> Response:
    options = lookup_options(db, actor)
    return render(
        request, "projects/_edit.html", block="edit_form", status=status,
        active_nav="projects", project=project, fields=_edit_fields(project), form=values,
        orig=orig, version=version, errors=errors or {}, stale=stale, options=options,
        key_level_choices=_choices(KEY_LEVEL_LABELS), field_labels=FORM_LABELS,
    )


@router.get("/projects/{project_id}/edit")
async def project_edit_form(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    project = project_detail(db, actor, project_id)
    ensure_can_change(actor, project)
    current = {f: _edit_value(project, f) for f in _edit_fields(project)}
    return _edit_page(request, db, actor, project, values=current, orig=dict(current),
                      version=project.version)


def _typed(form: FormData, fields: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """What the form holds now and what it started from (hidden `orig.<field>`)."""
    def text(key: str) -> str:
        value = form.get(key)
        return value.strip() if isinstance(value, str) else ""
    typed = {f: ("1" if text(f) else "") if f == "is_confidential" else text(f) for f in fields}
    return typed, {f: text(f"orig.{f}") for f in fields}


def _update_data(changed: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field, value in changed.items():
        if field == "is_confidential":
            data[field] = value == "1"
        else:
            data[field] = value or None  # a cleared field is cleared, not left alone
    return data


@router.post("/projects/{project_id}/edit")
async def project_edit(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    locale = request.state.locale
    form = await request.form()
    project = project_detail(db, actor, project_id)
    fields = _edit_fields(project)
    typed, orig = _typed(form, fields)
    # Only what this user changed is sent, so a concurrent edit of other fields survives.
    changed = {f: v for f, v in typed.items() if v != orig[f]}
    if not changed:
        return _done(request, project_id)
    try:
        version = form_version(form.get("version"))
    except ValidationFailed as exc:
        # Offered again with the current version: sending it once more is then deliberate.
        return _edit_page(request, db, actor, project, values=typed, orig=orig,
                          version=project.version, errors={"_": exc.detail(locale)},
                          status=exc.status)
    data, errors = validate_form(ProjectUpdate, _update_data(changed), FORM_LABELS, locale)
    if data is None:
        return _edit_page(request, db, actor, project, values=typed, orig=orig,
                          version=version, errors=errors, status=422)
    try:
        update_project(db, project_id, data, expected_version=version, actor=actor)
    except StaleVersion:
        db.rollback()
        return _stale_edit(request, db, actor, project_id, typed, orig)
    except (ValidationFailed, Conflict) as exc:
        db.rollback()
        return _edit_page(request, db, actor, project, values=typed, orig=orig,
                          version=version, errors=app_error_fields(exc, locale),
                          status=exc.status)
    return _done(request, project_id)


def _stale_edit(request: Request, db: DbSession, actor: Actor, project_id: int,
                typed: dict[str, str], orig: dict[str, str]) -> Response:
    """Someone saved first: keep every typed value, show the other changes, offer the new
    version so that saving again applies this edit deliberately."""
    locale = request.state.locale
    project = project_detail(db, actor, project_id)
    fields = _edit_fields(project)
    current = {f: _edit_value(project, f) for f in fields}
    mine = {f for f in fields if typed.get(f, "") != orig.get(f, "")}
    theirs = [f for f in fields if current[f] != orig.get(f, "")]
    values = {f: typed[f] if f in mine else current[f] for f in fields}
    stale = {
        "by": project.updated_by_name or "--",
        "at": project.updated_at,
        "changes": [{"field": f, "value": _shown_value(project, f, locale),
                     "conflict": f in mine and typed[f] != current[f]} for f in theirs],
    }
    return _edit_page(request, db, actor, project, values=values, orig=current,
                      version=project.version, stale=stale, status=409)


# --- stage moves and status ----------------------------------------------------------------

async def _read(request: Request, *, lists: tuple[str, ...] = ()
                ) -> tuple[dict[str, Any], str, str | None]:
    """The posted fields (as the schema names them), the version as sent (read by
    form_version inside each action's refusal handling) and where to go next."""
    form = await request.form()
    data = form_to_dict(form, lists=lists)
    version = data.pop("version", None)
    next_url = data.pop("next", None)
    return (data, version if isinstance(version, str) else "",
            next_url if isinstance(next_url, str) else None)


@router.get("/projects/{project_id}/advance")
async def advance_form(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    values = {k: v for k, v in request.query_params.items()
              if k in ACTION_FIELDS["advance"] and v.strip()}
    return _action_form(request, db, actor, project_id, "advance", values=values,
                        next_url=request.query_params.get("next"))


@router.post("/projects/{project_id}/advance")
async def advance(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    data, version, next_url = await _read(request)
    payload, errors = validate_form(TransitionIn, data, FORM_LABELS, request.state.locale)
    typed = {**data, "version": version}
    if payload is None:
        return _action_form(request, db, actor, project_id, "advance", values=typed,
                            errors=errors, status=422, next_url=next_url)
    try:
        advance_stage(db, project_id, payload, expected_version=form_version(version),
                      actor=actor)
    except (ValidationFailed, Conflict, StaleVersion) as exc:
        return _refused(request, db, actor, project_id, "advance", exc, typed, next_url)
    return _done(request, project_id, next_url)


@router.get("/projects/{project_id}/move")
async def move_form(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
    to_stage: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """The kanban's "move to…" without JavaScript: the form of the move that reaches the
    stage chosen (forward or, with a reason, back), or why it cannot be made."""
    project = project_detail(db, actor, project_id)
    action = "advance"
    if to_stage in Stage.__members__:
        action = available_moves(actor, project).to(Stage(to_stage)).value
    return _action_form(request, db, actor, project_id, action, values={"to_stage": to_stage},
                        next_url=request.query_params.get("next"))


def _simple_action(action: str, model: type, service: Any,
                   permission: Permission = Permission.project_update) -> None:
    """GET shows the form, POST validates with `model` and calls `service`."""

    async def show(request: Request, db: DbSession, project_id: PathId,
                   actor: Annotated[Actor, requires(permission)]) -> Response:
        return _action_form(request, db, actor, project_id, action, values={},
                            next_url=request.query_params.get("next"))

    async def submit(request: Request, db: DbSession, project_id: PathId,
                     actor: Annotated[Actor, requires(permission)]) -> Response:
        data, version, next_url = await _read(request)
        payload, errors = validate_form(model, data, FORM_LABELS, request.state.locale)
        typed = {**data, "version": version}
        if payload is None:
            return _action_form(request, db, actor, project_id, action, values=typed,
                                errors=errors, status=422, next_url=next_url)
        try:
            service(db, project_id, payload, expected_version=form_version(version),
                    actor=actor)
        except (ValidationFailed, Conflict, StaleVersion) as exc:
            return _refused(request, db, actor, project_id, action, exc, typed, next_url)
        return _done(request, project_id, next_url)

    show.__name__, submit.__name__ = f"{action}_form", f"{action}_submit"
    router.add_api_route(f"/projects/{{project_id}}/{action}", show, methods=["GET"])
    router.add_api_route(f"/projects/{{project_id}}/{action}", submit, methods=["POST"])


_simple_action("back", MoveBackIn, move_back)
_simple_action("pause", PauseIn, pause_project)
_simple_action("resume", ResumeIn, resume_project)
_simple_action("terminate", TerminateIn, terminate_project)
_simple_action("leader", LeaderAssignIn, assign_leader, Permission.project_assign_leader)


@router.post("/projects/{project_id}/delete")
async def project_delete(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_delete)],
) -> Response:
    """To the recycle bin (the button asks first); refusals go to the error page."""
    _data, version, _next = await _read(request)
    soft_delete_project(db, project_id, expected_version=form_version(version), actor=actor)
    return see_other(request, "/projects")


# --- follow-ups and the team ---------------------------------------------------------------

@router.post("/projects/{project_id}/activities")
async def activity_add(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.activity_create)],
) -> Response:
    data, _version_unused, _next = await _read(request, lists=("participant_ids",))
    payload, errors = validate_form(
        ActivityCreate, {**data, "happened_at": _aware(data.get("happened_at"))},
        FORM_LABELS, request.state.locale)
    if payload is None:
        return _action_form(request, db, actor, project_id, "activity", values=data,
                            errors=errors, status=422)
    try:
        add_activity(db, project_id, payload, actor=actor)
    except (ValidationFailed, Conflict) as exc:
        return _refused(request, db, actor, project_id, "activity", exc, data)
    return _done(request, project_id)


@router.post("/projects/{project_id}/team")
async def team_add(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    data, _version_unused, _next = await _read(request)
    payload, errors = validate_form(TeamMemberIn, data, FORM_LABELS, request.state.locale)
    if payload is None:
        return _action_form(request, db, actor, project_id, "team", values=data,
                            errors=errors, status=422)
    try:
        add_team_member(db, project_id, payload, actor=actor)
    except (ValidationFailed, Conflict) as exc:
        return _refused(request, db, actor, project_id, "team", exc, data)
    return see_other(request, f"/projects/{project_id}?tab=team")
