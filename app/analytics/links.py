"""Drill-downs: the list behind a figure, with exactly the figure's filters (so the list's
count is the figure). The address itself is written by app.projects.links."""

from typing import Any

from app.projects.links import projects_href
from app.projects.schemas import ProjectFilters
from app.projects.stages import Status

WARNINGS_PATH = "/cockpit/warnings"


def statuses_within(filters: ProjectFilters, wanted: tuple[str, ...]) -> list[str] | None:
    """The statuses a figure counts, within those the filters allow; None if none remain."""
    allowed = [s.value for s in filters.status] or [s.value for s in Status]
    kept = [s for s in wanted if s in allowed]
    return kept or None


def drill_down(filters: ProjectFilters, count: int, *, money_sum: str | None = None,
               **changes: Any) -> str | None:
    """A link only where there is something to list and a filter that lists it. A money
    figure names its money (`money_sum`, app.projects.queries.MONEY_SUMS) so the list totals
    it."""
    if "status" in changes and changes["status"] is None:
        return None
    return projects_href(filters, params={"sum": money_sum}, **changes) if count else None


def warnings_href(filters: ProjectFilters, light: str | None) -> str:
    """The cockpit's list of exactly the projects behind a light count (None: red and
    yellow)."""
    return projects_href(filters, path=WARNINGS_PATH, params={"light": light})
