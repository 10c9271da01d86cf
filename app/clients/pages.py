"""HTML door for agency API clients: the administrator creates one (its token is shown
once, on the answer page) and revokes it. Rules live in app.clients.service."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.permissions import Actor, Permission
from app.clients.service import SCOPES, create_client, list_clients, revoke_client
from app.db import utcnow
from app.errors import AppError
from app.i18n import _, translate
from app.lookups.service import lookup_options
from app.web.deps import DbSession, PathId, requires
from app.web.forms import app_error_fields
from app.web.templating import render

router = APIRouter(include_in_schema=False)

SCOPE_LABELS = {
    "projects:read": _("Read projects"),
    "projects:write": _("Create and change projects"),
    "activities:write": _("Record follow-ups"),
    "stats:read": _("Read statistics"),
    "webhooks:manage": _("Manage webhooks"),
    "audit:read": _("Read the audit trail"),
}


def _clients_page(request: Request, db: DbSession, actor: Actor, *, form: dict | None = None,
                  errors: dict[str, str] | None = None, created: object = None,
                  token: str | None = None, status: int = 200) -> Response:
    counties = lookup_options(db).counties
    locale = request.state.locale
    return render(
        request, "clients/clients.html", status=status, active_nav="clients",
        clients=list_clients(db, actor), counties=counties,
        county_names={c.code: c.name if locale == "zh_CN" else c.name_en for c in counties},
        scope_labels=[(scope, SCOPE_LABELS[scope]) for scope in SCOPES],
        form=form or {"scopes": [], "days": "365"}, errors=errors or {}, created=created,
        token=token, now=utcnow(),
    )


@router.get("/admin/clients")
async def clients(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.user_manage)],
) -> Response:
    return _clients_page(request, db, actor)


@router.post("/admin/clients")
async def clients_create(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.user_manage)],
    name: Annotated[str, Form(max_length=100)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    county_code: Annotated[str, Form(max_length=32)] = "",
    days: Annotated[str, Form(max_length=5)] = "365",
) -> Response:
    form = {"name": name, "scopes": scopes or [], "county_code": county_code, "days": days}
    if not (days.strip().isascii() and days.strip().isdigit()):
        return _clients_page(request, db, actor, form=form, status=422, errors={
            "days": translate(_("Enter a whole number of days."), request.state.locale)})
    try:
        new = create_client(db, actor, name=name, scopes=scopes or [],
                            county_code=county_code or None, days=int(days))
    except AppError as exc:
        return _clients_page(request, db, actor, form=form, status=exc.status,
                             errors=app_error_fields(exc, request.state.locale))
    return _clients_page(request, db, actor, created=new.client, token=new.token)


@router.post("/admin/clients/{client_id}/revoke")
async def clients_revoke(
    request: Request, db: DbSession,
    client_id: PathId,
    actor: Annotated[Actor, requires(Permission.user_manage)],
) -> Response:
    revoke_client(db, actor, client_id)
    return RedirectResponse("/admin/clients", status_code=303)
