"""Investor contacts as a reader sees them: personal information, masked for those who do
not work on the project, shown in full only by a deliberate, audited request.

Builds on app.projects (the project, who works on it, the contact table); projects never
imports this package."""

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.permissions import Actor, Permission
from app.audit.models import AuditAction
from app.audit.service import record
from app.crypto import UnreadableValue
from app.errors import PermissionDenied
from app.i18n import _
from app.projects.confidential import works_on_project
from app.projects.models import InvestorContact
from app.projects.service import get_project

log = logging.getLogger("zhaoshang.investors")


@dataclass(frozen=True)
class ContactView:
    """A contact as shown: `masked` when phone or e-mail were hidden from this reader,
    `unreadable` when a stored value does not decrypt (changed in the database, or its key
    gone): shown as such, never as some other value, and logged for the administrator."""

    id: int
    name: str
    title: str | None
    phone: str | None
    email: str | None
    masked: bool
    unreadable: bool = False


def _contact_view(contact: InvestorContact, full: bool) -> ContactView:
    try:
        phone, email = contact.phone, contact.email
    except UnreadableValue as exc:
        log.error("contact %s: %s", contact.id, exc)
        return ContactView(id=contact.id or 0, name=contact.name, title=contact.title,
                           phone=None, email=None, masked=False, unreadable=True)
    return ContactView(
        id=contact.id or 0, name=contact.name, title=contact.title,
        phone=phone if full else mask_phone(phone),
        email=email if full else mask_email(email),
        masked=not full and bool(phone or email),
    )


def _mask_chars(text: str, keep_head: int, keep_tail: int) -> str:
    """Replace every letter or digit with * except the first `keep_head` and last
    `keep_tail` of them; separators (spaces, dashes, brackets, +) stay in place."""
    total = sum(ch.isalnum() for ch in text)
    out, seen = [], 0
    for ch in text:
        if ch.isalnum():
            seen += 1
            visible = seen <= keep_head or seen > total - keep_tail
            out.append(ch if visible else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_phone(phone: str | None) -> str | None:
    """138****1234: long numbers keep the first 3 and last 4 digits; shorter ones at most
    the last 4 and never more than half, so at least half is always hidden."""
    if not phone or not phone.strip():
        return phone
    text = phone.strip()
    digits = sum(ch.isalnum() for ch in text)
    keep_head = 3 if digits >= 11 else 0
    return _mask_chars(text, keep_head, min(4, digits // 2))


def mask_email(email: str | None) -> str | None:
    """z***@example.com: the first character and the domain; "***" hides the length."""
    if not email or not email.strip():
        return email
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return domain[:1] + "***"
    return f"{local[:1]}***@{domain}"


def project_contacts(session: Session, actor: Actor, project_id: int, *,
                     unmask: bool = False) -> list[ContactView]:
    """The project investor's contacts, masked for those who do not work on the project.
    `unmask` shows them in full to anyone holding contact.unmask, and is audited."""
    project = get_project(session, project_id, actor)
    if unmask and not actor.can(Permission.contact_unmask):
        raise PermissionDenied(_("You may not view full contact details."),
                               action=Permission.contact_unmask.value,
                               object_type="project", object_id=project.id)
    contacts = session.scalars(
        select(InvestorContact).where(InvestorContact.investor_id == project.investor_id)
        .order_by(InvestorContact.id)
    ).all()
    if unmask:
        record(session, actor, AuditAction.contact_unmask, object_type="project",
               object_id=project.id,
               detail="investor_contact " + ",".join(str(c.id) for c in contacts))
    full = unmask or works_on_project(session, actor, project)
    return [_contact_view(c, full) for c in contacts]
