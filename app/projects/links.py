"""A filter as a URL: every link to a list of projects is built here, from ProjectFilters.

The same filters give the same address whoever builds it (a cockpit figure, a workbench
card, a page's own sort and paging links), and the list at that address applies exactly
those filters, so it counts what the link claims.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from app.projects.schemas import ProjectFilters

PROJECTS_PATH = "/projects"
_FIELDS = list(ProjectFilters.model_fields)
_NO_FILTERS = ProjectFilters()


def projects_href(filters: ProjectFilters | None = None, *, path: str = PROJECTS_PATH,
                  params: Mapping[str, Any] | None = None, **changes: Any) -> str:
    """`path?…` selecting exactly `filters` with `changes` applied (each a filter field; None
    or [] clears it), then `params` that are not filters (sort, page, light, year: None or
    "" leaves one out). Single-valued filters come in field order, then the repeated ones
    (stage, status), so equal filters always read the same."""
    filters = _NO_FILTERS if filters is None else filters
    if changes:
        data = filters.model_dump(exclude_defaults=True)
        for key, value in changes.items():
            if key not in ProjectFilters.model_fields:
                raise TypeError(f"{key!r} is not a project filter")
            if value is None or value == []:
                data.pop(key, None)
            else:
                data[key] = value
        filters = ProjectFilters.model_validate(data)
    shown = filters.model_dump(mode="json", exclude_defaults=True)
    order = sorted(shown, key=lambda key: (isinstance(shown[key], list), _FIELDS.index(key)))
    pairs = [(key, _text(item)) for key in order for item in _items(shown[key])]
    pairs += [(key, _text(item)) for key, value in (params or {}).items()
              if value is not None and value != "" for item in _items(value)]
    return path + (f"?{urlencode(pairs)}" if pairs else "")


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
