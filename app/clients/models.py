"""Agency clients: other agencies' programs, with a scoped, long-lived bearer token."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class Scope(StrEnum):
    projects_read = "projects:read"
    projects_write = "projects:write"
    activities_write = "activities:write"
    stats_read = "stats:read"
    webhooks_manage = "webhooks:manage"
    audit_read = "audit:read"


class ApiClient(SQLModel, table=True):
    """Another agency's program. Only the SHA-256 of its token is kept: the token is shown
    once, when created. Revoked or expired clients are refused at once by every process."""

    __tablename__ = "api_client"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    # Space-separated scopes (OAuth style), e.g. "projects:read stats:read".
    scopes: str = Field(max_length=500)
    # None: the city, every county; otherwise the one county it may see and change.
    county_code: str | None = Field(default=None, foreign_key="county.code", max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    token_prefix: str = Field(max_length=16)  # the first characters, to recognise it
    rate_limit_per_minute: int | None = Field(default=None)  # None: the setting
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
