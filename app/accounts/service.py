"""Users: creation and password hashing. Log-in, sessions and policy come with issue 3."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlmodel import Session

from app.accounts.models import ROLES, User, UserRole
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.lookups.models import County

# argon2id with the library's RFC 9106 low-memory defaults.
password_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    county_code: str | None = None,
    title: str | None = None,
    phone: str | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise ValidationFailed(_("Username is required."), field="username")
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValidationFailed(
            _("Unknown role: {role}."), field="roles", role=", ".join(unknown) or "-"
        )
    if county_code is not None and session.get(County, county_code) is None:
        raise ValidationFailed(_("Unknown county code: {code}."), field="county_code",
                               code=county_code)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("Username {username} is already taken."), field="username",
                       username=username)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        county_code=county_code,
        title=title,
        phone=phone,
    )
    session.add(user)
    session.flush()
    session.add_all(UserRole(user_id=user.id, role=role) for role in sorted(set(roles)))
    session.flush()
    return user


def user_roles(session: Session, user_id: int) -> set[str]:
    return set(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("User {user_id} does not exist."), user_id=user_id)
    return user
