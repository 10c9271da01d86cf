"""What the project pages share: reading the list query string, labels, URL building."""

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from pydantic import ValidationError

from app.i18n import _
from app.projects.schemas import FIELD_LABELS, ProjectFilters
from app.projects.stages import STAGE_LABELS, STATUS_LABELS
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
MULTI_VALUE = ("stage", "status")


def query_dict(request: Request) -> dict[str, Any]:
    params = request.query_params
    data: dict[str, Any] = {}
    for key in params:
        values = [v.strip() for v in params.getlist(key) if v.strip()]
        if not values:
            continue
        data[key] = values if key in MULTI_VALUE else values[-1]
    return data


def parse_filters(request: Request, locale: str) -> tuple[ProjectFilters, dict[str, str]]:
    """Filters from the URL; a bad value is named and dropped, the rest still apply."""
    data = {k: v for k, v in query_dict(request).items() if k in ProjectFilters.model_fields}
    try:
        return ProjectFilters.model_validate(data), {}
    except ValidationError as exc:
        errors = field_errors(exc, FILTER_LABELS, locale)
        bad = {str(e["loc"][0]) for e in exc.errors()}
        kept = {k: v for k, v in data.items() if k not in bad}
        return ProjectFilters.model_validate(kept), errors


def url_with(request: Request, path: str | None = None, **changes: Any) -> str:
    """The current URL's query with some parameters replaced (None removes one)."""
    data = query_dict(request)
    for key, value in changes.items():
        if value is None or value == "" or value == []:
            data.pop(key, None)
        else:
            data[key] = value
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, item))
    query = urlencode(pairs)
    return (path or request.url.path) + (f"?{query}" if query else "")


LABELS = {"stage_labels": {s.value: label for s, label in STAGE_LABELS.items()},
          "status_labels": STATUS_LABELS}
