"""What the project pages share: reading the list query string, labels, the page's links."""

from typing import Any, get_origin

from fastapi import Request
from pydantic import ValidationError

from app.i18n import _
from app.projects.links import projects_href
from app.projects.schemas import FIELD_LABELS, ProjectFilters
from app.projects.stages import KEY_LEVEL_LABELS, STAGE_LABELS, STATUS_LABELS
from app.web.forms import field_errors

FILTER_LABELS = {
    **FIELD_LABELS,
    "q": _("keyword"), "stage": _("stage"), "status": _("status"),
    "leader_id": _("responsible leader"),
    "min_investment": _("minimum investment"), "max_investment": _("maximum investment"),
    "reported_from": _("first reported from"), "reported_to": _("first reported to"),
    "updated_since": _("updated since"),
    "idle_days": _("days without follow-up"),
    "follow_up_due_by": _("next follow-up due by"),
    "reached": _("stage reached"), "reached_from": _("reached from"),
    "reached_to": _("reached to"), "advanced_from": _("moved forward from"),
    "advanced_to": _("moved forward to"), "planned_from": _("planned groundbreaking from"),
    "planned_to": _("planned groundbreaking to"),
}
# Filters that take a value more than once (?stage=a&stage=b): the list-typed ones.
MULTI_VALUE = frozenset(name for name, field in ProjectFilters.model_fields.items()
                        if get_origin(field.annotation) is list)


def query_dict(request: Request) -> dict[str, Any]:
    params = request.query_params
    data: dict[str, Any] = {}
    for key in params:
        values = [v.strip() for v in params.getlist(key) if v.strip()]
        if not values:
            continue
        data[key] = values if key in MULTI_VALUE else values[-1]
    return data


def _read_filters(request: Request) -> tuple[ProjectFilters, ValidationError | None]:
    """The filters in the URL; a bad value is dropped (and its error returned), the rest
    still apply."""
    data = {k: v for k, v in query_dict(request).items() if k in ProjectFilters.model_fields}
    try:
        return ProjectFilters.model_validate(data), None
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors()}
        kept = {k: v for k, v in data.items() if k not in bad}
        return ProjectFilters.model_validate(kept), exc


def parse_filters(request: Request, locale: str) -> tuple[ProjectFilters, dict[str, str]]:
    """Filters from the URL; a bad value is named and dropped, the rest still apply."""
    filters, exc = _read_filters(request)
    return filters, (field_errors(exc, FILTER_LABELS, locale) if exc else {})


def url_with(request: Request, path: str | None = None, **changes: Any) -> str:
    """The current page's address with some parameters replaced (None removes one): its
    filters as app.projects.links writes them, then its other parameters (sort, page…)."""
    filters, _exc = _read_filters(request)
    # As in a query string, one value of a repeated filter (stage=contact) is a list of one.
    filter_changes = {k: [v] if k in MULTI_VALUE and isinstance(v, str) and v else v
                      for k, v in changes.items() if k in ProjectFilters.model_fields}
    params = {k: v for k, v in query_dict(request).items()
              if k not in ProjectFilters.model_fields}
    params.update({k: v for k, v in changes.items() if k not in ProjectFilters.model_fields})
    return projects_href(filters, path=path or request.url.path, params=params,
                         **{k: None if v == "" else v for k, v in filter_changes.items()})


# The labels the project templates look codes up in (each kept beside its enum).
LABELS = {"stage_labels": STAGE_LABELS, "status_labels": STATUS_LABELS,
          "key_level_labels": KEY_LEVEL_LABELS}
