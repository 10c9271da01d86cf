"""Investors (投资方) and their contacts (personal information)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow

OWNERSHIP_TYPES = ("state", "private", "foreign", "joint", "collective", "other")


class Investor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # Name without spaces, punctuation and company-form suffixes, for duplicate checks.
    normalized_name: str = Field(max_length=200, index=True)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    hq_province: str | None = Field(default=None, max_length=32)
    hq_city: str | None = Field(default=None, max_length=32)
    ownership: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InvestorContact(SQLModel, table=True):
    __tablename__ = "investor_contact"
    id: int | None = Field(default=None, primary_key=True)
    investor_id: int = Field(foreign_key="investor.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=64)
    title: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=128)
