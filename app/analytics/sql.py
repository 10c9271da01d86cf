"""SQL pieces every figure shares: the scope a figure starts from, conditional counts and
sums, and the two functions SQLite and PostgreSQL spell differently.

Every read takes the acting user and starts from `visible(actor)`, then the list's own
`filter_clauses`, so a figure and the project list it links to select the same rows.
Each figure costs a fixed number of statements whatever the data size: grouping and
window functions common to SQLite and PostgreSQL, never a Python loop over projects.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.projects.models import reached_on
from app.projects.queries import filter_clauses
from app.projects.schemas import ProjectFilters
from app.projects.service import visible
from app.projects.stages import STAGE_ORDER, Stage

RATE_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")
SIGNED = Stage.signed
STARTED = Stage.groundbreaking

# Key figures counting the projects that first reached a stage in the period, by Kpis field.
REACHED_FIGURES = {"contracts": Stage.contract, "production": Stage.production,
                   "achieved": Stage.achieved}


def reached_in(stage: Stage, start: date, end: date) -> Any:
    """First reached `stage` (or a later one) within [start, end]: the list's `reached` rule."""
    return sa.and_(reached_on(stage) >= start, reached_on(stage) <= end)


# pg_advisory_xact_lock(space, key) for the cockpit's settings: "ZSTG" as a signed int.
SETTINGS_LOCK_SPACE = int.from_bytes(b"ZSTG", "big", signed=True)
RULES_LOCK_KEY = 0  # the warning rules; a target period locks year * 10 + quarter


def lock_setting(session: Session, key: int) -> None:
    """Until the transaction ends no one else saves this setting (a period's targets, the
    warning rules), so two saves queue, the second seeing the first's rows, instead of both
    inserting the same one. SQLite needs nothing: a write transaction holds the whole
    database from its BEGIN IMMEDIATE (app.db)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(func.pg_advisory_xact_lock(SETTINGS_LOCK_SPACE, key)))


def scoped(actor: Actor, filters: ProjectFilters, now: datetime | None = None) -> list[Any]:
    """The where-clause every cockpit figure starts from."""
    return [visible(actor), *filter_clauses(filters, now=now)]


def stage_rank(column: Any) -> Any:
    """1 for contact … 7 for achieved, as SQL."""
    return sa.case({s.value: s.rank for s in STAGE_ORDER}, value=column, else_=0)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator / denominator to four places, half up; None with a zero divisor."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


def count_if(condition: Any, weight: Any = 1) -> Any:
    """How many rows (or, with `weight`, how many projects the counted cells hold)."""
    return func.coalesce(func.sum(sa.case((condition, weight), else_=0)), 0)


def sum_if(condition: Any, column: Any) -> Any:
    return func.sum(sa.case((condition, column), else_=sa.null()))


def money(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO


class days_between(FunctionElement):
    """Whole days from `earlier` to `later` (two dates), on both databases."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)")


@compiles(days_between)
def _days_default(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


class greatest(FunctionElement):
    """The largest of its integer arguments: GREATEST on PostgreSQL, max(a, b, …) on SQLite."""

    type = sa.Integer()
    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"
