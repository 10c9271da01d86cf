"""Message catalogue: English msgids in code, catalogues per locale in app/locales.

The .po files are read directly with Babel (no compile step to forget); an untranslated
message falls back to its English msgid.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SUPPORTED_LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


def _(message: str) -> str:
    """Marks a msgid for extraction; translation happens when it is shown."""
    return message


@lru_cache
def catalogue(locale: str) -> dict[str, str]:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=locale)
    return {str(m.id): str(m.string) for m in po if m.id and m.string and not m.fuzzy}


def translate(message: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """The message in `locale`; parameters that are msgids themselves (stage and field
    labels) are translated too."""
    messages = catalogue(locale) if locale in SUPPORTED_LOCALES else {}
    text = messages.get(message, message)
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
