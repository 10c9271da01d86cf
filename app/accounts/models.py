"""People who use the product, their roles, their browser sessions and API tokens."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedField, PersonalData
from app.db import UTCDateTime, utcnow

ROLES = ("admin", "auditor", "leader", "staff", "supervisor")


class User(PersonalData, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    title: str | None = Field(default=None, max_length=64)
    # None means the user works for the city and sees every county.
    county_code: str | None = Field(default=None, foreign_key="county.code", max_length=32)
    phone_encrypted: str | None = Field(default=None, sa_type=sa.Text)  # app/crypto.py
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    language: str = Field(default="zh_CN", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    failed_login_count: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    must_change_password: bool = Field(default=True)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    phone = EncryptedField()


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"
    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="known_role"),)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(primary_key=True, max_length=16)


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so
    a copy of the database does not let anyone sign in. Any app process can check it."""

    __tablename__ = "user_session"
    __table_args__ = (sa.Index("ix_user_session_user_revoked", "user_id", "revoked_at"),)
    id: str = Field(primary_key=True, max_length=64)  # sha256(token) in hex
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE")
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # the absolute limit
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    csrf_token: str = Field(max_length=64)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class ApiToken(SQLModel, table=True):
    """A user's short-lived API token (POST /api/v1/auth/token); the id is its SHA-256."""

    __tablename__ = "api_token"
    __table_args__ = (sa.Index("ix_api_token_user_expires", "user_id", "expires_at"),)
    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ip: str | None = Field(default=None, max_length=64)
