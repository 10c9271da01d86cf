"""Investor identity: credit codes (GB 32100-2015), name normalisation, finding matches."""

import unicodedata

from sqlalchemy import or_, select
from sqlmodel import Session

from app.errors import ValidationFailed
from app.i18n import _
from app.investors.models import Investor, InvestorContact
from app.investors.schemas import InvestorIn

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Company-form suffixes that do not tell two investors apart, longest first.
COMPANY_SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "集团", "公司",
)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w
                for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    if len(code) != 18 or any(ch not in CREDIT_CODE_CHARSET for ch in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def clean_credit_code(raw: str | None) -> str | None:
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
            field="investor.credit_code",
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


def find_matching_investors(session: Session, *, credit_code: str | None,
                            name: str) -> list[Investor]:
    """Investors that are the same company: same credit code, or same normalised name."""
    conditions = [Investor.normalized_name == normalize_name(name)]
    if credit_code:
        conditions.append(Investor.credit_code == credit_code)
    return list(session.scalars(select(Investor).where(or_(*conditions)).order_by(Investor.id)))


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
    for contact in data.contacts:
        session.add(InvestorContact(investor_id=investor.id, **contact.model_dump()))
    return investor
