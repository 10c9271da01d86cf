"""Who is behind a bearer token: an agency client (app.clients.service) or a user
(app.accounts.service). The prefix tells which; both store only a digest."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.accounts.permissions import Actor
from app.accounts.service import (
    API_TOKEN_PREFIX,
    password_expired,
    user_of_api_token,
    user_roles,
)
from app.clients.service import CLIENT_PREFIX, client_actor, client_of_token
from app.config import get_settings
from app.db import utcnow
from app.errors import AppError


class TokenRefused(AppError):
    status = 401
    kind = "invalid-token"


@dataclass
class Caller:
    actor: Actor
    owner: str  # the rate-limit and idempotency key: "client:7" or "user:12"
    rate_limit: int
    password_expired: bool = False


def resolve_bearer(session: Session, token: str, *, ip: str | None, user_agent: str | None,
                   now: datetime | None = None) -> Caller | None:
    """The caller behind a token, or None (unknown, expired, revoked, disabled)."""
    now = now or utcnow()
    settings = get_settings()
    if token.startswith(CLIENT_PREFIX):
        client = client_of_token(session, token, now)
        if client is None:
            return None
        return Caller(actor=client_actor(client, ip=ip, user_agent=user_agent),
                      owner=f"client:{client.id}",
                      rate_limit=client.rate_limit_per_minute
                      or settings.api_rate_limit_per_minute)
    if token.startswith(API_TOKEN_PREFIX):
        user = user_of_api_token(session, token, now)
        if user is None:
            return None
        actor = Actor.of(user, user_roles(session, user.id), ip=ip, user_agent=user_agent)
        return Caller(actor=actor, owner=f"user:{user.id}",
                      rate_limit=settings.api_rate_limit_per_minute,
                      password_expired=password_expired(user, now))
    return None
