"""Agency clients: long-lived, scoped bearer tokens created by an administrator. Only the
SHA-256 digest is stored; a token is shown once. Every outcome that matters is audited."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.permissions import Actor, Permission, Role
from app.accounts.service import token_digest
from app.audit.service import record
from app.clients.models import ApiClient, Scope
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import _
from app.lookups.models import County

CLIENT_PREFIX = "zsc_"
MAX_CLIENT_DAYS = 3650
SCOPES: tuple[str, ...] = tuple(scope.value for scope in Scope)


@dataclass
class NewClient:
    client: ApiClient
    token: str  # shown once, never stored


def _require_admin(actor: Actor, action: str) -> None:
    if not actor.can(Permission.user_manage):
        raise PermissionDenied(_("You may not manage API clients."), action=action)


def create_client(session: Session, actor: Actor, *, name: str, scopes: list[str],
                  county_code: str | None = None, days: int = 365,
                  rate_limit_per_minute: int | None = None,
                  now: datetime | None = None) -> NewClient:
    now = now or utcnow()
    _require_admin(actor, "api_client.create")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("Give the client a name of up to 100 characters."),
                               field="name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValidationFailed(_("Unknown scope: {scope}."), field="scopes",
                               scope=", ".join(unknown) or "-")
    if county_code is not None and session.get(County, county_code) is None:
        raise ValidationFailed(_("Unknown county code: {code}."), field="county_code",
                               code=county_code)
    if not 1 <= days <= MAX_CLIENT_DAYS:
        raise ValidationFailed(_("A token is valid for 1 to {days} days."), field="days",
                               days=MAX_CLIENT_DAYS)
    if rate_limit_per_minute is not None and rate_limit_per_minute < 1:
        raise ValidationFailed(_("The rate limit must be at least 1 request a minute."),
                               field="rate_limit_per_minute")
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise Conflict(_("An API client named {name} already exists."), field="name",
                       name=name)
    token = CLIENT_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(
        name=name, scopes=" ".join(s for s in SCOPES if s in scopes), county_code=county_code,
        token_hash=token_digest(token), token_prefix=token[:12],
        rate_limit_per_minute=rate_limit_per_minute, created_at=now,
        created_by_id=actor.user_id, expires_at=now + timedelta(days=days),
    )
    session.add(client)
    session.flush()
    record(session, actor, "api_client.create", object_type="api_client", object_id=client.id,
           changes={"name": [None, name], "scopes": [None, client.scopes],
                    "county_code": [None, county_code],
                    "expires_at": [None, client.expires_at]}, now=now)
    session.flush()
    return NewClient(client=client, token=token)


def list_clients(session: Session, actor: Actor) -> list[ApiClient]:
    _require_admin(actor, "api_client.list")
    return list(session.scalars(select(ApiClient).order_by(ApiClient.name).limit(1000)))


def revoke_client(session: Session, actor: Actor, client_id: int,
                  now: datetime | None = None) -> ApiClient:
    """Takes effect at the next request, in every process: tokens are checked per request."""
    now = now or utcnow()
    _require_admin(actor, "api_client.revoke")
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(_("API client {client_id} does not exist."), client_id=client_id)
    if client.revoked_at is None:
        client.revoked_at = now
        record(session, actor, "api_client.revoke", object_type="api_client",
               object_id=client.id, changes={"revoked_at": [None, now]}, now=now)
        session.flush()
    return client


def client_actor(client: ApiClient, *, ip: str | None = None,
                 user_agent: str | None = None) -> Actor:
    """A client acts with the client role, narrowed by its scopes and county. Reading the
    audit trail is the auditor's permission, so that scope brings the auditor role."""
    roles = {Role.client.value}
    if Scope.audit_read.value in client.scope_set:
        roles.add(Role.auditor.value)
    return Actor(user_id=None, name=f"api:{client.name}"[:64], roles=frozenset(roles),
                 county_code=client.county_code, ip=ip, user_agent=user_agent,
                 client_id=client.id, scopes=client.scope_set)


# --- resolving a token -------------------------------------------------------------------

def client_of_token(session: Session, token: str, now: datetime | None = None
                    ) -> ApiClient | None:
    """The live client a token belongs to, or None (unknown, expired, revoked)."""
    now = now or utcnow()
    client = session.scalar(select(ApiClient)
                            .where(ApiClient.token_hash == token_digest(token)))
    if client is None or client.revoked_at is not None or client.expires_at <= now:
        return None
    if client.last_used_at is None or now - client.last_used_at > timedelta(minutes=1):
        client.last_used_at = now  # throttled: one write a minute, not one per request
        session.flush()
    return client
