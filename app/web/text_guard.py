"""One rule for the text that comes in, on both doors (pages and API), applied to every route
by create_app: the query string, the path, form fields and JSON bodies, names and values.

Accepted text is what XML 1.0 can carry: tab, LF, CR and every other character from U+0020
up, except unpaired surrogates and U+FFFE/U+FFFF. Refused, not stripped (stripping would
save something other than what was typed), because:
- NUL: PostgreSQL refuses it in text columns (a 500 on PostgreSQL only);
- unpaired surrogates: no UTF-8 database can store them;
- the other C0 controls and U+FFFE/U+FFFF: stored, they break the Excel export (XML) later,
  and no browser shows them.
A refusal is a 422 naming the field: problem+json under /api, a page or an HTMX toast
elsewhere (app.main renders AppError per door).
"""

import re
from collections.abc import Iterable
from typing import Any

from fastapi import Request

from app.errors import ValidationFailed
from app.i18n import _

UNSTORABLE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
UNSTORABLE_MESSAGE = _("The field {name} contains characters that cannot be stored (NUL, "
                       "control characters or unpaired surrogates). Remove them and try "
                       "again.")
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def storable(value: str) -> bool:
    return UNSTORABLE.search(value) is None


def _walk(value: Any, path: str) -> Iterable[str]:
    """Dotted names of the strings in a JSON value that cannot be stored."""
    if isinstance(value, str):
        if not storable(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not storable(key):
                yield name
            yield from _walk(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}" if path else str(index))


def _pairs(items: Iterable[tuple[str, Any]]) -> Iterable[str]:
    for name, value in items:
        if not storable(name) or (isinstance(value, str) and not storable(value)):
            yield name


async def unstorable_fields(request: Request) -> list[str]:
    """Every field of the request whose name or text cannot be stored, in request order."""
    fields = list(_pairs(request.path_params.items()))
    fields.extend(_pairs(request.query_params.multi_items()))
    if request.method in BODYLESS_METHODS:
        return fields
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            body = None  # FastAPI reports malformed JSON itself
        fields.extend(_walk(body, ""))
    elif content_type.startswith(FORM_TYPES):
        form = await request.form()  # parsed once, cached for the endpoint
        fields.extend(_pairs(form.multi_items()))
    return fields


async def refuse_unstorable_text(request: Request) -> None:
    """App-wide dependency: text no database (or export) can keep is a 422 naming the field,
    before any route reads it."""
    fields = await unstorable_fields(request)
    if fields:
        # The name itself may hold the bad characters: shown with them replaced.
        name = UNSTORABLE.sub("\ufffd", fields[0])[:100]
        raise ValidationFailed(UNSTORABLE_MESSAGE, field=name, name=name)
