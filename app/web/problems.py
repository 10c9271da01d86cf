"""RFC 9457 problem details: the shape every API error has, and its one renderer."""

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.i18n import _, translate

PROBLEM_JSON = "application/problem+json"

HTTP_TITLES = {
    400: _("Bad request"),
    401: _("Sign-in required"),
    403: _("Forbidden"),
    404: _("Page not found"),
    405: _("Method not allowed"),
    409: _("Conflict"),
    412: _("Changed by someone else"),
    413: _("Request too large"),
    422: _("Invalid input"),
    428: _("Precondition required"),
    429: _("Too many requests"),
    500: _("Server error"),
    503: _("Server busy"),
}


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


def problem(status: int, detail: str, kind: str, title: str | None = None,
            errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"/problems/{kind}",
        "title": title or translate(HTTP_TITLES.get(status, "Error"), "en"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
