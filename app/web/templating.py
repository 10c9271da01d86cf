"""Jinja2 rendering for the HTML door: one template per page, named blocks for fragments.

An HTMX request gets only the named block (jinja2-fragments); a full request the page.
Strings go through `_()` bound to the request's language, never a shared global.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments import render_block

from app.clock import local_datetime, local_text
from app.config import PROJECT_ROOT, get_settings
from app.i18n import DEFAULT_LOCALE, Plural, _, translate, translate_plural
from app.web.nav import menu_for

EMPTY = "--"
YI_YUAN = _("100 million yuan")
WAN_YUAN = _("10,000 yuan")


def money(value: Decimal | None, places: int = 2) -> str:
    """12,500.00 (万元), right-aligned by the template; '--' when missing."""
    if value is None:
        return EMPTY
    return f"{value:,.{places}f}"


def money_large(value: Decimal | None, locale: str = DEFAULT_LOCALE) -> str:
    """From 10,000 万元 up, in 亿元: '4,190.00 亿元'; below, '9,800.00 万元'."""
    if value is None:
        return EMPTY
    if abs(value) >= 10_000:
        return f"{value / 10_000:,.2f} " + translate(YI_YUAN, locale)
    return f"{value:,.2f} " + translate(WAN_YUAN, locale)


def day(value: date | datetime | None) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, datetime):
        value = local_datetime(value).date()
    return value.isoformat()


def moment(value: datetime | None) -> str:
    if value is None:
        return EMPTY
    return local_text(value)


def _build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(money=money, day=day, moment=moment)
    env.globals["settings"] = get_settings()
    return env


environment = _build_environment()


def is_htmx(request: Request) -> bool:
    """An HTMX swap; a history restore (the back button after a cache miss) wants the page."""
    return (request.headers.get("hx-request") == "true"
            and request.headers.get("hx-history-restore-request") != "true")


def template_context(request: Request, **context: Any) -> dict[str, Any]:
    locale = getattr(request.state, "locale", None) or DEFAULT_LOCALE
    gettext = partial(translate, locale=locale)
    return {
        "request": request,
        "_": lambda message, **params: gettext(message, **params),
        # ngettext("{n} day", "{n} days", count, ...): the form for the count.
        "ngettext": lambda singular, plural, count, **params: translate_plural(
            Plural(singular, plural), count, locale, **params),
        "locale": locale,
        "lang_tag": "zh-CN" if locale == "zh_CN" else "en",
        "money_large": partial(money_large, locale=locale),
        "user": getattr(request.state, "user", None),
        "actor": getattr(request.state, "actor", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "menu": menu_for(getattr(request.state, "actor", None)),
        **context,
    }


def render(request: Request, template: str, *, block: str | None = None, status: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """The whole page, or just `block` when HTMX asks (or the caller insists)."""
    full_context = template_context(request, **context)
    if block is not None and is_htmx(request):
        html = render_block(environment, template, block, full_context)
    else:
        html = environment.get_template(template).render(full_context)
    return HTMLResponse(html, status_code=status, headers=headers)


def render_fragment(request: Request, template: str, block: str, *, status: int = 200,
                    headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Only `block`, whoever asks: for routes that exist to feed a part of a page."""
    html = render_block(environment, template, block, template_context(request, **context))
    return HTMLResponse(html, status_code=status, headers=headers)
