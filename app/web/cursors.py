"""Opaque page cursors of the API's listings: base64 of a small JSON object."""

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from app.errors import ValidationFailed
from app.i18n import _
from app.inputs import MAX_ROW_ID


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
