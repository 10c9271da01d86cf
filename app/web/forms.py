"""HTML forms onto the shared schemas: the same pydantic models validate both doors; here
form fields become a (nested) dict and pydantic's errors become messages beside fields."""

from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.errors import AppError, ValidationFailed
from app.i18n import _, translate
from app.inputs import AMOUNT_FORMAT

Model = TypeVar("Model", bound=BaseModel)

# pydantic error type -> message; {label} is the field's label, other names from the context.
ERROR_MESSAGES = {
    "missing": _("Please fill in the {label}."),
    "string_too_short": _("Please fill in the {label}."),
    "string_too_long": _("The {label} may have at most {max_length} characters."),
    "decimal_parsing": _("The {label} must be a number."),
    "amount_parsing": AMOUNT_FORMAT,
    "float_parsing": _("The {label} must be a number."),
    "decimal_type": _("The {label} must be a number."),
    "finite_number": _("The {label} must be a number."),
    "int_parsing": _("The {label} must be a whole number."),
    "int_from_float": _("The {label} must be a whole number."),
    "greater_than_equal": _("The {label} cannot be less than {ge}."),
    "greater_than": _("The {label} must be greater than {gt}."),
    "less_than_equal": _("The {label} cannot be more than {le}."),
    "decimal_max_places": _("The {label} may have at most {decimal_places} decimal places."),
    "decimal_max_digits": _("The {label} is too large."),
    "decimal_whole_digits": _("The {label} is too large."),
    "date_parsing": _("The {label} must be a date like 2026-03-31."),
    "date_from_datetime_parsing": _("The {label} must be a date like 2026-03-31."),
    "datetime_parsing": _("The {label} must be a date and time like 2026-03-31 14:30."),
    "datetime_from_date_parsing": _("The {label} must be a date and time like 2026-03-31 "
                                    "14:30."),
    "timezone_aware": _("The {label} must be a date and time like 2026-03-31 14:30."),
    "enum": _("Please choose a valid {label}."),
    "literal_error": _("Please choose a valid {label}."),
    "value_error": _("The {label} is not valid."),
    "string_pattern_mismatch": _("The {label} is not valid."),
    "extra_forbidden": _("Unexpected field {label}."),
    "bool_parsing": _("Please choose a valid {label}."),
    "list_type": _("Please choose a valid {label}."),
    "too_long": _("Too many entries in {label}."),
}
FALLBACK_MESSAGE = _("The {label} is not valid.")
VERSION_REQUIRED = _("This form did not say which version of the project it was read at, so "
                     "saving it could overwrite a newer change. Check the values below and "
                     "send the form again.")


def form_to_dict(form: FormData, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """`investor.contacts.0.name=陈` becomes {"investor": {"contacts": [{"name": "陈"}]}}.
    Empty strings become absent, so optional fields stay None; `lists` names multi-values."""
    nested: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = [v.strip() for v in form.getlist(key) if isinstance(v, str)]
        value: Any = [v for v in values if v] if key in lists else (values[-1] if values else "")
        if not value:
            continue
        *parents, leaf = key.split(".")
        target = nested
        for part in parents:
            if not isinstance(target.get(part), dict):
                target[part] = {}  # `a=x` and `a.b=y` together: the nested field wins
            target = target[part]
        if not isinstance(target.get(leaf), dict):
            target[leaf] = value
    return _lists_from_numbered(nested)


def _lists_from_numbered(node: Any) -> Any:
    """Dicts keyed 0, 1, 2 … (from numbered field names) become lists in that order."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists_from_numbered(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def field_errors(exc: ValidationError, labels: dict[str, str], locale: str) -> dict[str, str]:
    """One message per field, keyed by the dotted field name the form uses."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        leaf = str(error["loc"][-1]) if error["loc"] else field
        label = translate(labels.get(field) or labels.get(leaf) or leaf, locale)
        template = ERROR_MESSAGES.get(error["type"], FALLBACK_MESSAGE)
        context = {k: v for k, v in (error.get("ctx") or {}).items()
                   if isinstance(v, (int, float, str, Decimal))}
        errors.setdefault(field, translate(template, locale, label=label, **context))
    return errors


def app_error_fields(exc: AppError, locale: str) -> dict[str, str]:
    """A service refusal as field messages; one without a field goes under '_'."""
    rendered = {p.field: p.render(locale)["message"] for p in exc.errors}
    return rendered or {"_": exc.detail(locale)}


def validate_form(model: type[Model], data: dict[str, Any], labels: dict[str, str],
                  locale: str) -> tuple[Model | None, dict[str, str]]:
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, field_errors(exc, labels, locale)


def form_version(raw: Any) -> int:
    """The version a form was read at (its hidden `version` field). Required, as If-Match
    is in the API: a form without a readable one could overwrite a newer save unseen, so it
    is refused (422 naming `version`), never taken as "skip the check"."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        raise ValidationFailed(VERSION_REQUIRED, field="version")
    return int(text)
