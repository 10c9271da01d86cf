"""People as options in pickers and filters: leaders and colleagues (users, so they live
with the accounts; the lookups are the fixed code lists)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.models import User, UserRole
from app.accounts.permissions import Actor
from app.i18n import _, translate

NAME_WITH_TITLE = _("{name} ({title})")


@dataclass
class PersonOption:
    """A person in a picker (also an option of the `m.select` macro: `code`, `label`)."""

    id: int
    name: str
    title: str | None
    county_code: str | None

    @property
    def code(self) -> str:
        return str(self.id)

    def label(self, locale: str) -> str:
        """李云峰（市长）, "Li Yunfeng (Mayor)": the name, with the title if there is one."""
        if not self.title:
            return self.name
        return translate(NAME_WITH_TITLE, locale, name=self.name, title=self.title)


def leaders(session: Session) -> list[PersonOption]:
    """Active users in the leader role, for the filters by leader. Who may be assigned is
    app.projects.service.assignable_leaders."""
    rows = session.execute(
        select(User.id, User.display_name, User.title, User.county_code)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "leader", User.is_active)
        .order_by(User.county_code.is_not(None), User.display_name)
    )
    return [PersonOption(*row) for row in rows]


def colleagues(session: Session, actor: Actor) -> list[PersonOption]:
    """Active staff and leaders the actor can put on a team (their county, or the city)."""
    query = (select(User.id, User.display_name, User.title, User.county_code)
             .where(User.is_active).order_by(User.display_name))
    if actor.county_code is not None:
        query = query.where((User.county_code == actor.county_code)
                            | User.county_code.is_(None))
    return [PersonOption(*row) for row in session.execute(query)]
