"""Field types shared by every API resource: money as strings, row ids, page sizes."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

from app.inputs import RowId

# 万元 as a JSON string with two places ("12500.00"): exact, never a float.
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["12500.00"]}),
]
Id = RowId
Limit = Annotated[int, Field(ge=1, le=200, description="Page size, at most 200.")]
