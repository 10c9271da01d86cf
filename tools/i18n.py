"""Refresh the message catalogues: extract msgids from app/ and templates/, merge them into
app/locales/<locale>/LC_MESSAGES/messages.po, copy msgids into the English catalogue, and
list what zh_CN still lacks. Run: python tools/i18n.py  (exit 1 when zh_CN is incomplete)."""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "app" / "locales"
METHOD_MAP = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extract() -> Catalog:
    template = Catalog(project="zhaoshang", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, METHOD_MAP, OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
        comment_tags=("TRANSLATORS:",),
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments,
                     context=context)
    return template


def refresh(locale: str, template: Catalog) -> list[str]:
    path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="zhaoshang", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        plural = isinstance(message.id, tuple)  # ngettext: (singular, plural), a form each
        if locale == "en" and not any(message.string if plural else [message.string]):
            message.string = message.id
        if not all(message.string if plural else [message.string]):
            missing.append(str(message.id[0] if plural else message.id))
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True,
                 include_lineno=False)  # file names only: line numbers churn merges
    return missing


def main() -> int:
    template = extract()
    missing = {locale: refresh(locale, template) for locale in ("zh_CN", "en")}
    for locale, ids in missing.items():
        for msgid in ids:
            print(f"{locale}: untranslated: {msgid!r}")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
