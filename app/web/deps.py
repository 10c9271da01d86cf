"""Dependencies shared by both doors: the unit of work, the signed-in actor, permissions.

Every route declares what it needs with `requires(Permission.x)`; a test walks the routes
and fails on any that declares nothing and is not in PUBLIC_PATHS.
"""

import hmac
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Path, Request
from sqlmodel import Session

from app.accounts.permissions import Actor, Permission
from app.accounts.service import password_expired, resolve_session, touch_session
from app.db import lost_lock_race, utcnow
from app.errors import AppError, PermissionDenied
from app.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, _
from app.inputs import DIGITS_ONLY, MAX_ROW_ID

log = logging.getLogger("zhaoshang")
SESSION_COOKIE = "zs_session"
LANG_COOKIE = "zs_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
CSRF_MESSAGE = _("The form has expired or did not come from this site. Reload the page and "
                 "try again.")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes anyone may call; everything else declares a permission.
PUBLIC_PATHS = frozenset({
    "/login", "/healthz", "/favicon.ico", "/api/v1/openapi.json", "/api/docs",
    "/api/v1/auth/token",
})


@contextmanager
def unit_of_work(request: Request, *, write: bool) -> Iterator[Session]:
    """A transaction of the app's session factory: committed at the end, or rolled back."""
    session: Session = request.app.state.session_factory(write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: commit before the response is sent, or roll back.
    One that lost a lock race (deadlock, "database is locked") is run again, whole, by
    app.web.retry."""
    with unit_of_work(request, write=request.method not in SAFE_METHODS) as session:
        yield session


# scope="function": the commit happens before the answer leaves, so a client that reads
# right after a write sees it.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
# A row id in an address (pages and API): digits only, and beyond the databases' integer
# range a 422, not a 500.
PathId = Annotated[int, Path(ge=1, le=MAX_ROW_ID), DIGITS_ONLY]


class LoginRequired(AppError):
    status = 401
    kind = "unauthenticated"


class PasswordChangeRequired(AppError):
    status = 403
    kind = "password-change-required"


class CsrfRefused(AppError):
    status = 403
    kind = "csrf"


def request_locale(request: Request) -> str:
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in SUPPORTED_LOCALES:
        return cookie
    accept = request.headers.get("accept-language", "").lower()
    if accept.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def current_actor(request: Request, db: DbSession) -> Actor:
    """The signed-in user from the session cookie; bearer tokens are the API's door."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    signed_in = resolve_session(db, request.cookies.get(SESSION_COOKIE))
    if signed_in is None:
        raise LoginRequired(_("Please sign in."))
    if signed_in.touch_due:
        _touch(request, db, signed_in.session_id)
    actor = Actor.of(signed_in.user, signed_in.roles, ip=client_ip(request),
                     user_agent=request.headers.get("user-agent"))
    # Detached, so error pages rendered after a rollback can still show the name.
    db.expunge(signed_in.user)
    request.state.actor = actor
    request.state.user = signed_in.user
    request.state.session_id = signed_in.session_id
    request.state.csrf_token = signed_in.csrf_token
    request.state.locale = signed_in.user.language
    if request.method not in SAFE_METHODS:
        await _check_csrf(request, signed_in.csrf_token)
    return actor


def _touch(request: Request, db: Session, session_id: str) -> None:
    """Note the session as seen. A write request does it in its own unit of work; a read
    (whose transaction only reads) in a short write of its own, which may lose a lock race
    without costing the page: the next request a minute on tries again."""
    if request.method not in SAFE_METHODS:
        touch_session(db, session_id)
        return
    try:
        with unit_of_work(request, write=True) as own:
            touch_session(own, session_id)
    except sa.exc.DBAPIError as exc:
        if not lost_lock_race(exc):
            raise
        log.warning("session last-seen time not saved (lock race): %s", exc.orig)


async def _check_csrf(request: Request, expected: str) -> None:
    """Synchronizer token bound to the server-side session (form field or HTMX header)."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise CsrfRefused(CSRF_MESSAGE)


class PermissionCheck:
    """`Depends(PermissionCheck(p))`: the actor, if they hold permission p."""

    def __init__(self, permission: Permission, *, allow_password_change: bool = False) -> None:
        self.permission = permission
        self.allow_password_change = allow_password_change

    async def __call__(self, request: Request, actor: Annotated[Actor, Depends(current_actor)]
                       ) -> Actor:
        user = request.state.user
        if not self.allow_password_change and password_expired(user, utcnow()):
            raise PasswordChangeRequired(_("Please set a new password first."))
        if not actor.can(self.permission):
            raise PermissionDenied(_("You may not do this."), action=self.permission.value)
        return actor


def requires(permission: Permission, *, allow_password_change: bool = False) -> object:
    return Depends(PermissionCheck(permission, allow_password_change=allow_password_change))
