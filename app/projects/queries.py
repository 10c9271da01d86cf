"""Reading projects: the filtered, scoped, paginated list and its totals.

Every query starts from `visible(actor)`, so no list, count, export or chart can include
another county's project. Rows are read as plain Core rows (never thousands of ORM
objects) and each page costs a fixed number of statements.
"""

import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor
from app.clock import local_midnight
from app.db import utcnow
from app.errors import NotFound
from app.i18n import _
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone
from app.projects.confidential import viewer_columns
from app.projects.idle import idle_at_least
from app.projects.models import (
    FundsEntry,
    Investor,
    LeaderAssignment,
    PlanMilestone,
    Project,
    StageEvent,
    StatusChange,
    TeamMember,
    reached_on,
)
from app.projects.schemas import SORTABLE, ProjectFilters
from app.projects.service import find_duplicate_projects, visible
from app.projects.stages import STAGE_ORDER

Leader = aliased(User, name="leader")
CENT = Decimal("0.01")


@dataclass
class ListPage:
    rows: list[Any]
    total: int
    total_investment: Decimal
    page: int
    per_page: int
    # Counts per stage under every filter but the stage one: the quick tabs.
    by_stage: dict[str, int]
    # The other money asked for (`sum=`, MONEY_SUM_LABELS), each Σ over everything filtered.
    money_sums: dict[str, Decimal] = dataclass_field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


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
        clauses.append(keyword_matches(filters.q))
    if filters.min_investment is not None:
        clauses.append(Project.total_investment >= filters.min_investment)
    if filters.max_investment is not None:
        clauses.append(Project.total_investment <= filters.max_investment)
    if filters.reported_from:
        clauses.append(Project.first_reported_at >= local_midnight(filters.reported_from))
    if filters.reported_to:
        clauses.append(Project.first_reported_at
                       < local_midnight(filters.reported_to + timedelta(days=1)))
    if filters.updated_since:
        clauses.append(Project.updated_at >= filters.updated_since)
    if filters.idle_days:
        clauses.append(idle_at_least(filters.idle_days, now or utcnow()))
    if filters.needs_leader:
        clauses.append(Project.leader_id.is_(None))
    if filters.follow_up_due_by:
        clauses.append(Project.next_follow_up_on <= filters.follow_up_due_by)
    if filters.with_funds:
        clauses.append(sa.exists().where(*funds_in_window(filters)))
    clauses += _milestone_clauses(filters)
    return clauses


def keyword_matches(keyword: str) -> Any:
    """The list's keyword: names, code and pinyin (`search_text`), or part of the investor's
    credit code (91140100MA0K9ABC10, typed in any case, with spaces or full-width). Like
    its name, a confidential project's investor is not searchable: a viewer it is masked
    from (app.projects.confidential) must not learn whose project it is by finding it."""
    matches = Project.search_text.contains(keyword.lower(), autoescape=True)
    code = "".join(unicodedata.normalize("NFKC", keyword).split()).upper()
    if not (code.isascii() and code.isalnum()):
        return matches  # no credit code holds anything else
    owner = aliased(Investor)  # its own FROM: the list joins Investor already
    by_credit_code = Project.investor_id.in_(
        select(owner.id).where(owner.credit_code.contains(code, autoescape=True)))
    return sa.or_(matches, sa.and_(sa.not_(Project.is_confidential), by_credit_code))


def _milestone_clauses(filters: ProjectFilters) -> list[Any]:
    """The cockpit's drill-downs (app.analytics), so a figure and its list agree: both read
    the milestone columns (the first day each stage was reached)."""
    clauses: list[Any] = []
    if filters.reached or filters.reached_from or filters.reached_to:
        first = reached_on(filters.reached or STAGE_ORDER[0])
        clauses.append(first.is_not(None))
        if filters.reached_from:
            clauses.append(first >= filters.reached_from)
        if filters.reached_to:
            clauses.append(first <= filters.reached_to)
    if filters.advanced_from or filters.advanced_to:
        clauses.append(advanced_within(filters.advanced_from, filters.advanced_to))
    if filters.planned_from:
        clauses.append(Project.planned_groundbreaking_on >= filters.planned_from)
    if filters.planned_to:
        clauses.append(Project.planned_groundbreaking_on <= filters.planned_to)
    return clauses


def advanced_within(start: date | None, end: date | None) -> Any:
    """First reached some stage after contact within [start, end] (a conversion)."""
    return sa.or_(*(
        sa.and_(reached_on(stage).is_not(None),
                *([reached_on(stage) >= start] if start else []),
                *([reached_on(stage) <= end] if end else []))
        for stage in STAGE_ORDER[1:]))


def list_columns(actor: Actor) -> list[Any]:
    view = viewer_columns(actor)
    return [
        Project.id, Project.code, view["name"], view["investor_name"],
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


def select_rows(actor: Actor) -> Any:
    """The list's columns and joins, for other pages that show project rows."""
    return _joined(select(*list_columns(actor)).select_from(Project))


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
        column = func.coalesce(column, sa.literal(datetime(1970, 1, 1, tzinfo=UTC), column.type))
    ordered = column.desc() if descending else column.asc()
    return [ordered, Project.id.desc() if descending else Project.id.asc()]


# The money a list may total (`sum=` on the list's address, several joined by commas):
# 总投资 (always), 协议金额, 合同金额, 到位资金 (within funds_from/funds_to), so a figure's
# drill-down shows the same money as the figure, row by row and in total.
MONEY_SUM_LABELS = {"total": _("total investment"), "agreed": _("agreed amount"),
                    "contract": _("contract amount"), "funds": _("funds in place")}
MONEY_SUM_HEADINGS = {"total": _("Total investment (10,000 yuan)"),
                      "agreed": _("Agreed amount (10,000 yuan)"),
                      "contract": _("Contract amount (10,000 yuan)"),
                      "funds": _("Funds in place (10,000 yuan)")}


def money_sums_asked(text: str | None) -> tuple[str, ...]:
    """The other money `sum=` names, known ones only, in the order given, no repeats."""
    names = (name.strip() for name in (text or "").split(","))
    return tuple(dict.fromkeys(n for n in names if n in MONEY_SUM_LABELS and n != "total"))


def funds_in_window(filters: ProjectFilters) -> list[Any]:
    """The funds entries a list's 到位资金 counts: the project's, dated in the window."""
    window = [FundsEntry.project_id == Project.id]
    if filters.funds_from:
        window.append(FundsEntry.on_date >= filters.funds_from)
    if filters.funds_to:
        window.append(FundsEntry.on_date <= filters.funds_to)
    return window


def money_column(name: str, filters: ProjectFilters) -> Any:
    """One project's money of the kind `name` (MONEY_SUM_LABELS)."""
    if name == "funds":
        return (select(func.coalesce(func.sum(FundsEntry.amount), 0))
                .where(*funds_in_window(filters)).scalar_subquery())
    return {"total": Project.total_investment, "agreed": Project.agreed_amount,
            "contract": Project.contract_amount}[name]


def stage_totals(session: Session, where: list[Any], amount: Any = Project.total_investment
                 ) -> dict[str, tuple[int, Decimal]]:
    """Count and Σ `amount` (total investment unless said) per stage of the projects `where`
    selects, in one grouped statement; every stage present, with (0, 0.00) where there are
    none."""
    totals = {stage.value: (0, Decimal("0.00")) for stage in STAGE_ORDER}
    for stage, count, summed in session.execute(
            select(Project.stage, func.count(), func.sum(amount))
            .where(*where).group_by(Project.stage)):
        totals[stage] = (count, summed or Decimal("0.00"))
    return totals


def list_projects(session: Session, actor: Actor, filters: ProjectFilters, *,
                  sort: str = "-updated_at", page: int = 1, per_page: int = 20,
                  money_sums: tuple[str, ...] = (), now: datetime | None = None) -> ListPage:
    """One page of rows, plus the count and Σ total investment of everything filtered and
    the count per stage, from one grouped statement over the filters but the stage; and,
    for the other money `money_sums` names (MONEY_SUM_LABELS), each row's and its Σ."""
    now = now or utcnow()
    where = [visible(actor), *filter_clauses(filters, now=now)]
    page = max(1, page)
    # Pick the page's ids first, then join names for those rows only: joining before the
    # sort made SQLite build every matching row (65 ms for 12,500 of 100,000 projects).
    page_ids = (select(Project.id).where(*where).order_by(*_order_by(sort))
                .limit(per_page).offset((page - 1) * per_page).subquery())
    money_sums = tuple(name for name in money_sums if name in MONEY_SUM_LABELS
                       and name != "total")
    rows = session.execute(
        _joined(select(*list_columns(actor),
                       *(money_column(name, filters).label(f"sum_{name}")
                         for name in money_sums)).select_from(Project))
        .join(page_ids, page_ids.c.id == Project.id)
        .order_by(*_order_by(sort))
    ).all()
    unstaged = filters.model_copy(update={"stage": []})
    totals = stage_totals(session, [visible(actor), *filter_clauses(unstaged, now=now)])
    stages = {s.value for s in filters.stage} or set(totals)
    chosen = [totals[stage] for stage in stages]
    summed: dict[str, Decimal] = {}
    if money_sums:
        sums = session.execute(
            select(*(func.sum(money_column(name, filters)) for name in money_sums))
            .where(visible(actor), *filter_clauses(filters, now=now))).one()
        summed = {name: (value or Decimal(0)).quantize(CENT)
                  for name, value in zip(money_sums, sums, strict=True)}
    return ListPage(rows=list(rows), total=sum(count for count, _sum in chosen),
                    total_investment=sum((amount for _n, amount in chosen), Decimal("0.00")),
                    page=page, per_page=per_page,
                    by_stage={stage: count for stage, (count, _sum) in totals.items()},
                    money_sums=summed)


# --- kanban and duplicates (project pages) -----------------------------------------------

@dataclass
class KanbanColumn:
    """One stage: count and Σ of every filtered project in it, and the first few cards."""

    stage: str
    count: int
    total_investment: Decimal
    cards: list[Any]

    @property
    def hidden(self) -> int:
        return max(0, self.count - len(self.cards))


def kanban_columns(session: Session, actor: Actor, filters: ProjectFilters, *,
                   per_column: int = 30, now: datetime | None = None) -> list[KanbanColumn]:
    """The board in two statements whatever the data size: one GROUP BY for the counts and
    sums, and the `per_column` most recently updated cards of each stage, each stage's
    picked along ix_project_stage_updated with a LIMIT (no ranking of every row), the picks
    joined with UNION ALL and only they joined to their names."""
    where = [visible(actor), *filter_clauses(filters, now=now)]
    totals = stage_totals(session, where)
    newest_first = (Project.updated_at.desc(), Project.id.desc())
    picks = sa.union_all(*(
        select(Project.id).where(*where, Project.stage == stage.value)
        .order_by(*newest_first).limit(per_column)
        # SQLite refuses ORDER BY / LIMIT in a compound member unless it is a subquery.
        .subquery(f"pick_{stage.value}").select()
        for stage in STAGE_ORDER)).subquery("picked")
    rows = session.execute(
        _joined(select(*list_columns(actor)).select_from(Project))
        .join(picks, picks.c.id == Project.id).order_by(*newest_first)).all()
    cards: dict[str, list[Any]] = {stage.value: [] for stage in STAGE_ORDER}
    for row in rows:
        cards[row.stage].append(row)
    return [
        KanbanColumn(stage=stage.value, count=totals[stage.value][0],
                     total_investment=totals[stage.value][1], cards=cards[stage.value])
        for stage in STAGE_ORDER
    ]


def duplicate_candidates(session: Session, actor: Actor, *, investor_name: str,
                         credit_code: str | None) -> list[Any]:
    """Live projects of the same investor, as list rows (county name, masked names).
    Deliberately city-wide, not `visible(actor)`: a county must learn that another county
    reported the investor first, or the duplicate would go unnoticed."""
    ids = [p.id for p in find_duplicate_projects(session, investor_name=investor_name,
                                                 credit_code=credit_code)]
    if not ids:
        return []
    return list(session.execute(
        _joined(select(*list_columns(actor)).select_from(Project))
        .where(Project.id.in_(ids)).order_by(Project.first_reported_at, Project.id)
    ).all())


# --- the project page ----------------------------------------------------------------------

Creator = aliased(User, name="creator")
Updater = aliased(User, name="updater")


def project_detail(session: Session, actor: Actor, project_id: int) -> Any:
    """One project as this viewer may see it (`viewer_columns`), for the project pages and
    GET /api/v1/projects/{id} alike: every column, lookup names, investor, leader, creator
    and last editor. Another county's project does not exist (NotFound)."""
    view = viewer_columns(actor)
    columns = [c for c in Project.__table__.c if c.key not in (*view, "search_text")]
    lookups = []
    for table, key in ((Category, "category"), (Chain, "chain"), (ChainLink, "chain_link"),
                       (Region, "region"), (Method, "method"), (County, "county"),
                       (Zone, "zone")):
        lookups += [table.name.label(f"{key}_name"), table.name_en.label(f"{key}_name_en")]
    row = session.execute(
        select(
            *columns, *view.values(), *lookups,
            Leader.display_name.label("leader_name"), Leader.title.label("leader_title"),
            Creator.display_name.label("created_by_name"),
            Updater.display_name.label("updated_by_name"),
            money_column("funds", ProjectFilters()).label("funds_in_place"),
        )
        .select_from(Project)
        .join(Investor, Investor.id == Project.investor_id)
        .join(Category, Category.code == Project.category_code)
        .join(Chain, Chain.code == Project.chain_code)
        .outerjoin(ChainLink, ChainLink.code == Project.chain_link_code)
        .join(Region, Region.code == Project.region_code)
        .join(Method, Method.code == Project.method_code)
        .join(County, County.code == Project.county_code)
        .outerjoin(Zone, Zone.code == Project.zone_code)
        .outerjoin(Leader, Leader.id == Project.leader_id)
        .outerjoin(Creator, Creator.id == Project.created_by_id)
        .outerjoin(Updater, Updater.id == Project.updated_by_id)
        .where(Project.id == project_id, visible(actor))
    ).one_or_none()
    if row is None:
        raise NotFound(_("Project {project_id} does not exist."), project_id=project_id)
    return row


def project_team(session: Session, actor: Actor, project_id: int) -> list[Any]:
    """The task force (专班) with names, in the order people joined."""
    return list(session.execute(
        select(TeamMember.id, TeamMember.user_id, TeamMember.role, TeamMember.added_at,
               User.display_name.label("name"), User.title)
        .join(User, User.id == TeamMember.user_id)
        .join(Project, Project.id == TeamMember.project_id)
        .where(TeamMember.project_id == project_id, visible(actor))
        .order_by(TeamMember.added_at, TeamMember.id)
    ).all())


def project_milestones(session: Session, actor: Actor, project_id: int) -> list[Any]:
    """The plan's dated steps (方案), by due date."""
    return list(session.execute(
        select(PlanMilestone.id, PlanMilestone.title, PlanMilestone.due_on,
               PlanMilestone.done_on)
        .join(Project, Project.id == PlanMilestone.project_id)
        .where(PlanMilestone.project_id == project_id, visible(actor))
        .order_by(PlanMilestone.due_on, PlanMilestone.id)
    ).all())


# --- the JSON door (app/projects/api.py) ---------------------------------------------------

def api_columns(actor: Actor) -> list[Any]:
    """Every field of the API's project (docs/api.md), as plain columns, as the viewer may
    see them."""
    view = viewer_columns(actor)
    return [
        Project.id, Project.code, view["name"], view["description"], view["investor_name"],
        view["investor_credit_code"],
        Project.chain_code, Project.chain_link_code, Project.region_code, Project.county_code,
        Project.zone_code, Project.category_code, Project.method_code, Project.key_level,
        Project.stage, Project.status, Project.termination_reason, Project.total_investment,
        Project.agreed_amount, Project.contract_amount, Project.leader_id,
        Leader.display_name.label("leader_name"), Project.is_confidential,
        Project.stage_entered_on, Project.planned_groundbreaking_on, Project.first_reported_at,
        Project.last_activity_at, Project.next_follow_up_on, Project.created_at,
        Project.updated_at, Project.version,
    ]


def api_project_rows(session: Session, actor: Actor, filters: ProjectFilters, *,
                     after: dict[str, Any] | None, limit: int) -> list[Any]:
    """One page for GET /api/v1/projects, by keyset: (updated_at, id) ascending when the
    filters ask for changes since a time (sync), else id ascending. `after` holds the last
    row's keys; every status is listed unless filtered, deleted projects never."""
    where = [visible(actor), *filter_clauses(filters)]
    by_update = filters.updated_since is not None
    if after is not None and by_update:
        moment = datetime.fromisoformat(after["updated_at"])
        where.append(sa.or_(Project.updated_at > moment,
                            sa.and_(Project.updated_at == moment, Project.id > after["id"])))
    elif after is not None:
        where.append(Project.id > after["id"])
    order = [Project.updated_at, Project.id] if by_update else [Project.id]
    return list(session.execute(
        select(*api_columns(actor)).select_from(Project)
        .join(Investor, Investor.id == Project.investor_id)
        .outerjoin(Leader, Leader.id == Project.leader_id)
        .where(*where).order_by(*order).limit(limit)
    ).all())


@dataclass
class ProjectHistory:
    stages: list[Any]
    leaders: list[Any]
    statuses: list[Any]


def project_history(session: Session, actor: Actor, project_id: int) -> ProjectHistory:
    """Stage events, leader assignments (with names) and status changes, each oldest
    first, in four statements."""
    if session.scalar(select(Project.id).where(Project.id == project_id,
                                               visible(actor))) is None:
        raise NotFound(_("Project {project_id} does not exist."), project_id=project_id)
    stages = session.execute(
        select(StageEvent).where(StageEvent.project_id == project_id)
        .order_by(StageEvent.recorded_at, StageEvent.id)).scalars().all()
    leaders = session.execute(
        select(LeaderAssignment.id, LeaderAssignment.started_at, LeaderAssignment.ended_at,
               LeaderAssignment.leader_id, LeaderAssignment.reason,
               User.display_name.label("leader_name"))
        .join(User, User.id == LeaderAssignment.leader_id)
        .where(LeaderAssignment.project_id == project_id)
        .order_by(LeaderAssignment.started_at, LeaderAssignment.id)).all()
    statuses = session.execute(
        select(StatusChange).where(StatusChange.project_id == project_id)
        .order_by(StatusChange.recorded_at, StatusChange.id)).scalars().all()
    return ProjectHistory(stages=list(stages), leaders=list(leaders), statuses=list(statuses))
