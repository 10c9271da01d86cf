"""Numbers as both doors take them: row ids, amounts and counts, written plainly.

pydantic's lax parsing alone would take "1e9" as an amount, `true` as a count or a row id,
and "1.0" or "1 " as a row id in an address; these types refuse them, with the error types
the page forms already have messages for (app/web/forms.py)."""

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

MAX_ROW_ID = 2_147_483_647  # an INTEGER column's largest value: no input overflows one
# A decimal without exponent, NaN, Infinity or underscores (which Decimal() would accept).
_PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
# RFC 3339 section 5.6 (its note allows a space for the T); seconds and offset required.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def plain_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type",
                                  "An amount is a number such as 12500.00, not true or false")
    text = repr(value) if isinstance(value, float) else value
    if isinstance(text, str) and not _PLAIN_DECIMAL.fullmatch(text.strip()):
        raise PydanticCustomError("decimal_parsing", "Write the amount as a plain decimal "
                                  "number such as 12500.00, without an exponent")
    return value


def whole_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Give a whole number, not true or false")
    if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value.strip()):
        raise PydanticCustomError("int_parsing", "Give a whole number in digits")
    return value


def digits_only(value: Any) -> Any:
    """A row id in an address: ASCII digits and nothing else ("7.0", "7 ", "+7" are not 7)."""
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        raise PydanticCustomError("int_parsing", "A row id is written in digits only, like 42")
    return value


def rfc3339(value: Any) -> Any:
    """A timestamp as docs/api.md writes them; not a bare number (which pydantic would read as
    Unix seconds), not without an offset."""
    if isinstance(value, str | int | float) and not (
            isinstance(value, str) and _RFC3339.fullmatch(value.strip())):
        raise PydanticCustomError("datetime_parsing", "Give an RFC 3339 timestamp with an "
                                  "offset, such as 2026-03-31T08:00:00+08:00")
    return value


# Put after the constraints (Annotated[int, Field(ge=0), WHOLE_NUMBER]), so that the
# JSON schema keeps them as minimum / maximum.
PLAIN_DECIMAL = BeforeValidator(plain_decimal)
WHOLE_NUMBER = BeforeValidator(whole_number)
DIGITS_ONLY = BeforeValidator(digits_only)
RFC3339 = BeforeValidator(rfc3339)

Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2), PLAIN_DECIMAL]
PositiveAmount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2), PLAIN_DECIMAL]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2), PLAIN_DECIMAL]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID), WHOLE_NUMBER]
