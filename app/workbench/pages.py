"""HTML door for 工作台 (the home page) and the leader board; reads in app.workbench.queries,
the one leader rule in app.projects.service.assign_leader."""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.permissions import Actor, Permission
from app.errors import AppError, StaleVersion
from app.i18n import _
from app.projects.queries import project_detail
from app.projects.schemas import LeaderAssignIn
from app.projects.service import assign_leader, assignable_leaders
from app.projects.stages import STAGE_LABELS, STATUS_LABELS
from app.web.deps import DbSession, PathId, requires
from app.web.forms import app_error_fields, form_to_dict, form_version, validate_form
from app.web.templating import is_htmx, render
from app.workbench.queries import leader_board, workbench

router = APIRouter(include_in_schema=False)
ASSIGN_LABELS = {"leader_id": _("responsible leader"), "reason": _("reason")}
LABELS = {"stage_labels": STAGE_LABELS, "status_labels": STATUS_LABELS}
# Refusals shown beside the form; anything else (not found, forbidden) is an error page.
FORM_STATUSES = (409, 412, 422)


@router.get("/")
async def home(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.self_service)],
) -> Response:
    # Declared with self_service so everyone lands somewhere: auditors on their own page.
    if not actor.can(Permission.project_read):
        target = "/audit" if actor.can(Permission.audit_read) else "/account"
        return RedirectResponse(target, status_code=303)
    return render(request, "workbench/home.html", active_nav="workbench",
                  page=workbench(db, actor), **LABELS)


def _board_page(request: Request, db: DbSession, actor: Actor, *, block: str | None = None,
                status: int = 200, headers: dict[str, str] | None = None,
                form_errors: dict[int, dict[str, str]] | None = None,
                form_values: dict[int, dict[str, Any]] | None = None) -> Response:
    return render(request, "workbench/leaders.html", block=block, status=status,
                  headers=headers, active_nav="leaders", board=leader_board(db, actor),
                  can_assign=actor.can(Permission.project_assign_leader),
                  form_errors=form_errors or {}, form_values=form_values or {}, **LABELS)


@router.get("/leaders")
async def leaders_page(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_read)],
) -> Response:
    return _board_page(request, db, actor, block="board", headers={"Vary": "HX-Request"})


@router.post("/leaders/assign/{project_id}")
async def leaders_assign(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_assign_leader)],
) -> Response:
    locale = request.state.locale
    values = form_to_dict(await request.form())
    version = values.pop("version", None)  # as sent; the form carries it back
    data, errors = validate_form(LeaderAssignIn, values, ASSIGN_LABELS, locale)
    status = 422
    if data is not None:
        try:
            assign_leader(db, project_id, data, expected_version=form_version(version),
                          actor=actor)
        except AppError as exc:
            if exc.status not in FORM_STATUSES:
                raise
            errors = app_error_fields(exc, locale)
            # htmx swaps 422 and 409 answers only; a stale version is a conflict too.
            status = 422 if exc.status == 422 else 409
            db.rollback()  # a refused assignment changes nothing
            if isinstance(exc, StaleVersion) or "version" in errors:
                # Back with the current version: sending it once more is then deliberate.
                version = project_detail(db, actor, project_id).version
    if not errors:
        if is_htmx(request):
            return _board_page(request, db, actor, block="board")
        return RedirectResponse("/leaders", status_code=303)
    if is_htmx(request):
        return render(request, "workbench/leaders.html", block="assign_form", status=status,
                      headers={"HX-Retarget": f"#assign-{project_id}", "HX-Reswap": "outerHTML"},
                      project_id=project_id, version=version, values=values, errors=errors,
                      leaders=assignable_leaders(
                          db, actor, project_detail(db, actor, project_id).county_code))
    return _board_page(request, db, actor, status=status, form_errors={project_id: errors},
                       form_values={project_id: values})
