"""Investor contacts as a reader sees them: personal information, masked for those who do
not work on the project, shown in full only by a deliberate, audited request.

Builds on app.projects (the project, who works on it, the contact table); projects never
imports this package."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.permissions import Actor, Permission
from app.audit.models import AuditAction
from app.audit.service import record
from app.crypto import UnreadableValue
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import _
from app.projects.confidential import works_on_project
from app.projects.investors import EMAIL, PHONE, contact_identities
from app.projects.models import Investor, InvestorContact, Project
from app.projects.schemas import ContactIn, ContactUpdate
from app.projects.service import ensure_can_change, ensure_can_see_investor, get_project

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


def may_edit_investor(actor: Actor, project: Any) -> bool:
    """Whether to offer the investor's and the contacts' forms (the writes below check
    the same, through the same rules):
    whoever may change the project, and of a confidential one only who works on it."""
    if not actor.can(Permission.project_update) or not project.shows_name:
        return False
    try:
        ensure_can_change(actor, project)
    except (PermissionDenied, Conflict):
        return False
    return True


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


# --- changing the contacts ----------------------------------------------------------------
# Whoever may change the project may change its investor's contacts (a confidential one's:
# only those who work on it). Each change is audited on the project; phone and e-mail go
# into the audit row masked, as they are personal information kept encrypted.

CONTACT_FIELDS = ("name", "title", "phone", "email")


def _writable(session: Session, actor: Actor, project_id: int) -> Project:
    """The project whose investor's contacts the actor changes, with the investor's row
    locked: two people adding one contact at once queue, and the second is refused."""
    project = get_project(session, project_id, actor)
    ensure_can_change(actor, project)
    ensure_can_see_investor(session, actor, project)
    session.execute(select(Investor.id).where(Investor.id == project.investor_id)
                    .with_for_update(key_share=True))
    return project


def _contact(session: Session, project: Project, contact_id: int) -> InvestorContact:
    contact = session.scalar(select(InvestorContact).where(
        InvestorContact.id == contact_id, InvestorContact.investor_id == project.investor_id))
    if contact is None:
        raise NotFound(_("Contact {contact_id} does not exist."), contact_id=contact_id)
    return contact


def _identities(name: str, phone: str | None, email: str | None) -> set[Any]:
    return contact_identities(name, PHONE.indexes(phone), EMAIL.indexes(email))


def _refuse_known(session: Session, project: Project, name: str, phone: str | None,
                  email: str | None, *, besides: int | None = None) -> None:
    """The same person (compared as `resolve_investor` does, by blind index) is entered
    once per investor."""
    known: set[Any] = set()
    for other_name, phone_index, email_index in session.execute(
            select(InvestorContact.name, InvestorContact.phone_blind_index,
                   InvestorContact.email_blind_index)
            .where(InvestorContact.investor_id == project.investor_id,
                   InvestorContact.id != (besides or 0))):
        known |= contact_identities(other_name, {phone_index} - {None}, {email_index} - {None})
    if _identities(name, phone, email) & known:
        raise Conflict(_("{name} is already a contact of this investor."), field="name",
                       name=name)


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    """A contact's fields as its audit row keeps them: phone and e-mail masked."""
    return {"contact_name": values.get("name"), "contact_title": values.get("title"),
            "contact_phone": mask_phone(values.get("phone")),
            "contact_email": mask_email(values.get("email"))}


def _view(session: Session, actor: Actor, project: Project,
          contact: InvestorContact) -> ContactView:
    return _contact_view(contact, works_on_project(session, actor, project))


def contact_for_edit(session: Session, actor: Actor, project_id: int,
                     contact_id: int) -> ContactView:
    """A contact as its edit form shows it: in full only to those who work on the
    project (the form then leaves the hidden values blank, which keeps them)."""
    project = get_project(session, project_id, actor)
    ensure_can_change(actor, project)
    ensure_can_see_investor(session, actor, project)
    return _view(session, actor, project, _contact(session, project, contact_id))


def add_contact(session: Session, project_id: int, data: ContactIn, *, actor: Actor,
                now: datetime | None = None) -> ContactView:
    now = now or utcnow()
    project = _writable(session, actor, project_id)
    _refuse_known(session, project, data.name, data.phone, data.email)
    contact = InvestorContact(investor_id=project.investor_id, **data.model_dump())
    session.add(contact)
    session.flush()
    after = _audited(data.model_dump())
    record(session, actor, AuditAction.contact_create, object_type="project",
           object_id=project.id,
           changes={field: [None, value] for field, value in after.items() if value},
           detail=f"investor_contact {contact.id}", now=now)
    return _view(session, actor, project, contact)


def update_contact(session: Session, project_id: int, contact_id: int, data: ContactUpdate,
                   *, actor: Actor, now: datetime | None = None) -> ContactView:
    """Only the fields sent change; a field not sent keeps its stored value."""
    now = now or utcnow()
    project = _writable(session, actor, project_id)
    contact = _contact(session, project, contact_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and not changes["name"]:
        raise ValidationFailed(_("The {label} cannot be empty."), field="name",
                               label=_("contact name"))
    before = {field: getattr(contact, field) for field in CONTACT_FIELDS}
    after = {**before, **changes}
    changed = [f for f in CONTACT_FIELDS if after[f] != before[f]]
    if not changed:
        return _view(session, actor, project, contact)
    _refuse_known(session, project, after["name"], after["phone"], after["email"],
                  besides=contact.id)
    for field in changed:
        setattr(contact, field, after[field])
    old, new = _audited(before), _audited(after)
    record(session, actor, AuditAction.contact_update, object_type="project",
           object_id=project.id,
           changes={f"contact_{field}": [old[f"contact_{field}"], new[f"contact_{field}"]]
                    for field in changed},
           detail=f"investor_contact {contact.id}", now=now)
    session.flush()
    return _view(session, actor, project, contact)


def delete_contact(session: Session, project_id: int, contact_id: int, *, actor: Actor,
                   now: datetime | None = None) -> None:
    now = now or utcnow()
    project = _writable(session, actor, project_id)
    contact = _contact(session, project, contact_id)
    before = _audited({field: getattr(contact, field) for field in CONTACT_FIELDS})
    record(session, actor, AuditAction.contact_delete, object_type="project",
           object_id=project.id,
           changes={field: [value, None] for field, value in before.items() if value},
           detail=f"investor_contact {contact.id}", now=now)
    session.delete(contact)
    session.flush()
