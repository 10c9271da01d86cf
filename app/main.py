"""The application factory: routers, static files, security layers and error renderers.

Errors are raised once, below both doors, and rendered per door: RFC 9457 problem+json
under /api, a page (or, for HTMX, a toast) elsewhere.
"""

import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.analytics.cache import FiguresCache
from app.audit.service import record
from app.config import PROJECT_ROOT, get_settings
from app.crypto import keyring
from app.db import get_engine, write_bind
from app.errors import AppError, PermissionDenied
from app.i18n import _, translate
from app.routers import ROUTERS
from app.web.body_limit import BodySizeLimitMiddleware, BodyTooLarge, too_large_detail
from app.web.deps import CsrfRefused, LoginRequired, PasswordChangeRequired, request_locale
from app.web.openapi import install_openapi_extras
from app.web.problems import HTTP_TITLES, problem
from app.web.redirects import see_other
from app.web.retry import RETRY_AFTER_SECONDS, ReplayLostLockRace
from app.web.security import SecurityHeadersMiddleware
from app.web.templating import is_htmx, render
from app.web.text_guard import refuse_unstorable_text
from app.webhooks.service import background_delivery

SessionFactory = Callable[[bool], Session]
log = logging.getLogger("zhaoshang")

SERVER_ERROR = _("An unexpected error occurred; it has been logged.")
BUSY = _("The server is busy with other changes and saved nothing. Please try again in a "
         "moment.")


class ZhaoshangApp(FastAPI):
    def build_middleware_stack(self) -> Any:
        # Outside Starlette's error middleware, so even a crash answers with the headers.
        return SecurityHeadersMiddleware(super().build_middleware_stack())


def default_session_factory(engine: Engine) -> SessionFactory:
    writer = write_bind(engine)

    def factory(write: bool) -> Session:
        return Session(writer if write else engine, expire_on_commit=False)

    return factory


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _locale(request: Request) -> str:
    return getattr(request.state, "locale", None) or request_locale(request)


def error_page(request: Request, status: int, message: str) -> Response:
    locale = _locale(request)
    title = translate(HTTP_TITLES.get(status, "Error"), locale)
    if is_htmx(request):
        # Shown as a toast; the swap target on the page stays as it was.
        return render(request, "error.html", block="toast", status=status, title=title,
                      message=message, headers={"HX-Retarget": "#toasts",
                                                "HX-Reswap": "beforeend"})
    return render(request, "error.html", status=status, title=title, message=message)


def _audit_refusal(request: Request, exc: AppError, action: str) -> None:
    actor = getattr(request.state, "actor", None)
    factory: SessionFactory = request.app.state.session_factory
    try:
        with factory(True) as session:
            record(session, actor, action, object_type=exc.params.get("object_type", "route"),
                   object_id=exc.params.get("object_id", request.url.path), outcome="failure",
                   detail=f"{request.method} {request.url.path}: {exc.params.get('action', '')}",
                   username=None if actor else "anonymous")
            session.commit()
    except Exception:  # the refusal still answers even if the audit write fails
        log.exception("could not audit a refusal")


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    locale = _locale(request)
    if isinstance(exc, PermissionDenied):
        _audit_refusal(request, exc, "permission.denied")
    elif isinstance(exc, CsrfRefused):
        _audit_refusal(request, exc, "csrf.refused")
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        headers.update(getattr(exc, "headers", None) or {})  # e.g. Retry-After on a 429
        return problem(exc.status, exc.detail(locale), exc.kind,
                       errors=[p.render(locale) for p in exc.errors], headers=headers)
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return see_other(request, f"/login?next={quote(target)}")
    if isinstance(exc, PasswordChangeRequired):
        return see_other(request, "/account/password")
    return error_page(request, exc.status, exc.detail(locale))


def _field_name(err: dict[str, Any]) -> str:
    """The field a validation error is about, as docs/api.md names it ("total_investment",
    "investor.credit_code", "limit"); "body" for a body that is not JSON or not an object."""
    loc = [str(part) for part in err.get("loc", ())]
    if err.get("type") == "json_invalid":
        return "body"
    parts = loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc
    return ".".join(parts) or (loc[0] if loc else "body")


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field_name(err), "message": err["msg"]} for err in exc.errors()]
    if _is_api(request):
        return problem(422, "The request has invalid fields.", "validation-error",
                       errors=errors)
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return error_page(request, 422, message)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    locale = _locale(request)
    detail = translate(HTTP_TITLES.get(exc.status_code, "Error"), locale)
    if _is_api(request):
        message = (too_large_detail(exc.limit, locale) if isinstance(exc, BodyTooLarge)
                   else str(exc.detail))
        return problem(exc.status_code, message, "http-error",
                       headers=dict(exc.headers or {}))
    return error_page(request, exc.status_code, detail)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if _is_api(request):
        return problem(500, translate(SERVER_ERROR, "en"), "server-error")
    return error_page(request, 500, translate(SERVER_ERROR, _locale(request)))


def busy_response(request: Request) -> Response:
    """A request that lost its lock race every time (app.web.retry): nothing was saved."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = translate(BUSY, _locale(request))
    if _is_api(request):
        return problem(503, message, "busy", headers=headers)
    response = error_page(request, 503, message)
    response.headers.update(headers)
    return response


def iter_api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every endpoint, including those of included routers (FastAPI nests them lazily)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from iter_api_routes(nested.routes)


def create_app(session_factory: SessionFactory | None = None) -> FastAPI:
    settings = get_settings()
    keyring()  # at start-up: warns here when personal data would be under the development key
    app = ZhaoshangApp(
        title="招商通 zhaoshang",
        debug=settings.debug,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=background_delivery,
        # Every route, both doors: text no database can store is a 422, never a 500.
        dependencies=[Depends(refuse_unstorable_text)],
    )
    app.state.session_factory = session_factory or default_session_factory(get_engine())
    app.state.figures_cache = FiguresCache()
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, server_error_handler)
    # Added first, so it sits inside the size limit (each add wraps what came before).
    app.add_middleware(ReplayLostLockRace, busy=busy_response)
    app.add_middleware(BodySizeLimitMiddleware,
                       max_bytes=lambda: get_settings().api_max_body_bytes)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)
    install_openapi_extras(app)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        # Browsers ask the root for it whatever a page links; the pages link it too.
        return FileResponse(PROJECT_ROOT / "static" / "favicon.ico", media_type="image/x-icon")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
