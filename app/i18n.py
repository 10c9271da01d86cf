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
    text = catalogue(locale).get(message, message) if locale in SUPPORTED_LOCALES else message
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return message.format(**params)
    return text
