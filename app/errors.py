"""Domain errors: raised by services, rendered per door (problem+json or a page)."""

from dataclasses import dataclass, field
from typing import Any

from app.i18n import DEFAULT_LOCALE, translate


class AppError(Exception):
    """A refusal the user can act on. `message` is an English msgid with {params}."""

    status = 400
    kind = "bad-request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: list["FieldProblem"] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
        self.errors = errors or ([FieldProblem(field, message, params)] if field else [])

    def detail(self, locale: str = DEFAULT_LOCALE) -> str:
        return translate(self.message, locale, **self.params)


@dataclass
class FieldProblem:
    field: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, locale: str = DEFAULT_LOCALE) -> dict[str, str]:
        return {"field": self.field, "message": translate(self.message, locale, **self.params)}


class ValidationFailed(AppError):
    status = 422
    kind = "validation-error"


class NotFound(AppError):
    status = 404
    kind = "not-found"


class Conflict(AppError):
    status = 409
    kind = "conflict"


class StaleVersion(AppError):
    status = 412
    kind = "stale-version"


class PermissionDenied(AppError):
    status = 403
    kind = "forbidden"
