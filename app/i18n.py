"""Message catalogue: English msgids in code, catalogues per locale in app/locales.

The .po files are read directly with Babel (no compile step to forget); an untranslated
message falls back to its English msgid.
"""

from functools import lru_cache
from gettext import c2py
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SUPPORTED_LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


def _(message: str) -> str:
    """Marks a msgid for extraction; translation happens when it is shown."""
    return message


class Plural(str):
    """A msgid with a plural form ("{n} day overdue" / "{n} days overdue"): the English
    singular, with the plural beside it; the form is chosen when shown, by the count `n`."""

    plural: str

    def __new__(cls, singular: str, plural: str) -> "Plural":
        message = super().__new__(cls, singular)
        message.plural = plural
        return message


def ngettext(singular: str, plural: str) -> Plural:
    """Marks a message with a plural form for extraction; pass the count as `n` when it is
    shown (translate, or a domain error's parameters)."""
    return Plural(singular, plural)


@lru_cache
def _po(locale: str) -> Any:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@lru_cache
def catalogue(locale: str) -> dict[str, str]:
    """Translations by msgid; a message with plural forms is keyed by its singular, with
    its first form (plural_forms has them all)."""
    po = _po(locale)
    if po is None:
        return {}
    return {_singular(m.id): _forms(m.string)[0] for m in po
            if m.id and any(_forms(m.string)) and not m.fuzzy}


@lru_cache
def plural_forms(locale: str) -> tuple[dict[str, tuple[str, ...]], Any]:
    """Messages with plural forms, by singular msgid; and the locale's rule (n -> index)."""
    po = _po(locale)
    if po is None:
        return {}, None
    forms = {m.id[0]: tuple(m.string) for m in po
             if isinstance(m.id, tuple) and all(m.string) and not m.fuzzy}
    return forms, c2py(po.plural_expr)


def _singular(msgid: str | tuple[str, ...]) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _forms(msgstr: str | tuple[str, ...]) -> tuple[str, ...]:
    return msgstr if isinstance(msgstr, tuple) else (msgstr,)


def translate_plural(message: Plural, count: int | None, locale: str = DEFAULT_LOCALE,
                     **params: Any) -> str:
    """The form of `message` for `count` in `locale`, its {n} filled with the count unless
    `params` gives `n` as it should read (with thousands separators, say)."""
    number = count if isinstance(count, int) else 0  # no count given: the form for "0 days"
    forms, rule = plural_forms(locale) if locale in SUPPORTED_LOCALES else ({}, None)
    if message in forms:
        text = forms[message][min(rule(number), len(forms[message]) - 1)]
    else:
        text = str(message) if number == 1 else message.plural
    shown = {"n": count} if count is not None else {}
    return _format(text, message, {**shown, **params}, locale)


def translate(message: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """The message in `locale`; parameters that are msgids themselves (stage and field
    labels) are translated too. A message with plural forms takes its count from `n`."""
    if isinstance(message, Plural):
        return translate_plural(message, params.pop("n", None), locale, **params)
    messages = catalogue(locale) if locale in SUPPORTED_LOCALES else {}
    return _format(messages.get(message, message), message, params, locale)


def _format(text: str, message: str, params: dict[str, Any], locale: str) -> str:
    messages = catalogue(locale) if locale in SUPPORTED_LOCALES else {}
    if params:
        params = {k: messages.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return message.format_map(_Missing(params))
    return text


class _Missing(dict):
    """Leaves an unknown {placeholder} visible rather than failing the whole message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
