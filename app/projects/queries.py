"""Reading projects: the filtered, scoped, paginated list and its totals.

Every query starts from `visible(actor)`, so no list, count, export or chart can include
another county's project. Rows are read as plain Core rows (never thousands of ORM
objects) and each page costs a fixed number of statements.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor
from app.config import get_settings
from app.db import utcnow
from app.investors.models import Investor
from app.lookups.models import Chain, County, Region
from app.projects.models import Project, TeamMember
from app.projects.schemas import SORTABLE, ProjectFilters
from app.projects.service import visible
from app.projects.stages import STAGE_ORDER

Leader = aliased(User, name="leader")


@dataclass
class ListPage:
    rows: list[Any]
    total: int
    total_investment: Decimal
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _local_midnight_utc(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=get_settings().tz)


def filter_clauses(filters: ProjectFilters, *, now: datetime | None = None) -> list[Any]:
    clauses: list[Any] = []
    if filters.stage:
        clauses.append(Project.stage.in_([s.value for s in filters.stage]))
    if filters.status:
        clauses.append(Project.status.in_([s.value for s in filters.status]))
    for field, column in (("county", Project.county_code), ("chain", Project.chain_code),
                          ("region", Project.region_code), ("method", Project.method_code),
                          ("category", Project.category_code)):
        value = getattr(filters, field)
        if value:
            clauses.append(column == value)
    if filters.key_level:
        clauses.append(Project.key_level == filters.key_level.value)
    if filters.leader_id is not None:
        clauses.append(Project.leader_id == filters.leader_id)
    if filters.q:
        clauses.append(Project.search_text.contains(filters.q.lower(), autoescape=True))
    if filters.min_investment is not None:
        clauses.append(Project.total_investment >= filters.min_investment)
    if filters.max_investment is not None:
        clauses.append(Project.total_investment <= filters.max_investment)
    if filters.reported_from:
        clauses.append(Project.first_reported_at >= _local_midnight_utc(filters.reported_from))
    if filters.reported_to:
        clauses.append(Project.first_reported_at
                       < _local_midnight_utc(filters.reported_to + timedelta(days=1)))
    if filters.updated_since:
        clauses.append(Project.updated_at >= filters.updated_since)
    if filters.idle_days:
        cutoff = (now or utcnow()) - timedelta(days=filters.idle_days)
        clauses.append(sa.or_(Project.last_activity_at.is_(None),
                              Project.last_activity_at < cutoff))
    if filters.needs_leader:
        clauses.append(Project.leader_id.is_(None))
    return clauses


def _works_on(actor: Actor) -> Any:
    """True where the actor may see a confidential project's real name."""
    if actor.is_admin:
        return sa.true()
    on_team = sa.exists().where(TeamMember.project_id == Project.id,
                                TeamMember.user_id == actor.user_id)
    return sa.or_(Project.leader_id == actor.user_id, Project.created_by_id == actor.user_id,
                  on_team)


def list_columns(actor: Actor) -> list[Any]:
    shows_name = sa.or_(sa.not_(Project.is_confidential), _works_on(actor))
    return [
        Project.id, Project.code,
        sa.case((shows_name, Project.name), else_=Project.code_name).label("name"),
        sa.case((shows_name, Investor.name), else_=sa.literal("***")).label("investor_name"),
        Project.stage, Project.status, Project.total_investment, Project.county_code,
        County.name.label("county_name"), County.name_en.label("county_name_en"),
        Project.chain_code, Chain.name.label("chain_name"), Chain.name_en.label("chain_name_en"),
        Project.region_code, Region.name.label("region_name"),
        Region.name_en.label("region_name_en"),
        Project.leader_id, Leader.display_name.label("leader_name"),
        Project.last_activity_at, Project.next_follow_up_on, Project.stage_entered_on,
        Project.first_reported_at, Project.updated_at, Project.version, Project.is_confidential,
        Project.key_level,
    ]


def _joined(query: Any) -> Any:
    return (query.join(Investor, Investor.id == Project.investor_id)
            .join(County, County.code == Project.county_code)
            .join(Chain, Chain.code == Project.chain_code)
            .join(Region, Region.code == Project.region_code)
            .outerjoin(Leader, Leader.id == Project.leader_id))


def _order_by(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTABLE:
        key, descending = "updated_at", True
    if key == "stage":
        column: Any = sa.case({s.value: s.rank for s in STAGE_ORDER}, value=Project.stage)
    else:
        column = getattr(Project, key)
    if key == "last_activity_at":
        column = func.coalesce(column, sa.literal(datetime(1970, 1, 1)))
    ordered = column.desc() if descending else column.asc()
    return [ordered, Project.id.desc() if descending else Project.id.asc()]


def list_projects(session: Session, actor: Actor, filters: ProjectFilters, *,
                  sort: str = "-updated_at", page: int = 1, per_page: int = 20,
                  now: datetime | None = None) -> ListPage:
    """One page of rows plus the count and Σ total investment of everything filtered."""
    where = [visible(actor), *filter_clauses(filters, now=now)]
    page = max(1, page)
    rows = session.execute(
        _joined(select(*list_columns(actor)).select_from(Project)).where(*where)
        .order_by(*_order_by(sort)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    total, amount = session.execute(
        select(func.count(), func.sum(Project.total_investment)).select_from(Project)
        .where(*where)
    ).one()
    return ListPage(rows=list(rows), total=total, total_investment=amount or Decimal("0.00"),
                    page=page, per_page=per_page)


def count_by_stage(session: Session, actor: Actor, filters: ProjectFilters,
                   now: datetime | None = None) -> dict[str, int]:
    """Counts for the quick tabs: the same filters, any stage."""
    unstaged = filters.model_copy(update={"stage": []})
    where = [visible(actor), *filter_clauses(unstaged, now=now)]
    counts = dict(session.execute(
        select(Project.stage, func.count()).where(*where).group_by(Project.stage)).all())
    return {stage.value: counts.get(stage.value, 0) for stage in STAGE_ORDER}
