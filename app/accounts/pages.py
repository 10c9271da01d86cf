"""HTML door for accounts: sign in and out, one's own password, language and sessions,
and the administrator's user list. Rules live in app.accounts.service."""

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.models import ROLES
from app.accounts.permissions import ROLE_LABELS, Actor, Permission
from app.accounts.service import (
    authenticate,
    change_password,
    create_user,
    end_session,
    get_user,
    list_sessions,
    list_users,
    logout,
    set_language,
    set_user_active,
)
from app.config import get_settings
from app.db import utcnow
from app.errors import AppError
from app.i18n import SUPPORTED_LOCALES, _, translate
from app.lookups.service import lookup_options
from app.web.deps import (
    CSRF_MESSAGE,
    LANG_COOKIE,
    SESSION_COOKIE,
    DbSession,
    PathId,
    client_ip,
    request_locale,
    requires,
)
from app.web.forms import app_error_fields
from app.web.redirects import local_target, referer_target
from app.web.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_NONCE_COOKIE = "zs_login"


def _cookie_secure(request: Request) -> bool:
    configured = get_settings().cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


def _set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=_cookie_secure(request), path="/")


def _login_token(nonce: str) -> str:
    """Log-in CSRF: the form carries an HMAC of a nonce kept in a cookie (no session yet)."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


# --- sign in and out ---------------------------------------------------------------------

def _login_page(request: Request, *, next_url: str, username: str = "",
                error: str | None = None, status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(request, "accounts/login.html", status=status, next=next_url,
                      username=username, error=error, login_csrf=_login_token(nonce))
    response.set_cookie(LOGIN_NONCE_COOKIE, nonce, httponly=True, samesite="strict",
                        secure=_cookie_secure(request), path="/login")
    return response


@router.get("/login")
async def login_form(request: Request, next: str = "/", lang: str | None = None) -> Response:
    request.state.locale = lang if lang in SUPPORTED_LOCALES else request_locale(request)
    response = _login_page(request, next_url=local_target(next) or "/")
    if lang in SUPPORTED_LOCALES:
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400,
                            secure=_cookie_secure(request))
    return response


@router.post("/login")
async def login(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    locale = request_locale(request)
    request.state.locale = locale
    next_url = local_target(next) or "/"
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE, "")
    if not nonce or not hmac.compare_digest(csrf_token, _login_token(nonce)):
        return _login_page(request, next_url=next_url, username=username, status=403,
                           error=translate(CSRF_MESSAGE, locale))
    settings = get_settings()
    result = authenticate(db, username, password, ip=client_ip(request),
                          user_agent=request.headers.get("user-agent"),
                          previous_token=request.cookies.get(SESSION_COOKIE))
    if not result.ok or result.token is None or result.user is None:
        message = translate(result.message or "", locale, limit=settings.login_max_failures,
                            minutes=settings.lockout_minutes)
        return _login_page(request, next_url=next_url, username=username,
                           error=message, status=422)
    response = RedirectResponse(next_url, status_code=303)
    _set_session_cookie(response, request, result.token)
    response.set_cookie(LANG_COOKIE, result.user.language, samesite="lax",
                        max_age=365 * 86400, secure=_cookie_secure(request))
    response.delete_cookie(LOGIN_NONCE_COOKIE, path="/login")
    return response


@router.post("/logout")
async def sign_out(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.self_service, allow_password_change=True)],
) -> Response:
    logout(db, actor, request.state.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- one's own account -------------------------------------------------------------------

@router.get("/account")
async def account(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.self_service)],
) -> Response:
    return render(request, "accounts/account.html", active_nav="account",
                  sessions=list_sessions(db, actor, actor.user_id),
                  current_session_id=request.state.session_id)


@router.post("/account/language")
async def choose_language(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.self_service, allow_password_change=True)],
    language: Annotated[str, Form(max_length=8)],
) -> Response:
    set_language(db, actor, language)
    response = RedirectResponse(referer_target(request, "/account"), status_code=303)
    response.set_cookie(LANG_COOKIE, language, samesite="lax", max_age=365 * 86400,
                        secure=_cookie_secure(request))
    return response


@router.get("/account/password")
async def password_form(
    request: Request,
    actor: Annotated[Actor, requires(Permission.self_service, allow_password_change=True)],
) -> Response:
    user = request.state.user
    return render(request, "accounts/password.html", errors={},
                  forced=user.must_change_password, done=False)


@router.post("/account/password")
async def password_change(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.self_service, allow_password_change=True)],
    current_password: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    password_again: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    locale = request.state.locale
    if password != password_again:
        return render(request, "accounts/password.html", status=422, forced=False, done=False,
                      errors={"password_again": translate(_("The two passwords differ."), locale)})
    try:
        fresh = change_password(db, actor, current=current_password, new=password,
                                session_id=request.state.session_id)
    except AppError as exc:
        return render(request, "accounts/password.html", status=exc.status, forced=False,
                      done=False, errors=app_error_fields(exc, locale))
    if fresh is not None:
        request.state.csrf_token = fresh.csrf_token  # the page's forms belong to the new id
    response = render(request, "accounts/password.html", errors={}, forced=False, done=True)
    if fresh is not None:
        _set_session_cookie(response, request, fresh.token)
    return response


@router.post("/sessions/{session_id}/end")
async def end_a_session(
    request: Request, db: DbSession,
    session_id: Annotated[str, Path(max_length=64)],
    actor: Annotated[Actor, requires(Permission.self_service)],
) -> Response:
    end_session(db, actor, session_id)
    return RedirectResponse(referer_target(request, "/account"), status_code=303)


# --- the administrator's users -----------------------------------------------------------

def _users_page(request: Request, db: DbSession, actor: Actor, *, form: dict | None = None,
                errors: dict[str, str] | None = None, created: str | None = None,
                status: int = 200) -> Response:
    counties = lookup_options(db).counties
    return render(
        request, "admin/users.html", status=status, active_nav="users",
        users=list_users(db, actor), counties=counties,
        county_names={c.code: c.name if request.state.locale == "zh_CN" else c.name_en
                      for c in counties},
        role_labels=[(role, ROLE_LABELS[role]) for role in ROLES], role_names=ROLE_LABELS,
        form=form or {"roles": []}, errors=errors or {}, created=created, now=utcnow(),
    )


@router.get("/admin/users")
async def users(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.user_manage)],
) -> Response:
    return _users_page(request, db, actor)


@router.post("/admin/users")
async def users_create(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.user_manage)],
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=64)] = "",
    title: Annotated[str, Form(max_length=64)] = "",
    county_code: Annotated[str, Form(max_length=32)] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    form = {"username": username, "display_name": display_name, "title": title,
            "county_code": county_code, "roles": roles or []}
    locale = request.state.locale
    if not display_name.strip():
        return _users_page(request, db, actor, form=form, status=422,
                           errors={"display_name": translate(_("Enter the name"), locale)})
    try:
        create_user(db, username=username, display_name=display_name.strip(),
                    password=password, roles=roles or [], county_code=county_code or None,
                    title=title.strip() or None, actor=actor)
    except AppError as exc:
        return _users_page(request, db, actor, form=form, status=exc.status,
                           errors=app_error_fields(exc, locale))
    return _users_page(request, db, actor, created=username)


@router.post("/admin/users/{user_id}/disable")
async def users_disable(
    request: Request, db: DbSession, user_id: PathId,
    actor: Annotated[Actor, requires(Permission.user_manage)],
) -> Response:
    set_user_active(db, actor, user_id, False)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/enable")
async def users_enable(
    request: Request, db: DbSession, user_id: PathId,
    actor: Annotated[Actor, requires(Permission.user_manage)],
) -> Response:
    set_user_active(db, actor, user_id, True)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users/{user_id}/sessions")
async def user_sessions(
    request: Request, db: DbSession, user_id: PathId,
    actor: Annotated[Actor, requires(Permission.user_manage)],
) -> Response:
    target = get_user(db, user_id)
    return render(request, "admin/user_sessions.html", active_nav="users", target=target,
                  sessions=list_sessions(db, actor, user_id),
                  current_session_id=request.state.session_id)
