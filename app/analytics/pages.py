"""HTML door for 领导驾驶舱: the cockpit, its warnings list and export, the targets and
warning rules (supervisors), and funds in place on a project. Figures come from the
analytics modules (app.analytics.cockpit and the figures it assembles); routes only parse
the query and shape the answer."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.people import leaders
from app.accounts.permissions import Actor, Permission
from app.analytics import export as xlsx
from app.analytics.cockpit import Cockpit, cached_cockpit
from app.analytics.forms import read_target_grid, target_values
from app.analytics.funds import add_funds_entry, funds_of_project
from app.analytics.groupings import DIMENSIONS
from app.analytics.lights import (
    LIGHTS,
    RULE_KEYS,
    project_warnings,
    save_warning_rules,
    warning_rules,
)
from app.analytics.links import warnings_href
from app.analytics.schemas import (
    METRIC_LABELS,
    TARGET_YEARS,
    FundsEntryIn,
    WarningRulesIn,
    metric_kind,
)
from app.analytics.targets import save_target_grid, target_grid, valid_period
from app.clock import local_date
from app.errors import AppError
from app.i18n import _, translate
from app.lookups.service import lookup_options
from app.projects.pages.common import LABELS, parse_filters, query_dict, url_with
from app.projects.stages import STAGE_LABELS, STAGE_ORDER
from app.web.deps import DbSession, PathId, requires, unit_of_work
from app.web.forms import app_error_fields, form_to_dict, validate_form
from app.web.redirects import see_other
from app.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)
MODES = ("now", "cohort")
FORM_STATUSES = (409, 412, 422)
QUARTER_LABELS = {0: _("Whole year"), 1: _("Q1"), 2: _("Q2"), 3: _("Q3"), 4: _("Q4")}
DIMENSION_LABELS = {"county": _("County"), "chain": _("Industry chain"),
                    "region": _("Source region"), "method": _("Attraction method"),
                    "leader": _("Responsible leader")}
RULE_LABELS = {"idle": _("Days without follow-up"),
               "groundbreaking": _("Months past the planned groundbreaking"),
               **{f"stage_{s.value}": _("Days in stage: {stage}") for s in STAGE_ORDER[:-1]}}
RULES_NOT_THE_GRID = _("The warning rules were not sent as the table lays them out; fill in "
                       "the table and save again.")
FUNDS_LABELS = {"amount": _("amount"), "on_date": _("date"), "note": _("note")}
CHART_STAGE_LABELS = {s.value: label for s, label in STAGE_LABELS.items()}


def _year(value: int | None) -> int:
    return value or local_date().year


RATE_NOTES = {
    "signing": _("Signed / all leads"),
    "contract": _("Contracts / signed"),
    "start": _("Started / planned to start in the period"),
    "production": _("In production / started"),
    "achieved": _("Reached designed output / in production"),
    "funds": _("Funds in place / agreed amount (10,000 yuan)"),
}


def _context(request: Request) -> dict[str, Any]:
    return {"stage_labels": CHART_STAGE_LABELS, "quarter_labels": QUARTER_LABELS,
            "dimension_labels": DIMENSION_LABELS, "metric_labels": METRIC_LABELS,
            "metric_kind": metric_kind,
            "mode_labels": xlsx.MODE_LABELS, "light_labels": xlsx.LIGHT_LABELS,
            "rate_notes": RATE_NOTES, "url_with": url_with,
            **{k: v for k, v in LABELS.items() if k != "stage_labels"}}


def _place(row: Any, locale: str) -> str:
    return row.name if locale == "zh_CN" else row.name_en


def chart_data(c: Cockpit, locale: str) -> dict[str, dict[str, Any]]:
    """What each chart draws, as JSON for its data-chart attribute (amounts as strings, so
    they stay exact until the browser draws them). The tables beside show the same."""
    def t(message: str) -> str:
        return translate(message, locale)

    return {
        "funnel": {"kind": "funnel",
                   "labels": [t(CHART_STAGE_LABELS[r.stage]) for r in c.funnel],
                   "series": [{"name": t("Reached"), "values": [r.reached for r in c.funnel]},
                              {"name": t("Now at stage"),
                               "values": [r.count for r in c.funnel]}]},
        "trend": {"kind": "trend", "labels": [p.month for p in c.trend],
                  "series": [{"name": t("Signed"), "values": [p.signed for p in c.trend]},
                             {"name": t("Groundbreakings"),
                              "values": [p.groundbreaking for p in c.trend]}]},
        "county": {"kind": "bars", "horizontal": True,
                   "labels": [_place(r, locale) for r in c.by_county],
                   "series": [{"name": t("Signed amount (10,000 yuan)"),
                               "values": [str(r.signed_amount) for r in c.by_county]}]},
        "chain": {"kind": "bars",
                  "labels": [_place(r, locale) for r in c.by_chain],
                  "series": [{"name": t("Live projects"),
                              "values": [r.projects for r in c.by_chain]},
                             {"name": t("Signed"), "values": [r.signed for r in c.by_chain]}]},
    }


@dataclass(frozen=True)
class CockpitView:
    """The cockpit's own query parameters (the project filters aside), normalised: the page
    and its export read the same view."""

    year: int
    quarter: int
    mode: str
    dimension: str


def cockpit_view(
    year: Annotated[int | None, Query(ge=TARGET_YEARS[0], le=TARGET_YEARS[1])] = None,
    quarter: Annotated[int, Query(ge=0, le=4)] = 0,
    mode: Annotated[str, Query(max_length=16)] = "now",
    by: Annotated[str, Query(max_length=16)] = "region",
) -> CockpitView:
    return CockpitView(year=_year(year), quarter=quarter,
                       mode=mode if mode in MODES else "now",
                       dimension=by if by in DIMENSIONS else "region")


View = Annotated[CockpitView, Depends(cockpit_view)]


@router.get("/cockpit")
async def cockpit_page(
    request: Request, db: DbSession, view: View,
    actor: Annotated[Actor, requires(Permission.stats_read)],
) -> Response:
    filters, filter_errors = parse_filters(request, request.state.locale)
    figures = cached_cockpit(db, actor, filters, request.app.state.figures_cache,
                             year=view.year, quarter=view.quarter, mode=view.mode,
                             dimension=view.dimension)
    return render(
        request, "analytics/cockpit.html", block="figures", active_nav="cockpit",
        headers={"Vary": "HX-Request"}, c=figures, query=query_dict(request),
        charts=chart_data(figures, request.state.locale),
        warnings_all=warnings_href(figures.filters, None),
        filter_errors=filter_errors, options=lookup_options(db, actor), leaders=leaders(db),
        years=range(view.year - 4, view.year + 2), dimensions=DIMENSIONS,
        can_export=actor.can(Permission.export),
        can_set_targets=actor.can(Permission.targets_manage), **_context(request),
    )


@router.get("/cockpit/warnings")
async def cockpit_warnings(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.stats_read)],
    light: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters, filter_errors = parse_filters(request, request.state.locale)
    result = project_warnings(db, actor, filters, light=light if light in LIGHTS else None,
                              page=page, per_page=20)
    return render(request, "analytics/warnings.html", block="results",
                  active_nav="cockpit", headers={"Vary": "HX-Request"}, result=result,
                  light=light if light in LIGHTS else "", filter_errors=filter_errors,
                  rules=warning_rules(db), rule_labels=RULE_LABELS, **_context(request))


@router.get("/cockpit/export.xlsx")
async def cockpit_export(
    request: Request, db: DbSession, view: View,
    actor: Annotated[Actor, requires(Permission.export)],
) -> Response:
    filters, _errors = parse_filters(request, request.state.locale)
    content = xlsx.export_cockpit(db, actor, filters, year=view.year, quarter=view.quarter,
                                  mode=view.mode, dimension=view.dimension,
                                  locale=request.state.locale)
    # The GET's own transaction stays a read; the audit row is a short write of its own,
    # committed before the workbook leaves (no unaudited export).
    with unit_of_work(request, write=True) as own:
        xlsx.audit_export(own, actor, request.url.query)
    name = f"cockpit-{view.year}" + (f"-q{view.quarter}" if view.quarter else "") + ".xlsx"
    return Response(content, media_type=xlsx.MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- targets and warning rules (supervisors) ----------------------------------------------

def _targets_page(request: Request, db: DbSession, actor: Actor, year: int, quarter: int, *,
                  errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                  rule_errors: dict[str, str] | None = None,
                  rule_values: dict[str, Any] | None = None, saved: str | None = None,
                  status: int = 200, block: str | None = None) -> Response:
    return render(request, "analytics/targets.html", block=block, status=status,
                  active_nav="cockpit", grid=target_grid(db, actor, year, quarter),
                  year=year, quarter=quarter, years=range(year - 2, year + 3),
                  errors=errors or {}, values=values, rule_errors=rule_errors or {},
                  rule_values=rule_values, rules=warning_rules(db), rule_keys=RULE_KEYS,
                  rule_labels=RULE_LABELS, saved=saved, **_context(request))


@router.get("/cockpit/targets")
async def targets_form(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.targets_manage)],
    year: Annotated[int | None, Query(ge=TARGET_YEARS[0], le=TARGET_YEARS[1])] = None,
    quarter: Annotated[int, Query(ge=0, le=4)] = 0,
) -> Response:
    return _targets_page(request, db, actor, _year(year), quarter,
                         saved=request.query_params.get("saved"))


@router.post("/cockpit/targets")
async def targets_save(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.targets_manage)],
) -> Response:
    grid = read_target_grid(await request.form())
    year, quarter = grid.year, grid.quarter
    try:
        save_target_grid(db, actor, year, quarter, target_values(grid.cells))
    except AppError as exc:
        if exc.status not in FORM_STATUSES:
            raise
        db.rollback()
        if not valid_period(year, quarter):
            year, quarter = _year(None), 0  # the grid shown again must be one that exists
        return _targets_page(request, db, actor, year, quarter,
                             errors=app_error_fields(exc, request.state.locale),
                             values=grid.cells, status=exc.status, block="targets")
    return see_other(request, f"/cockpit/targets?year={year}&quarter={quarter}&saved=targets")


@router.post("/cockpit/rules")
async def rules_save(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.targets_manage)],
) -> Response:
    form = await request.form()
    data = form_to_dict(form)
    year = local_date().year
    labels = {f"rules.{k}.{c}": v for k, v in RULE_LABELS.items() for c in ("yellow", "red")}
    parsed, errors = validate_form(WarningRulesIn, {"rules": data.get("rules", {})}, labels,
                                   request.state.locale)
    if parsed is not None:
        try:
            save_warning_rules(db, actor, parsed)
        except AppError as exc:
            if exc.status not in FORM_STATUSES:
                raise
            errors = app_error_fields(exc, request.state.locale)
    if errors:
        db.rollback()
        typed = data.get("rules")
        if not isinstance(typed, dict) or not all(isinstance(v, dict) for v in typed.values()):
            typed = {}  # a form not shaped like the grid: show the grid empty, with the error
        if errors.keys() - labels.keys() - {"_"}:  # an error no cell of the grid can show
            errors.setdefault("_", translate(RULES_NOT_THE_GRID, request.state.locale))
        return _targets_page(request, db, actor, year, 0, rule_errors=errors,
                             rule_values=typed, status=422, block="rules")
    return see_other(request, "/cockpit/targets?saved=rules")


# --- funds in place on a project (a fragment the project page can include) -----------------

def _funds_fragment(request: Request, db: DbSession, actor: Actor, project_id: int, *,
                    errors: dict[str, str] | None = None,
                    values: dict[str, Any] | None = None, status: int = 200) -> Response:
    entries, total = funds_of_project(db, actor, project_id)
    return render(request, "analytics/funds.html", block="funds", status=status,
                  project_id=project_id, entries=entries, total=total, errors=errors or {},
                  values=values or {}, today=local_date(),
                  can_add=actor.can(Permission.project_update))


@router.get("/projects/{project_id}/funds")
async def funds_list(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_read)],
) -> Response:
    return _funds_fragment(request, db, actor, project_id)


@router.post("/projects/{project_id}/funds")
async def funds_add(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_update)],
) -> Response:
    data = form_to_dict(await request.form())
    parsed, errors = validate_form(FundsEntryIn, data, FUNDS_LABELS, request.state.locale)
    if parsed is not None:
        try:
            add_funds_entry(db, actor, project_id, parsed)
        except AppError as exc:
            if exc.status not in FORM_STATUSES:
                raise
            errors = app_error_fields(exc, request.state.locale)
    if errors:
        db.rollback()
        return _funds_fragment(request, db, actor, project_id, errors=errors, values=data,
                               status=422)
    if is_htmx(request):
        return _funds_fragment(request, db, actor, project_id)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)
