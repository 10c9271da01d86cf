"""Accounts: users and roles, the password policy, log-in with lock-out, and server-side
sessions (revocable, idle and absolute time-outs). Every outcome is audited here."""

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlmodel import Session

from app.accounts.models import ROLES, ApiToken, User, UserRole, UserSession
from app.accounts.permissions import Actor, Permission
from app.audit.service import record
from app.config import get_settings
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import _
from app.lookups.models import County

# argon2id with the library's RFC 9106 low-memory defaults.
password_hasher = PasswordHasher()
# Verified against when the user does not exist, so both failures take the same time.
_DUMMY_HASH = password_hasher.hash(secrets.token_urlsafe(16))
LOGIN_FAILED = _("Wrong username or password. After {limit} failed attempts the account is "
                 "locked for {minutes} minutes.")


# --- passwords ---------------------------------------------------------------------------

def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the most common leaked passwords as a ranked list; we take the top 10,000.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:10_000])


def _contains_username(password: str, username: str) -> bool:
    letters = "".join(ch for ch in username.lower() if ch.isalnum())
    return len(letters) >= 3 and letters in "".join(ch for ch in password.lower() if ch.isalnum())


def check_password_policy(password: str, *, username: str = "") -> None:
    settings = get_settings()
    classes = sum((
        any(ch in string.ascii_lowercase for ch in password),
        any(ch in string.ascii_uppercase for ch in password),
        any(ch.isdigit() for ch in password),
        any(not ch.isalnum() for ch in password),
    ))
    problem = None
    if len(password) < settings.password_min_length:
        problem = _("The password needs at least {length} characters.")
    elif classes < settings.password_min_classes:
        problem = _("The password needs {classes} of: lower-case letters, upper-case letters, "
                    "digits, symbols.")
    elif password.lower() in _common_passwords() or _contains_username(password, username):
        problem = _("This password is too easy to guess; choose another.")
    if problem:
        raise ValidationFailed(problem, field="password", length=settings.password_min_length,
                               classes=settings.password_min_classes)


def password_expired(user: User, now: datetime) -> bool:
    days = get_settings().password_max_age_days
    if user.must_change_password:
        return True
    if days <= 0 or user.password_changed_at is None:
        return False
    return user.password_changed_at + timedelta(days=days) < now


@dataclass
class FreshSession:
    """The session that survives a password change, under a new id (and CSRF token)."""

    token: str
    csrf_token: str


def change_password(session: Session, actor: Actor, *, current: str, new: str,
                    session_id: str | None = None,
                    now: datetime | None = None) -> FreshSession | None:
    """The user's own change. Their other sessions and API tokens end; the one they changed
    it in (`session_id`) goes on under a new id, returned."""
    now = now or utcnow()
    user = get_user(session, actor.user_id or 0)
    if not verify_password(user.password_hash, current):
        raise ValidationFailed(_("The current password is wrong."), field="current_password")
    check_password_policy(new, username=user.username)
    if verify_password(user.password_hash, new):
        raise ValidationFailed(_("The new password must differ from the current one."),
                               field="password")
    return set_password(session, actor, user, new, keep_session_id=session_id, now=now)


def set_password(session: Session, actor: Actor, user: User, new: str, *,
                 keep_session_id: str | None = None,
                 now: datetime | None = None) -> FreshSession | None:
    """The one way a password is replaced (a change, or any future reset): whoever knew the
    old one is signed out everywhere, browser sessions and API user tokens alike. Only
    `keep_session_id`, if given and live, goes on, under a fresh id."""
    now = now or utcnow()
    kept = session.get(UserSession, keep_session_id) if keep_session_id else None
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    user.must_change_password = False
    ended = _revoke_all(session, user.id, now)
    revoked = session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)).rowcount
    fresh = None
    if kept is not None and kept.user_id == user.id and kept.expires_at > now:
        fresh = FreshSession(token=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32))
        # Same absolute limit: a new id, not a longer life.
        session.add(UserSession(
            id=token_digest(fresh.token), user_id=user.id, created_at=now, last_seen_at=now,
            expires_at=kept.expires_at, csrf_token=fresh.csrf_token, ip=kept.ip,
            user_agent=kept.user_agent))
    record(session, actor, "user.password", object_type="user", object_id=user.id, now=now,
           detail=f"ended {ended - (fresh is not None)} other sessions, revoked {revoked} API "
                  f"tokens")
    session.flush()
    return fresh


# --- users -------------------------------------------------------------------------------

def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    county_code: str | None = None,
    title: str | None = None,
    phone: str | None = None,
    actor: Actor | None = None,
    must_change_password: bool = True,
    enforce_policy: bool = True,
    password_hash: str | None = None,
) -> User:
    """`password_hash`: a hash of `password` made earlier, for many users who share one
    password (the demo's): argon2 takes a fifth of a second a hash."""
    username = username.strip()
    if not username:
        raise ValidationFailed(_("Username is required."), field="username")
    if actor is not None and not actor.can(Permission.user_manage):
        raise PermissionDenied(_("You may not manage users."), action="user.create")
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValidationFailed(
            _("Unknown role: {role}."), field="roles", role=", ".join(unknown) or "-"
        )
    if county_code is not None and session.get(County, county_code) is None:
        raise ValidationFailed(_("Unknown county code: {code}."), field="county_code",
                               code=county_code)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("Username {username} is already taken."), field="username",
                       username=username)
    if enforce_policy:
        check_password_policy(password, username=username)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash or hash_password(password),
        county_code=county_code,
        title=title,
        phone=phone,
        must_change_password=must_change_password,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    session.add_all(UserRole(user_id=user.id, role=role) for role in sorted(set(roles)))
    record(session, actor, "user.create", object_type="user", object_id=user.id,
           changes={"username": [None, username], "roles": [None, ",".join(sorted(roles))],
                    "county_code": [None, county_code]})
    session.flush()
    return user


def user_roles(session: Session, user_id: int) -> set[str]:
    return set(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("User {user_id} does not exist."), user_id=user_id)
    return user


def list_users(session: Session, actor: Actor) -> list[tuple[User, str]]:
    """Every user with their roles, for the administrator's page (a bureau has hundreds)."""
    if not actor.can(Permission.user_manage):
        raise PermissionDenied(_("You may not manage users."), action="user.list")
    roles = {}
    for user_id, role in session.execute(select(UserRole.user_id, UserRole.role)):
        roles.setdefault(user_id, []).append(role)
    users = session.scalars(select(User).order_by(User.username)).all()
    return [(user, ",".join(sorted(roles.get(user.id, [])))) for user in users]


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool,
                    now: datetime | None = None) -> User:
    """Disabling a user ends every session of theirs at once."""
    now = now or utcnow()
    if not actor.can(Permission.user_manage):
        raise PermissionDenied(_("You may not manage users."), action="user.disable",
                               object_id=user_id)
    user = get_user(session, user_id)
    if user.id == actor.user_id and not active:
        raise ValidationFailed(_("You cannot disable your own account."), field="user_id")
    before = user.is_active
    user.is_active = active
    if not active:
        _revoke_all(session, user.id, now)
    record(session, actor, "user.enable" if active else "user.disable", object_type="user",
           object_id=user.id, changes={"is_active": [before, active]}, now=now)
    session.flush()
    return user


def set_language(session: Session, actor: Actor, language: str) -> None:
    from app.i18n import SUPPORTED_LOCALES

    if language not in SUPPORTED_LOCALES:
        raise ValidationFailed(_("Unknown language."), field="language")
    user = get_user(session, actor.user_id or 0)
    user.language = language
    session.flush()


# --- log-in and sessions -----------------------------------------------------------------

@dataclass
class LoginResult:
    ok: bool
    token: str | None = None
    user: User | None = None
    message: str | None = None  # an msgid with {limit} and {minutes}


def token_digest(token: str) -> str:
    """How a secret token is stored and looked up (sessions, API tokens, agency clients):
    its SHA-256, so the table alone signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, username: str, password: str, *, ip: str | None,
                 user_agent: str | None, previous_token: str | None = None,
                 now: datetime | None = None) -> LoginResult:
    """Check the password and open a new session. Unknown user, wrong password, locked or
    disabled account: one message for all, so nobody learns which names exist."""
    now = now or utcnow()
    settings = get_settings()
    attempt = Actor(user_id=None, name=username[:64], roles=frozenset(), county_code=None,
                    ip=ip, user_agent=user_agent)
    # Row-locked before the password is checked: concurrent guesses queue here and each sees
    # the failures and lock-out before it, so at most the limit of them are ever checked.
    # NO KEY: rows that merely reference the user do not wait. (SQLite: BEGIN IMMEDIATE.)
    user = session.scalar(select(User).where(User.username == username.strip())
                          .with_for_update(key_share=True)
                          .execution_options(populate_existing=True))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        record(session, attempt, "auth.login_failed", outcome="failure",
               detail="unknown user", now=now)
        return LoginResult(ok=False, message=LOGIN_FAILED)
    roles = user_roles(session, user.id)
    actor = Actor.of(user, roles, ip=ip, user_agent=user_agent)
    if user.locked_until is not None and user.locked_until > now:
        verify_password(_DUMMY_HASH, password)
        record(session, actor, "auth.login_failed", object_type="user", object_id=user.id,
               outcome="failure", detail="locked", now=now)
        return LoginResult(ok=False, message=LOGIN_FAILED)
    if not verify_password(user.password_hash, password) or not user.is_active:
        # Counted in SQL so two processes cannot lose a failure between them.
        failures = session.execute(
            update(User).where(User.id == user.id)
            .values(failed_login_count=User.failed_login_count + 1)
            .returning(User.failed_login_count)
        ).scalar_one()
        session.refresh(user)
        record(session, actor, "auth.login_failed", object_type="user", object_id=user.id,
               outcome="failure", detail="disabled" if not user.is_active else "password",
               now=now)
        if failures >= settings.login_max_failures:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_login_count = 0
            record(session, actor, "auth.locked", object_type="user", object_id=user.id,
                   outcome="failure", detail=f"{failures} failed log-ins", now=now)
        session.flush()
        return LoginResult(ok=False, message=LOGIN_FAILED)
    if previous_token:
        # A fresh session id at every log-in; the browser's old one (if any) is ended.
        _revoke(session, token_digest(previous_token), now)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    session.add(UserSession(
        id=token_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        csrf_token=secrets.token_urlsafe(32), ip=ip, user_agent=(user_agent or "")[:300],
    ))
    record(session, actor, "auth.login", object_type="user", object_id=user.id, now=now)
    session.flush()
    return LoginResult(ok=True, token=token, user=user)


# How stale `last_seen_at` may get: one write a minute per session, not one per request.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass
class SignedIn:
    user: User
    roles: set[str]
    session_id: str
    csrf_token: str
    touch_due: bool  # last seen over SESSION_TOUCH_INTERVAL ago: call `touch_session`


def resolve_session(session: Session, token: str | None,
                    now: datetime | None = None) -> SignedIn | None:
    """The live session behind a cookie, or None (unknown, revoked, idle, expired, disabled).
    Only reads: a page view runs in a read transaction, so the caller touches the session
    in a write of its own."""
    if not token:
        return None
    now = now or utcnow()
    settings = get_settings()
    row = session.get(UserSession, token_digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + timedelta(minutes=settings.session_idle_minutes) <= now:
        return None  # idle: never touched again, so it stays ended
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return SignedIn(user=user, roles=user_roles(session, user.id), session_id=row.id,
                    csrf_token=row.csrf_token,
                    touch_due=now - row.last_seen_at > SESSION_TOUCH_INTERVAL)


def touch_session(session: Session, session_id: str, now: datetime | None = None) -> bool:
    """Mark the session seen now, unless that happened within SESSION_TOUCH_INTERVAL (two
    requests at once write once). True if this call wrote."""
    now = now or utcnow()
    return session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None),
               UserSession.last_seen_at < now - SESSION_TOUCH_INTERVAL)
        .values(last_seen_at=now)
    ).rowcount > 0


def _revoke(session: Session, session_id: str, now: datetime) -> int:
    return session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount


def _revoke_all(session: Session, user_id: int, now: datetime) -> int:
    return session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount


def logout(session: Session, actor: Actor, session_id: str,
           now: datetime | None = None) -> None:
    now = now or utcnow()
    _revoke(session, session_id, now)
    record(session, actor, "auth.logout", object_type="user", object_id=actor.user_id, now=now)
    session.flush()


def list_sessions(session: Session, actor: Actor, user_id: int | None = None,
                  now: datetime | None = None) -> list[UserSession]:
    """Live sessions: one's own, or anyone's for an administrator."""
    now = now or utcnow()
    if user_id is not None and user_id != actor.user_id and not actor.can(
            Permission.user_manage):
        raise PermissionDenied(_("You may not manage users."), action="session.list")
    idle_cutoff = now - timedelta(minutes=get_settings().session_idle_minutes)
    query = select(UserSession).where(UserSession.revoked_at.is_(None),
                                      UserSession.expires_at > now,
                                      UserSession.last_seen_at > idle_cutoff)
    if user_id is not None:
        query = query.where(UserSession.user_id == user_id)
    return list(session.scalars(query.order_by(UserSession.last_seen_at.desc()).limit(500)))


def end_session(session: Session, actor: Actor, session_id: str,
                now: datetime | None = None) -> None:
    """An administrator ends any session; a user ends their own."""
    now = now or utcnow()
    row = session.get(UserSession, session_id)
    if row is None:
        raise NotFound(_("That session does not exist."))
    if row.user_id != actor.user_id and not actor.can(Permission.user_manage):
        raise PermissionDenied(_("You may not manage users."), action="session.revoke")
    _revoke(session, session_id, now)
    record(session, actor, "session.revoke", object_type="user", object_id=row.user_id,
           now=now)
    session.flush()


# --- API user tokens ---------------------------------------------------------------------

API_TOKEN_PREFIX = "zsu_"


@dataclass
class IssuedToken:
    access_token: str | None
    expires_in: int = 0
    message: str | None = None  # an msgid with {limit} and {minutes} when refused

    @property
    def ok(self) -> bool:
        return self.access_token is not None


def issue_user_token(session: Session, username: str, password: str, *, ip: str | None,
                     user_agent: str | None, now: datetime | None = None) -> IssuedToken:
    """The sign-in page's checks (lock-out, disabled users, audit) via `authenticate`; the
    browser session it opens is closed at once, the caller gets an API token instead.
    A refusal is returned, not raised: its failure count and audit row must commit."""
    now = now or utcnow()
    result = authenticate(session, username, password, ip=ip, user_agent=user_agent, now=now)
    if not result.ok or result.token is None or result.user is None:
        return IssuedToken(access_token=None, message=result.message or LOGIN_FAILED)
    session.execute(update(UserSession).where(UserSession.id == token_digest(result.token))
                    .values(revoked_at=now))
    minutes = get_settings().api_token_minutes
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(id=token_digest(token), user_id=result.user.id, created_at=now,
                         expires_at=now + timedelta(minutes=minutes), ip=ip))
    session.flush()
    return IssuedToken(access_token=token, expires_in=minutes * 60)


def user_of_api_token(session: Session, token: str, now: datetime | None = None
                      ) -> User | None:
    """The active user behind a live API user token, or None."""
    now = now or utcnow()
    row = session.get(ApiToken, token_digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user
