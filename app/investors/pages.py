"""HTML door for a project's investor and its contacts: the contacts (its investor tab loads
them from here; without JavaScript they are a page of their own), masked unless one works
on the project, the deliberate, audited "show in full", and the forms that change the
investor and add, change or remove contacts. Rules live in app.projects.service (the
investor) and app.investors.service (contacts)."""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.errors import AppError, Conflict, StaleVersion, ValidationFailed
from app.i18n import _
from app.investors.service import (
    ContactView,
    add_contact,
    contact_for_edit,
    delete_contact,
    may_edit_investor,
    project_contacts,
    update_contact,
)
from app.projects.queries import project_detail
from app.projects.schemas import OWNERSHIP_LABELS, ContactIn, ContactUpdate, InvestorUpdate
from app.projects.service import (
    ensure_can_change,
    ensure_can_see_investor,
    get_project,
    shared_project_count,
)
from app.projects.service import update_investor as update_investor_service
from app.web.deps import DbSession, PathId, requires
from app.web.forms import app_error_fields, form_version, validate_form
from app.web.redirects import see_other
from app.web.templating import render

router = APIRouter(include_in_schema=False)

INVESTOR_FIELDS = ("name", "credit_code", "hq_province", "hq_city", "ownership")
CONTACT_FIELDS = ("name", "title", "phone", "email")
# Lower-case labels, for messages that name a field.
INVESTOR_LABELS = {"name": _("investor name"), "credit_code": _("unified social credit code"),
                   "hq_province": _("headquarters province"),
                   "hq_city": _("headquarters city"), "ownership": _("ownership")}
CONTACT_LABELS = {"name": _("contact name"), "title": _("contact title"),
                  "phone": _("contact phone"), "email": _("contact e-mail")}


def _investor_tab(project_id: int) -> str:
    return f"/projects/{project_id}?tab=investor"


def _contacts(request: Request, db: DbSession, actor: Actor, project_id: int,
              contacts: list[ContactView]) -> Response:
    """The contacts block for HTMX, else the page around it. Personal information: not
    to be kept in any cache."""
    project = project_detail(db, actor, project_id)
    return render(request, "investors/contacts.html", block="contacts",
                  project=project, project_id=project_id,
                  contacts=contacts, can_unmask=actor.can(Permission.contact_unmask),
                  can_edit=may_edit_investor(actor, project), form={}, errors={},
                  headers={"Cache-Control": "no-store"})


@router.get("/projects/{project_id}/contacts")
async def contacts(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_read)],
) -> Response:
    return _contacts(request, db, actor, project_id, project_contacts(db, actor, project_id))


@router.post("/projects/{project_id}/contacts/unmask")
async def contacts_unmask(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.contact_unmask)],
) -> Response:
    return _contacts(request, db, actor, project_id,
                     project_contacts(db, actor, project_id, unmask=True))


# --- the investor --------------------------------------------------------------------------

def _investor_values(project: Any) -> dict[str, str]:
    return {field: getattr(project, f"investor_{field}") or "" for field in INVESTOR_FIELDS}


def _investor_page(request: Request, db: DbSession, actor: Actor, project: Any, *,
                   values: dict[str, str], orig: dict[str, str], version: int,
                   errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return render(request, "investors/investor_edit.html", block="investor_form",
                  status=status, active_nav="projects", project=project, form=values,
                  orig=orig, version=version, errors=errors or {},
                  shared=shared_project_count(db, get_project(db, project.id, actor)),
                  ownership_labels=OWNERSHIP_LABELS)


def _editable(db: DbSession, actor: Actor, project_id: int) -> Any:
    """The project as the actor sees it, if they may change its investor (else refused
    as the service would refuse the change)."""
    project = project_detail(db, actor, project_id)
    ensure_can_change(actor, project)
    ensure_can_see_investor(db, actor, get_project(db, project_id, actor))
    return project


@router.get("/projects/{project_id}/investor/edit")
async def investor_edit_form(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    project = _editable(db, actor, project_id)
    current = _investor_values(project)
    return _investor_page(request, db, actor, project, values=current, orig=dict(current),
                          version=project.version)


def _texts(form: Any, fields: tuple[str, ...], prefix: str = "") -> dict[str, str]:
    def text(key: str) -> str:
        value = form.get(prefix + key)
        return value.strip() if isinstance(value, str) else ""
    return {field: text(field) for field in fields}


@router.post("/projects/{project_id}/investor/edit")
async def investor_edit(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    locale = request.state.locale
    form = await request.form()
    project = _editable(db, actor, project_id)
    typed, orig = _texts(form, INVESTOR_FIELDS), _texts(form, INVESTOR_FIELDS, "orig.")
    # Only what this user changed is sent, so a concurrent edit of other fields survives.
    changed = {f: v or None for f, v in typed.items() if v != orig[f]}
    if not changed:
        return see_other(request, _investor_tab(project_id))
    try:
        version = form_version(form.get("version"))
    except ValidationFailed as exc:
        return _investor_page(request, db, actor, project, values=typed, orig=orig,
                              version=project.version, errors={"_": exc.detail(locale)},
                              status=exc.status)
    data, errors = validate_form(InvestorUpdate, changed, INVESTOR_LABELS, locale)
    if data is None:
        return _investor_page(request, db, actor, project, values=typed, orig=orig,
                              version=version, errors=errors, status=422)
    try:
        update_investor_service(db, project_id, data, expected_version=version, actor=actor)
    except (ValidationFailed, Conflict, StaleVersion) as exc:
        db.rollback()
        project = project_detail(db, actor, project_id)
        if isinstance(exc, StaleVersion):
            # Someone saved first: what was typed stays, the form now carries the new
            # version and values, so saving again is a deliberate choice.
            return _investor_page(request, db, actor, project, values=typed,
                                  orig=_investor_values(project), version=project.version,
                                  errors={"_": exc.detail(locale)}, status=409)
        return _investor_page(request, db, actor, project, values=typed, orig=orig,
                              version=version, errors=app_error_fields(exc, locale),
                              status=exc.status)
    return see_other(request, _investor_tab(project_id))


# --- contacts ------------------------------------------------------------------------------

def _contact_page(request: Request, db: DbSession, actor: Actor, project_id: int, *,
                  contact: ContactView | None, values: dict[str, str],
                  orig: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    return render(request, "investors/contact_form.html", block="contact_form",
                  status=status, active_nav="projects",
                  project=project_detail(db, actor, project_id), project_id=project_id,
                  contact=contact, form=values, orig=orig or values, errors=errors or {},
                  headers={"Cache-Control": "no-store"})


def _refused(request: Request, db: DbSession, actor: Actor, project_id: int, exc: AppError,
             contact: ContactView | None, values: dict[str, str],
             orig: dict[str, str] | None = None) -> Response:
    db.rollback()
    return _contact_page(request, db, actor, project_id, contact=contact, values=values,
                         orig=orig, errors=app_error_fields(exc, request.state.locale),
                         status=exc.status)


@router.post("/projects/{project_id}/contacts/add")
async def contact_add(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    typed = _texts(await request.form(), CONTACT_FIELDS)
    data, errors = validate_form(ContactIn, {f: v or None for f, v in typed.items()},
                                 CONTACT_LABELS, request.state.locale)
    if data is None:
        return _contact_page(request, db, actor, project_id, contact=None, values=typed,
                             errors=errors, status=422)
    try:
        add_contact(db, project_id, data, actor=actor)
    except (ValidationFailed, Conflict) as exc:
        return _refused(request, db, actor, project_id, exc, None, typed)
    return see_other(request, _investor_tab(project_id))


def _edit_values(contact: ContactView) -> dict[str, str]:
    """What the edit form starts from: phone and e-mail only where the editor may read
    them in full; left blank (masked ones), they keep what is stored."""
    hidden = contact.masked or contact.unreadable
    return {"name": contact.name, "title": contact.title or "",
            "phone": "" if hidden else contact.phone or "",
            "email": "" if hidden else contact.email or ""}


@router.get("/projects/{project_id}/contacts/{contact_id}/edit")
async def contact_edit_form(
    request: Request, db: DbSession, project_id: PathId, contact_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    contact = contact_for_edit(db, actor, project_id, contact_id)
    return _contact_page(request, db, actor, project_id, contact=contact,
                         values=_edit_values(contact))


@router.post("/projects/{project_id}/contacts/{contact_id}/edit")
async def contact_edit(
    request: Request, db: DbSession, project_id: PathId, contact_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    contact = contact_for_edit(db, actor, project_id, contact_id)
    form = await request.form()
    typed, orig = _texts(form, CONTACT_FIELDS), _texts(form, CONTACT_FIELDS, "orig.")
    # Only what was changed is sent (a concurrent change of another field survives); a
    # phone or e-mail the form could not show started blank, and left blank keeps its
    # stored value.
    changed = {f: v or None for f, v in typed.items() if v != orig[f]}
    if not changed:
        return see_other(request, _investor_tab(project_id))
    data, errors = validate_form(ContactUpdate, changed, CONTACT_LABELS, request.state.locale)
    if data is None:
        return _contact_page(request, db, actor, project_id, contact=contact, values=typed,
                             orig=orig, errors=errors, status=422)
    try:
        update_contact(db, project_id, contact_id, data, actor=actor)
    except (ValidationFailed, Conflict) as exc:
        return _refused(request, db, actor, project_id, exc, contact, typed, orig)
    return see_other(request, _investor_tab(project_id))


@router.post("/projects/{project_id}/contacts/{contact_id}/delete")
async def contact_remove(
    request: Request, db: DbSession, project_id: PathId, contact_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    """The button asks first; refusals go to the error page."""
    delete_contact(db, project_id, contact_id, actor=actor)
    return see_other(request, _investor_tab(project_id))
