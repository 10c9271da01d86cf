"""项目列表: the query card, quick tabs with counts, saved views, the table and its pages."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.people import leaders
from app.accounts.permissions import Actor, Permission
from app.errors import AppError
from app.i18n import _
from app.lookups.service import lookup_options
from app.projects.pages.common import LABELS, parse_filters, query_dict, url_with
from app.projects.queries import (
    MONEY_SUM_HEADINGS,
    MONEY_SUM_LABELS,
    list_projects,
    money_sums_asked,
)
from app.projects.service import delete_view, save_view, saved_views
from app.web.deps import DbSession, PathId, requires
from app.web.forms import app_error_fields
from app.web.redirects import see_other
from app.web.templating import is_htmx, render

router = APIRouter()
PAGE_SIZES = (10, 20, 50, 100)
# Quick tabs: a label and the stages it covers (在谈 / 已签约 / 已开工 / 已投产).
QUICK_TABS = (
    ("all", _("All"), ()),
    ("talks", _("In talks"), ("contact", "intent")),
    ("signed", _("Signed"), ("signed", "contract")),
    ("started", _("Started"), ("groundbreaking",)),
    ("producing", _("In production"), ("production", "achieved")),
)


@router.get("/projects")
async def project_list(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_read)],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
    sort: Annotated[str, Query(max_length=32)] = "-updated_at",
    money_sum: Annotated[str, Query(alias="sum", max_length=64)] = "",
) -> Response:
    locale = request.state.locale
    filters, filter_errors = parse_filters(request, locale)
    per_page = per_page if per_page in PAGE_SIZES else 20
    result = list_projects(db, actor, filters, sort=sort, page=page, per_page=per_page,
                           money_sums=money_sums_asked(money_sum))
    active_stages = tuple(s.value for s in filters.stage)
    tabs = [
        {"key": key, "label": label, "count": sum(result.by_stage[s] for s in stages) if stages
         else sum(result.by_stage.values()),
         "href": url_with(request, stage=list(stages) or None, page=None),
         "active": active_stages == stages}
        for key, label, stages in QUICK_TABS
    ]
    return render(
        request, "projects/list.html", block="results", active_nav="projects",
        headers={"Vary": "HX-Request"},
        result=result, tabs=tabs, sort=sort, query=query_dict(request),
        filter_errors=filter_errors, options=lookup_options(db, actor), leaders=leaders(db),
        views=saved_views(db, actor), page_sizes=PAGE_SIZES, url_with=url_with,
        can_create=actor.can(Permission.project_create), money_sum_labels=MONEY_SUM_LABELS,
        money_sum_headings=MONEY_SUM_HEADINGS,
        **LABELS,
    )


@router.post("/projects/views")
async def project_view_save(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_read)],
    name: Annotated[str, Form(max_length=100)] = "",
    query: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        view = save_view(db, actor, name, query)
    except AppError as exc:
        if not is_htmx(request):
            raise  # rendered as an error page with the message
        message = app_error_fields(exc, request.state.locale)
        return render(request, "projects/list.html", block="view_error", status=exc.status,
                      message=next(iter(message.values())))
    return see_other(request, "/projects" + (f"?{view.query}" if view.query else ""))


@router.post("/projects/views/{view_id}/delete")
async def project_view_delete(
    request: Request, db: DbSession, view_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_read)],
) -> Response:
    delete_view(db, actor, view_id)
    return RedirectResponse("/projects", status_code=303)
