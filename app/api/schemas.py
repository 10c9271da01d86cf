"""Shapes shared by every API resource: money as strings, problems, cursors, tokens and
webhooks."""

import base64
import binascii
import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from app.api.models import DeliveryStatus, EventType
from app.errors import ValidationFailed
from app.i18n import _
from app.inputs import MAX_ROW_ID, RowId

# 万元 as a JSON string with two places ("12500.00"): exact, never a float.
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["12500.00"]}),
]
Id = RowId
Limit = Annotated[int, Field(ge=1, le=200, description="Page size, at most 200.")]
MAX_LIMIT = 200


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


# --- cursors -------------------------------------------------------------------------------

def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The values of an opaque cursor, which must hold exactly `keys` (a cursor from
    another listing, or from the same listing with other sort keys, is refused)."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        values = None
    if not isinstance(values, dict) or tuple(sorted(values)) != tuple(sorted(keys)) \
            or not all(_valid_key(name, values[name]) for name in keys):
        raise ValidationFailed(_("The cursor is not valid here; start again without it."),
                               field="cursor")
    return values


def _valid_key(name: str, value: Any) -> bool:
    if name == "updated_at":
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return moment.tzinfo is not None and 1900 <= moment.year <= 9998
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID


# --- tokens --------------------------------------------------------------------------------

class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    kind: str  # "user" or "client"
    name: str
    roles: list[str]
    scopes: list[str]
    county: str | None


# --- webhooks ------------------------------------------------------------------------------

class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[AnyHttpUrl, Field(max_length=2000)]
    events: Annotated[list[EventType], Field(min_length=1, max_length=4)]


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[EventType]
    created_at: datetime
    version: int


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The HMAC-SHA256 key; shown only in this answer.")


class WebhookList(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


# --- audit ---------------------------------------------------------------------------------

class AuditOut(BaseModel):
    id: int
    occurred_at: datetime
    user_id: int | None
    username: str
    roles: str
    client_id: int | None
    ip: str | None
    action: str
    object_type: str | None
    object_id: str | None
    changes: dict[str, Any]
    outcome: str
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_cursor: str | None
