"""Investors (投资方) and their contacts (personal information)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.crypto import EncryptedField, PersonalData, email_lower, phone_digits
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


class InvestorContact(PersonalData, table=True):
    __tablename__ = "investor_contact"
    id: int | None = Field(default=None, primary_key=True)
    investor_id: int = Field(foreign_key="investor.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=64)
    title: str | None = Field(default=None, max_length=64)
    # Encrypted at rest (app/crypto.py); the blind indexes tell a contact sent again.
    phone_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    phone_blind_index: str | None = Field(default=None, max_length=64)
    email_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    email_blind_index: str | None = Field(default=None, max_length=64)

    phone = EncryptedField(normalise=phone_digits)
    email = EncryptedField(normalise=email_lower)
