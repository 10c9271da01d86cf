"""Investor input and output shapes, shared by the pages and the API."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.i18n import _

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Ownership = Literal["state", "private", "foreign", "joint", "collective", "other"]
OWNERSHIP_LABELS: dict[str, str] = {
    "state": _("State-owned"), "private": _("Private"), "foreign": _("Foreign"),
    "joint": _("Joint venture"), "collective": _("Collective"), "other": _("Other"),
}
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\-() ]{5,32}$")]


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    title: str | None = Field(default=None, max_length=64)
    phone: Phone | None = None
    email: EmailStr | None = None


class InvestorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    credit_code: str | None = Field(default=None, max_length=32)
    hq_province: str | None = Field(default=None, max_length=32)
    hq_city: str | None = Field(default=None, max_length=32)
    ownership: Ownership | None = None
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)


class InvestorRef(BaseModel):
    id: int
    name: str
    credit_code: str | None
