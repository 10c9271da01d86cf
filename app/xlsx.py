"""Writing .xlsx cells a spreadsheet program will not run: text a user typed (a project's
name, say) that starts like a formula stays text, shown unchanged."""

from collections.abc import Sequence
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# What Excel, LibreOffice and WPS read as the start of a formula (tab and CR as well:
# they are stripped before the check on paste and import).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def keep_as_text(cell: Cell) -> None:
    """Text that looks like a formula is stored as a string, with the quote prefix so
    that editing the cell does not turn it into one either."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def append_row(ws: Worksheet, values: Sequence[Any]) -> tuple[Cell, ...]:
    """`ws.append` for every .xlsx writer: values as given, formula-like text as text."""
    ws.append(list(values))
    cells = ws[ws.max_row]
    for cell in cells:
        keep_as_text(cell)
    return cells
