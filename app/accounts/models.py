"""People who use the product. Authentication details come with the accounts issue."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow

ROLES = ("admin", "auditor", "leader", "staff", "supervisor")


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    title: str | None = Field(default=None, max_length=64)
    # None means the user works for the city and sees every county.
    county_code: str | None = Field(default=None, foreign_key="county.code", max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    language: str = Field(default="zh_CN", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"
    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="known_role"),)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(primary_key=True, max_length=16)
