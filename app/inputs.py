"""Numbers as both doors take them: row ids, amounts and counts.

Amounts are read as people write them (`parse_amount`: 12,000 / １２０００ / 1.2亿), one
parser for the pages, the API and imports. pydantic's lax parsing alone would take "1e9" as
an amount, `true` as a count or a row id, and "1.0" or "1 " as a row id in an address; these
types refuse them, with the error types the page forms have messages for (app/web/forms.py).
"""

import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from app.i18n import _

MAX_ROW_ID = 2_147_483_647  # an INTEGER column's largest value: no input overflows one
DECIMAL_PLACES = 2  # of every amount and quantity
# Digits, optionally grouped by thousands (12,000.5), without exponent, NaN, Infinity or
# underscores (which Decimal() would accept), then a unit: 万元 is the unit amounts are in.
_HUMAN_NUMBER = re.compile(
    r"(?P<number>[+-]?([0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?|[0-9]+(\.[0-9]*)?|\.[0-9]+))"
    r"\s*(?P<unit>万元|万|亿元|亿)?")
_FLOAT_REPR = re.compile(r"-?[0-9]+\.[0-9]+")  # repr(12500.5), never 1e+16, inf or nan
_YI_IN_WAN = 4  # 1亿 = 10,000 万元: the decimal point moves four places
# The pages' message for an amount the parser cannot read (error type "amount_parsing").
AMOUNT_FORMAT = _("Write the {label} in 10,000 yuan (万元), such as 12000 or 1.2亿.")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
# RFC 3339 section 5.6 (its note allows a space for the T); seconds and offset required.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def parse_amount(text: str, *, units: bool = True) -> Decimal:
    """An amount in 万元 as people write it: thousands separators (12,000 or 12，000),
    full-width digits, spaces around it, a 万元 / 万 suffix, or 亿 / 亿元 converted to 万元
    exactly (1.2亿 is 12000.0). `units=False` for numbers that are not money (亩, counts).
    Raises ValueError for anything else ("1e9", "0.1+0.2", "12元")."""
    match = _HUMAN_NUMBER.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None or (match["unit"] and not units):
        raise ValueError(f"not an amount: {text!r}")
    sign, digits, exponent = Decimal(match["number"].replace(",", "")).as_tuple()
    if not isinstance(exponent, int):  # the pattern admits only finite numbers
        raise ValueError(f"not an amount: {text!r}")
    if match["unit"] in ("亿", "亿元"):
        exponent += _YI_IN_WAN  # moving the point, not multiplying: exact at any length
    if exponent > 0:  # written out in full: 12000, never 1.2E+4
        digits, exponent = digits + (0,) * exponent, 0
    return Decimal((sign, digits, exponent))


def decimal_places(value: Decimal) -> int:
    """Places that matter: 12000.50 has one, 12000.000 none."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or not any(digits):
        return 0  # zero has none; NaN and Infinity are refused as such by pydantic
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return max(0, -exponent)


def _number(value: Any, *, units: bool) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type",
                                  "An amount is a number such as 12500.00, not true or false")
    if isinstance(value, float):
        text = repr(value)  # a JSON number: plain digits only, as before
        if not _FLOAT_REPR.fullmatch(text):
            raise PydanticCustomError("decimal_parsing", "Write the amount as a plain "
                                      "decimal number such as 12500.00, without an exponent")
        value = Decimal(text)
    elif isinstance(value, str):
        try:
            value = parse_amount(value, units=units)
        except ValueError:
            if units:
                raise PydanticCustomError(
                    "amount_parsing", "Write the amount in 万元 (10,000 yuan) as digits, such "
                    "as 12000, 12,000.50 or 1.2亿") from None
            raise PydanticCustomError("decimal_parsing", "Write a plain decimal number such "
                                      "as 12.5, without an exponent") from None
    # Places before size: 0.30000000000000004 has too many decimals, it is not too large.
    if isinstance(value, Decimal) and decimal_places(value) > DECIMAL_PLACES:
        raise PydanticCustomError(
            "decimal_max_places", "Decimal input should have no more than {decimal_places} "
            "decimal places", {"decimal_places": DECIMAL_PLACES})
    return value


def amount_in_wan(value: Any) -> Any:
    """An amount field's input: JSON numbers as they are, text through `parse_amount`."""
    return _number(value, units=True)


def plain_quantity(value: Any) -> Any:
    """亩 or tonnes: like an amount, but without a unit to convert."""
    return _number(value, units=False)


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
AMOUNT_IN_WAN = BeforeValidator(amount_in_wan)
PLAIN_QUANTITY = BeforeValidator(plain_quantity)
WHOLE_NUMBER = BeforeValidator(whole_number)
DIGITS_ONLY = BeforeValidator(digits_only)
RFC3339 = BeforeValidator(rfc3339)

Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=DECIMAL_PLACES),
                   AMOUNT_IN_WAN]
PositiveAmount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=DECIMAL_PLACES),
                           AMOUNT_IN_WAN]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=DECIMAL_PLACES),
                     PLAIN_QUANTITY]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID), WHOLE_NUMBER]
