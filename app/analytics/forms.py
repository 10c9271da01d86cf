"""Reading the targets grid's form into the typed input app.analytics.targets takes. Only
names and numbers are read here; whether a county exists and a count is whole is the
service's rule."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from app.analytics.schemas import CITY_SCOPE, METRIC_LABELS, MONEY_METRICS, Metric, TargetCell
from app.errors import FieldProblem, ValidationFailed
from app.i18n import _
from app.inputs import AMOUNT_FORMAT, Amount, Quantity

CELL_PREFIX = "t."
_AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Amount)
# A count ("2万" projects) is not in 万元: separators and full-width digits, but no unit.
_COUNT: TypeAdapter[Decimal] = TypeAdapter(Quantity)


@dataclass(frozen=True)
class TargetGridForm:
    year: int  # 0 when unreadable: the service refuses it, never saves under a guessed year
    quarter: int
    cells: dict[str, str]  # `t.<city or county>.<metric>` as posted, to show again


def read_target_grid(form: FormData) -> TargetGridForm:
    cells = {k: v for k, v in form.items() if isinstance(v, str) and k.startswith(CELL_PREFIX)}
    try:
        year = int(str(form.get("year", "")))
        quarter = int(str(form.get("quarter", "0")))
    except ValueError:
        year, quarter = 0, 0
    return TargetGridForm(year, quarter, cells)


def target_values(cells: Mapping[str, str]) -> dict[TargetCell, Decimal | None]:
    """Each posted cell's number as people write it (app.inputs.parse_amount: 12,000 or
    1.2亿 for amounts), None where left empty. Every cell is read before any problem is
    raised, and each problem names its cell."""
    values: dict[TargetCell, Decimal | None] = {}
    problems: list[FieldProblem] = []
    for name, raw in cells.items():
        parts = name.split(".")
        if len(parts) != 3 or parts[0] + "." != CELL_PREFIX or parts[2] not in METRIC_LABELS:
            problems.append(FieldProblem(name, _("Unexpected field {label}."), {"label": name}))
            continue
        cell = TargetCell(None if parts[1] == CITY_SCOPE else parts[1], Metric(parts[2]))
        text = raw.strip()
        number = _AMOUNT if cell.metric.value in MONEY_METRICS else _COUNT
        try:
            values[cell] = number.validate_python(text) if text else None
        except ValidationError as exc:
            unreadable = exc.errors()[0]["type"] == "amount_parsing"
            problems.append(FieldProblem(
                name, AMOUNT_FORMAT if unreadable else _("The {label} must be a number."),
                {"label": _("target")}))
    if problems:
        raise ValidationFailed(problems[0].message, errors=problems, **problems[0].params)
    return values
