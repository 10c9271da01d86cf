"""Investor identity, as project creation needs it: credit codes (GB 32100-2015), name
normalisation, finding the same company, locking it while a project is created, and
resolving the input to one investor (with its contacts, compared by blind index).

It lives with projects because the duplicate-project rule is built on it; app.investors
(contacts as a reader sees them) builds on projects, never the reverse."""

import hashlib
import unicodedata
from typing import Any, cast

from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.crypto import EncryptedField
from app.errors import ValidationFailed
from app.i18n import _
from app.projects.models import Investor, InvestorContact
from app.projects.schemas import InvestorIn

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Encrypted contact fields: compared through their blind indexes.
PHONE = cast(EncryptedField, InvestorContact.phone)
EMAIL = cast(EncryptedField, InvestorContact.email)
# Company-form suffixes that do not tell two investors apart, longest first.
COMPANY_SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "集团", "公司",
)
# pg_advisory_xact_lock(space, key) for one investor identity: "ZSIN" as a signed int. The
# two-int key space does not overlap the one-bigint space of the audit chain's lock.
IDENTITY_LOCK_SPACE = int.from_bytes(b"ZSIN", "big", signed=True)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w
                for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    if len(code) != 18 or any(ch not in CREDIT_CODE_CHARSET for ch in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def clean_credit_code(raw: str | None, field: str = "investor.credit_code") -> str | None:
    """Upper-cased, spaces removed; None when empty. Raises when the check character fails."""
    if raw is None:
        return None
    code = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    if not code:
        return None
    if not is_valid_credit_code(code):
        raise ValidationFailed(
            _("{code} is not a valid unified social credit code (18 characters with a "
              "correct check character)."),
            field=field,
            code=code,
        )
    return code


def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).lower()
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")
    for suffix in COMPANY_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def _same_company(credit_code: str | None, name: str) -> Any:
    conditions = [Investor.normalized_name == normalize_name(name)]
    if credit_code:
        conditions.append(Investor.credit_code == credit_code)
    return or_(*conditions)


def find_matching_investors(session: Session, *, credit_code: str | None,
                            name: str) -> list[Investor]:
    """Investors that are the same company: same credit code, or same normalised name."""
    return list(session.scalars(select(Investor).where(_same_company(credit_code, name))
                                .order_by(Investor.id)))


def _identity_key(kind: str, value: str) -> int:
    digest = hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_investor_identity(session: Session, *, credit_code: str | None, name: str) -> None:
    """Until the transaction ends, no one else checks or changes the projects of this
    company, so a duplicate check and the insert after it act as one step.

    PostgreSQL: advisory locks on the normalised name and the credit code (sorted, so two
    racers queue instead of deadlocking) keep a second racer from creating the same new
    investor; then row locks on the investors either already matches, found through the
    other key by a racer that shares no key with us. FOR NO KEY UPDATE: inserting a project
    that references the investor does not wait. SQLite needs nothing: a write transaction
    holds the whole database from its BEGIN IMMEDIATE (app.db)."""
    lock_investor_identities(session, [(credit_code, name)])


def lock_investor_identities(session: Session,
                             identities: list[tuple[str | None, str]]) -> None:
    """`lock_investor_identity` for several identities at once (an investor renamed: the
    one it had and the one it takes), every key in one sorted order."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys: set[int] = set()
    for credit_code, name in identities:
        keys.add(_identity_key("name", normalize_name(name)))
        if credit_code:
            keys.add(_identity_key("code", credit_code))
    for key in sorted(keys):
        session.execute(select(func.pg_advisory_xact_lock(IDENTITY_LOCK_SPACE, key)))
    session.execute(select(Investor.id)
                    .where(or_(*(_same_company(code, name) for code, name in identities)))
                    .order_by(Investor.id).with_for_update(key_share=True))


def conflicting_investor(session: Session, investor: Investor, *, credit_code: str | None,
                         name: str) -> tuple[str, Investor] | None:
    """Another investor that is already the company `investor` would become with this
    credit code and name, and the field that says so: the same credit code, or (a new
    name) the same normalised name unless both carry different credit codes (two
    companies, as `resolve_investor` tells them apart). Take the identity lock first."""
    if credit_code and credit_code != investor.credit_code:
        other = session.scalar(select(Investor).where(Investor.credit_code == credit_code,
                                                      Investor.id != investor.id))
        if other is not None:
            return "credit_code", other
    normalized = normalize_name(name)
    if normalized != investor.normalized_name:
        for other in find_matching_investors(session, credit_code=None, name=name):
            if other.id == investor.id:
                continue
            if credit_code and other.credit_code and other.credit_code != credit_code:
                continue
            return "name", other
    return None


def resolve_investor(session: Session, data: InvestorIn) -> Investor:
    """The existing investor this input names, or a new one; contacts are added to it."""
    credit_code = clean_credit_code(data.credit_code)
    name = data.name.strip()
    matches = find_matching_investors(session, credit_code=credit_code, name=name)
    by_code = [inv for inv in matches if credit_code and inv.credit_code == credit_code]
    investor = by_code[0] if by_code else next(
        (inv for inv in matches if not credit_code or inv.credit_code in (None, credit_code)),
        None,
    )
    if investor is None:
        investor = Investor(
            name=name,
            normalized_name=normalize_name(name),
            credit_code=credit_code,
            hq_province=data.hq_province,
            hq_city=data.hq_city,
            ownership=data.ownership,
        )
        session.add(investor)
        session.flush()
    elif credit_code and investor.credit_code is None:
        investor.credit_code = credit_code
    known: set[tuple[str, str, str | None]] = set()
    for name, phone_index, email_index in session.execute(
            select(InvestorContact.name, InvestorContact.phone_blind_index,
                   InvestorContact.email_blind_index)
            .where(InvestorContact.investor_id == investor.id)):
        known |= contact_identities(name, {phone_index} - {None}, {email_index} - {None})
    for contact in data.contacts:
        sent = contact_identities(contact.name, PHONE.indexes(contact.phone),
                                  EMAIL.indexes(contact.email))
        if not sent & known:  # a re-sent contact is not a new one
            session.add(InvestorContact(investor_id=investor.id, **contact.model_dump()))
            known |= sent
    return investor


def contact_identities(name: str, phone_indexes: set[str],
                       email_indexes: set[str]) -> set[tuple[str, str, str | None]]:
    """Who a contact is, compared by blind index (the values are encrypted): the name and
    the phone number however written (138-1234-1234 = 138 1234 1234), or without a phone
    the e-mail address. Several indexes while a key rotation is under way."""
    if phone_indexes:
        return {(name, "phone", index) for index in phone_indexes}
    if email_indexes:
        return {(name, "email", index) for index in email_indexes}
    return {(name, "name only", None)}
