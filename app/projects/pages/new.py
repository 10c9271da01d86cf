"""新建项目: the form in cards, chain links and zones narrowed by their parent, and the live
duplicate warning that offers to link "another project of the same investor"."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.errors import Conflict, ValidationFailed
from app.i18n import _, translate
from app.lookups.service import LookupOptions, lookup_options
from app.projects.investors import clean_credit_code
from app.projects.pages.common import LABELS
from app.projects.queries import duplicate_candidates
from app.projects.schemas import FIELD_LABELS, OWNERSHIP_LABELS, ProjectCreate
from app.projects.service import assignable_leaders, create_project
from app.web.deps import DbSession, requires
from app.web.forms import app_error_fields, form_to_dict, validate_form
from app.web.redirects import see_other
from app.web.templating import render, render_fragment

router = APIRouter()

# Labels for the fields ProjectCreate names beyond the shared FIELD_LABELS.
FORM_LABELS: dict[str, str] = {
    **FIELD_LABELS,
    "investor.name": _("investor name"),
    "investor.credit_code": _("unified social credit code"),
    "investor.hq_province": _("headquarters province"),
    "investor.hq_city": _("headquarters city"),
    "investor.ownership": _("ownership"),
    "investor.contacts.0.name": _("contact name"),
    "investor.contacts.0.title": _("contact title"),
    "investor.contacts.0.phone": _("contact phone"),
    "investor.contacts.0.email": _("contact e-mail"),
    "leader_id": _("responsible leader"),
    "same_investor_as": _("related project"),
    "first_contact_on": _("date of first contact"),
    "is_confidential": _("confidential"),
}
DUPLICATE_MESSAGE = _("This investor already has a project under way (listed below). If the "
                      "new one is another project of the same investor, such as a second "
                      "phase or a capital increase, choose the project it follows; otherwise "
                      "do not report it again.")


def _children(options: list[Any], parent: str | None) -> list[Any]:
    return [o for o in options if o.parent == parent] if parent else []


def _duplicates(db: DbSession, actor: Actor, locale: str, name: str | None,
                credit_code: str | None) -> tuple[list[Any], str | None]:
    """Rows of live projects of the investor typed so far, or the credit code's problem."""
    name = (name or "").strip()
    try:
        code = clean_credit_code(credit_code)
    except ValidationFailed as exc:
        return [], exc.detail(locale)
    if not name and not code:
        return [], None
    return duplicate_candidates(db, actor, investor_name=name, credit_code=code), None


def _page(request: Request, db: DbSession, actor: Actor, *, form: dict[str, str],
          errors: dict[str, str] | None = None, status: int = 200,
          conflict: bool = False) -> Response:
    """The whole form (or its block for HTMX), with whatever was typed and the duplicates
    of the investor typed so far."""
    locale = request.state.locale
    options: LookupOptions = lookup_options(db, actor)
    duplicates, duplicate_error = _duplicates(db, actor, locale, form.get("investor.name"),
                                              form.get("investor.credit_code"))
    return render(
        request, "projects/new.html", block="project_form", status=status,
        active_nav="projects", form=form, errors=errors or {},
        options=options, chain_links=_children(options.chain_links, form.get("chain")),
        zones=_children(options.zones, form.get("county")),
        leaders=assignable_leaders(db, actor, form.get("county") or None),
        ownership=OWNERSHIP_LABELS.items(), duplicates=duplicates,
        duplicate_error=duplicate_error,
        conflict=conflict, county_locked=actor.county_code is not None, **LABELS,
    )


@router.get("/projects/new")
async def project_new(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_create)],
) -> Response:
    form = {"county": actor.county_code} if actor.county_code else {}
    return _page(request, db, actor, form=form)


@router.get("/projects/new/duplicates")
async def project_new_duplicates(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_create)],
    investor_name: Annotated[str, Query(alias="investor.name", max_length=200)] = "",
    credit_code: Annotated[str, Query(alias="investor.credit_code", max_length=64)] = "",
    same_investor_as: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    rows, problem = _duplicates(db, actor, request.state.locale, investor_name, credit_code)
    return render_fragment(request, "projects/new.html", "duplicates", duplicates=rows,
                  duplicate_error=problem, form={"same_investor_as": same_investor_as},
                  conflict=False, **LABELS)


@router.get("/projects/new/chain-links")
async def project_new_chain_links(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_create)],
    chain: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    options = lookup_options(db, actor)
    return render_fragment(request, "projects/new.html", "chain_link_field", options=options,
                  chain_links=_children(options.chain_links, chain), form={"chain": chain},
                  errors={})


@router.get("/projects/new/zones")
async def project_new_zones(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_create)],
    county: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    options = lookup_options(db, actor)
    return render_fragment(request, "projects/new.html", "zone_field", options=options,
                  zones=_children(options.zones, county), form={"county": county}, errors={})


@router.get("/projects/new/leaders")
async def project_new_leaders(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_create)],
    county: Annotated[str, Query(max_length=32)] = "",
    leader_id: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return render_fragment(request, "projects/new.html", "leader_field",
                           leaders=assignable_leaders(db, actor, county or None),
                           form={"leader_id": leader_id}, errors={})


@router.post("/projects/new")
async def project_create(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_create)],
) -> Response:
    locale = request.state.locale
    raw = await request.form()
    form = {key: str(raw.get(key, "")) for key in raw if key != "csrf_token"}
    typed = form_to_dict(raw)
    typed.setdefault("investor", {})  # an empty investor card: its name is what is missing
    data, errors = validate_form(ProjectCreate, typed, FORM_LABELS, locale)
    if data is None:
        return _page(request, db, actor, form=form, errors=errors, status=422)
    try:
        project = create_project(db, data, actor=actor)
    except (Conflict, ValidationFailed) as exc:
        db.rollback()  # nothing of a refused creation may be committed with the page
        conflict = isinstance(exc, Conflict) and exc.params.get("project_id") is not None
        errors = ({"_": translate(DUPLICATE_MESSAGE, locale)} if conflict
                  else app_error_fields(exc, locale))
        return _page(request, db, actor, form=form, errors=errors, status=exc.status,
                     conflict=conflict)
    return see_other(request, f"/projects/{project.id}")
