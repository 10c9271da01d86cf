"""Reads behind 工作台 and the leader board, all in the actor's scope (`visible(actor)`).

Every card costs one statement: its first rows plus the full count (a window count), so a
page does the same handful of statements for ten projects or ten thousand. Each card's
count is computed with the same filter as the project list it links to, so both agree.
"""

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.people import PersonOption
from app.accounts.permissions import Actor, Role
from app.clock import local_date
from app.db import utcnow
from app.i18n import _, ngettext
from app.projects.idle import (
    FOLLOW_UP_DUE_DAYS,
    STALLED_DAYS,
    idle_at_least,
    idle_days,
    idle_since,
)
from app.projects.links import projects_href
from app.projects.models import LeaderAssignment, Project, StageEvent, StatusChange
from app.projects.queries import filter_clauses, select_rows
from app.projects.schemas import ProjectFilters
from app.projects.service import (
    LIVE_STATUSES,
    assignable_leaders,
    assignable_leaders_by_county,
    visible,
)
from app.projects.stages import STAGE_ORDER, Stage, Status

CARD_LIMIT = 10
MY_PROJECTS_LIMIT = 20
QUEUE_LIMIT = 20
RECENT_DAYS = 7

ByUser = aliased(User, name="by_user")
# `WITH … AS MATERIALIZED`: PostgreSQL 12 and SQLite 3.35 on.
MATERIALIZING_DIALECTS = ("postgresql",) + (("sqlite",) if sqlite3.sqlite_version_info >= (3, 35)
                                             else ())
NewLeader = aliased(User, name="new_leader")


@dataclass(frozen=True)
class Note:
    """Why a row is on the card: an English msgid with its parameters, and a tone."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    tone: str = "secondary"


@dataclass
class Item:
    row: Any
    notes: list[Note] = field(default_factory=list)


@dataclass
class Card:
    items: list[Item]
    total: int
    href: str


@dataclass
class Workbench:
    today: date
    recent_days: int
    my_projects: Card | None
    due: Card
    idle: Card
    recent: Card

    @property
    def idle_days(self) -> int:
        return FOLLOW_UP_DUE_DAYS


@dataclass(frozen=True)
class Cell:
    count: int
    href: str


@dataclass
class BoardRow:
    leader_id: int | None
    name: str | None
    title: str | None
    cells: list[Cell]
    total: Cell
    investment: Decimal


@dataclass
class LeaderBoard:
    stages: tuple[Stage, ...]
    rows: list[BoardRow]
    unassigned: BoardRow
    totals: BoardRow
    queue: Card
    leaders: list[PersonOption]
    # Whom each county's waiting project may be given (its county's leaders and the city's).
    choices: dict[str, list[PersonOption]]


def _rows_and_total(session: Session, query: Any, limit: int) -> tuple[list[Any], int]:
    """A card's first rows and how many there are in all (the count rides along as a
    window: for the recent changes, a few days of history rows)."""
    rows = session.execute(
        query.add_columns(func.count().over().label("total_count")).limit(limit)).all()
    return list(rows), (rows[0].total_count if rows else 0)


def _card_rows(session: Session, actor: Actor, where: list[Any], order: list[Any],
               limit: int, *extra: Any) -> tuple[list[Any], int]:
    """A card of projects: its first rows (names joined for those only) and the count of
    every project `where` selects, counted on the project table alone. A count window over
    the joined rows made the database build every matching row (3.7 s at 100,000 projects
    on SQLite, where most are over 14 days without a follow-up)."""
    first = select(Project.id).where(*where).order_by(*order).limit(limit).subquery("first")
    rows = session.execute(select_rows(actor).add_columns(*extra)
                           .join(first, first.c.id == Project.id).order_by(*order)).all()
    total = session.scalar(select(func.count()).select_from(Project).where(*where)) or 0
    return list(rows), total


def _overdue_note(due_on: date | None, today: date) -> Note | None:
    if due_on is None or due_on > today:
        return None
    if due_on == today:
        return Note(_("Due today"), tone="warning")
    return Note(ngettext("{n} day overdue", "{n} days overdue"), {"n": (today - due_on).days},
                "danger")


def _idle_note(row: Any, today: date) -> Note | None:
    """From FOLLOW_UP_DUE_DAYS local days without a follow-up (app.projects.idle), or never."""
    days = idle_days(row.last_activity_at, row.first_reported_at, today)
    if days < FOLLOW_UP_DUE_DAYS:
        return None
    tone = "danger" if days >= STALLED_DAYS else "warning"
    if row.last_activity_at is None:
        return Note(_("Never followed up"), tone=tone)
    return Note(ngettext("{n} day without follow-up", "{n} days without follow-up"),
                {"n": days}, tone)


# --- 工作台 -------------------------------------------------------------------------------

def due_follow_ups(session: Session, actor: Actor, *, now: datetime) -> Card:
    """今日到期与逾期跟进: active projects whose next follow-up is due today or earlier."""
    today = local_date(now)
    filters = ProjectFilters(follow_up_due_by=today, status=[Status.active])
    rows, total = _card_rows(session, actor, [visible(actor), *filter_clauses(filters, now=now)],
                             [Project.next_follow_up_on, Project.id], CARD_LIMIT)
    items = [Item(row, [n for n in [_overdue_note(row.next_follow_up_on, today)] if n])
             for row in rows]
    return Card(items, total, projects_href(filters))


def idle_projects(session: Session, actor: Actor, *, now: datetime) -> Card:
    """超过 14 天未跟进: active projects 14 local days or more without a follow-up (never
    followed up: since the first report), the longest first."""
    today = local_date(now)
    filters = ProjectFilters(idle_days=FOLLOW_UP_DUE_DAYS, status=[Status.active])
    rows, total = _card_rows(session, actor, [visible(actor), *filter_clauses(filters, now=now)],
                             [idle_since(), Project.id], CARD_LIMIT)
    items = [Item(row, [n for n in [_idle_note(row, today)] if n]) for row in rows]
    return Card(items, total, projects_href(filters))


def recent_changes(session: Session, actor: Actor, *, now: datetime) -> Card:
    """最近变动: stage moves, status changes and leader changes of the last days, newest
    first, from the three history tables (each read in its recorded-at window)."""
    since = now - timedelta(days=RECENT_DAYS)
    no_text = sa.cast(sa.null(), sa.String(16))
    no_id = sa.cast(sa.null(), sa.Integer)
    events = sa.union_all(
        select(StageEvent.project_id.label("project_id"), StageEvent.recorded_at.label("at"),
               sa.case((StageEvent.from_stage.is_(None), sa.literal("created")),
                       else_=sa.literal("stage")).label("kind"),
               StageEvent.from_stage.label("before"), StageEvent.to_stage.label("after"),
               StageEvent.actor_id.label("by_id"), no_id.label("leader_id"))
        .where(StageEvent.recorded_at >= since),
        select(StatusChange.project_id, StatusChange.recorded_at, sa.literal("status"),
               StatusChange.from_status, StatusChange.to_status, StatusChange.actor_id, no_id)
        .where(StatusChange.recorded_at >= since),
        select(LeaderAssignment.project_id, LeaderAssignment.started_at, sa.literal("leader"),
               no_text, no_text, LeaderAssignment.assigned_by_id, LeaderAssignment.leader_id)
        .where(LeaderAssignment.started_at >= since),
    ).cte("change")
    # Read the few recent history rows first: planned as a join, SQLite walked every
    # project to probe each history table (926 ms at 100,000 projects).
    for dialect in MATERIALIZING_DIALECTS:
        events = events.prefix_with("MATERIALIZED", dialect=dialect)
    query = (
        select_rows(actor)
        .add_columns(events.c.kind, events.c.at, events.c.before, events.c.after,
                     ByUser.display_name.label("by_name"),
                     NewLeader.display_name.label("new_leader_name"))
        .join(events, events.c.project_id == Project.id)
        .outerjoin(ByUser, ByUser.id == events.c.by_id)
        .outerjoin(NewLeader, NewLeader.id == events.c.leader_id)
        .where(visible(actor))
        .order_by(events.c.at.desc(), events.c.kind, Project.id.desc())
    )
    rows, total = _rows_and_total(session, query, CARD_LIMIT)
    return Card([Item(row) for row in rows], total,
                projects_href(updated_since=since.replace(microsecond=0),
                              params={"sort": "-updated_at"}))


def my_projects(session: Session, actor: Actor, *, now: datetime) -> Card:
    """我的项目: the leader's live projects, most urgent first: an overdue next step, then
    no follow-up for 30 days, then 14 days, then the longest in their stage."""
    today = local_date(now)
    overdue = Project.next_follow_up_on < today
    stalled = idle_at_least(STALLED_DAYS, now)
    idle = idle_at_least(FOLLOW_UP_DUE_DAYS, now)
    urgency = sa.case((overdue, 1), (stalled, 2), (idle, 3), else_=4)
    rows, total = _card_rows(
        session, actor,
        [visible(actor), Project.leader_id == actor.user_id, Project.status.in_(LIVE_STATUSES)],
        [urgency, sa.case((overdue, Project.next_follow_up_on)).asc(),
         sa.case((idle, idle_since())).asc(), Project.stage_entered_on, Project.id],
        MY_PROJECTS_LIMIT, urgency.label("urgency"))
    items = []
    for row in rows:
        notes = [_overdue_note(row.next_follow_up_on, today), _idle_note(row, today)]
        in_stage = (today - row.stage_entered_on).days
        if in_stage >= STALLED_DAYS:
            notes.append(Note(ngettext("{n} day in this stage", "{n} days in this stage"),
                              {"n": in_stage}))
        items.append(Item(row, [n for n in notes if n]))
    return Card(items, total, projects_href(leader_id=actor.user_id, status=list(LIVE_STATUSES)))


def workbench(session: Session, actor: Actor, now: datetime | None = None) -> Workbench:
    """Everything on 工作台; a leader's own projects come first."""
    now = now or utcnow()
    mine = my_projects(session, actor, now=now) if Role.leader in actor.roles else None
    return Workbench(today=local_date(now), recent_days=RECENT_DAYS, my_projects=mine,
                     due=due_follow_ups(session, actor, now=now),
                     idle=idle_projects(session, actor, now=now),
                     recent=recent_changes(session, actor, now=now))


# --- 包联领导看板 ------------------------------------------------------------------------

def leader_queue(session: Session, actor: Actor) -> Card:
    """待指定包联领导: live projects without a leader, who cannot reach intent without one;
    the longest waiting first."""
    filters = ProjectFilters(needs_leader=True, status=list(LIVE_STATUSES))
    rows, total = _card_rows(session, actor, [visible(actor), *filter_clauses(filters)],
                             [Project.first_reported_at, Project.id], QUEUE_LIMIT)
    return Card([Item(row) for row in rows], total,
                projects_href(filters))


def _board_row(leader_id: int | None, name: str | None, title: str | None,
               counts: dict[str, tuple[int, Decimal]], link: dict[str, Any]) -> BoardRow:
    live = list(LIVE_STATUSES)
    cells = [Cell(counts.get(stage.value, (0, Decimal(0)))[0],
                  projects_href(**link, stage=[stage.value], status=live))
             for stage in STAGE_ORDER]
    total = sum(cell.count for cell in cells)
    investment = sum((amount for _count, amount in counts.values()), Decimal("0.00"))
    return BoardRow(leader_id, name, title, cells, Cell(total, projects_href(**link, status=live)),
                    investment)


def leader_board(session: Session, actor: Actor) -> LeaderBoard:
    """Leaders × stages: counts and Σ total investment of their live projects (one GROUP BY),
    the row of projects still without a leader, the totals, and the queue to assign from."""
    grouped = session.execute(
        select(Project.leader_id, User.display_name, User.title, Project.stage, func.count(),
               func.sum(Project.total_investment))
        .select_from(Project).outerjoin(User, User.id == Project.leader_id)
        .where(visible(actor), Project.status.in_(LIVE_STATUSES))
        .group_by(Project.leader_id, User.display_name, User.title, Project.stage)
    ).all()
    by_leader: dict[int | None, dict[str, tuple[int, Decimal]]] = {}
    names: dict[int, tuple[str, str | None]] = {}
    everything: dict[str, tuple[int, Decimal]] = {}
    for leader_id, name, title, stage, count, amount in grouped:
        amount = amount or Decimal("0.00")
        by_leader.setdefault(leader_id, {})[stage] = (count, amount)
        if leader_id is not None:
            names[leader_id] = (name, title)
        before = everything.get(stage, (0, Decimal("0.00")))
        everything[stage] = (before[0] + count, before[1] + amount)
    options = assignable_leaders(session, actor)
    rows = [_board_row(p.id, p.name, p.title, by_leader.get(p.id, {}), {"leader_id": p.id})
            for p in options]
    # Leaders no longer active (or from elsewhere) who still hold projects here.
    listed = {p.id for p in options}
    rows += [_board_row(leader_id, *names[leader_id], counts, {"leader_id": leader_id})
             for leader_id, counts in sorted(by_leader.items(), key=lambda kv: kv[0] or 0)
             if leader_id is not None and leader_id not in listed]
    queue = leader_queue(session, actor)
    counties = sorted({item.row.county_code for item in queue.items})
    return LeaderBoard(
        stages=STAGE_ORDER, rows=rows,
        unassigned=_board_row(None, None, None, by_leader.get(None, {}),
                              {"needs_leader": "true"}),
        totals=_board_row(None, None, None, everything, {}),
        queue=queue, leaders=options,
        choices=assignable_leaders_by_county(session, actor, counties),
    )
