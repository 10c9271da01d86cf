"""What a viewer may see of a confidential project: the one rule (`works_on`) and the one
view built on it (`viewer_columns`).

Those who work on a confidential project see it in full; everyone else sees its code name
instead of its name, no description and no investor. The project pages, the API, the
lists, the duplicate warnings and the audit trail all read a project through here, so they
show a viewer the same thing. Only models are imported: the audit service reads it too.
"""

from collections.abc import Iterable
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.projects.models import Investor, Project, TeamMember

MASK = "***"
# Only those who work on a confidential project may change these (or see the name and
# description at all).
CONFIDENTIAL_FIELDS = ("name", "is_confidential", "code_name", "description")


def works_on(actor: Actor) -> Any:
    """True where the actor works on the project: administrators, the responsible leader,
    whoever reported it and its team (专班). An agency client works on none."""
    if actor.is_admin:
        return sa.true()
    if actor.user_id is None:
        return sa.false()  # `== None` would match every unled project
    on_team = sa.exists().where(TeamMember.project_id == Project.id,
                                TeamMember.user_id == actor.user_id)
    # Never NULL (an unled project's `leader_id = 7` is), so `not_(works_on(...))` holds.
    return sa.or_(Project.leader_id.is_not_distinct_from(actor.user_id),
                  Project.created_by_id.is_not_distinct_from(actor.user_id), on_team)


def shows_name(actor: Actor) -> Any:
    """True where the actor may see the project in full: not confidential, or works on it."""
    return sa.or_(sa.not_(Project.is_confidential), works_on(actor))


def viewer_columns(actor: Actor) -> dict[str, Any]:
    """The project's fields as this viewer may see them, by label; a query picks the ones
    it shows. The investor columns need `Investor` joined."""
    shown = shows_name(actor)

    def unless_shown(column: Any, label: str, masked: Any = None) -> Any:
        return sa.case((shown, column), else_=masked).label(label)

    return {
        "name": unless_shown(Project.name, "name", Project.code_name),
        "description": unless_shown(Project.description, "description"),
        "investor_name": unless_shown(Investor.name, "investor_name", sa.literal(MASK)),
        "investor_credit_code": unless_shown(Investor.credit_code, "investor_credit_code"),
        "investor_hq_province": unless_shown(Investor.hq_province, "investor_hq_province"),
        "investor_hq_city": unless_shown(Investor.hq_city, "investor_hq_city"),
        "investor_ownership": unless_shown(Investor.ownership, "investor_ownership"),
        "shows_name": shown.label("shows_name"),
    }


def works_on_project(session: Session, actor: Actor, project: Project) -> bool:
    """`works_on` for one project."""
    return bool(session.scalar(sa.select(works_on(actor)).where(Project.id == project.id)))


def shown_names(session: Session, actor: Actor, project_ids: Iterable[int]) -> dict[int, str]:
    """Each project's name as the actor may see it (the code name where masked)."""
    ids = set(project_ids)
    if not ids:
        return {}
    return dict(session.execute(
        sa.select(Project.id, viewer_columns(actor)["name"]).where(Project.id.in_(ids))
    ).all())


class Hidden(NamedTuple):
    """What a reader of a masked project must not see, and the code name shown instead."""

    name: str
    investor_name: str
    code_name: str


def masked_projects(session: Session, actor: Actor,
                    project_ids: Iterable[int]) -> dict[int, Hidden]:
    """Of these projects, those the actor sees by code name only."""
    ids = set(project_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Project.id, Project.name, Investor.name, Project.code_name)
        .join(Investor, Investor.id == Project.investor_id)
        .where(Project.id.in_(ids), sa.not_(shows_name(actor)))
    ).all()
    return {pid: Hidden(name, investor, code_name or MASK)
            for pid, name, investor, code_name in rows}
