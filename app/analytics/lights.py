"""Warnings (红黄绿灯): each active project's light from the supervisors' rules, the
count of each light, and the page of projects that need attention."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlmodel import Session

from app.accounts.permissions import Actor, Permission
from app.analytics.models import DEFAULT_RULES, WarningRule
from app.analytics.periods import months_before
from app.analytics.schemas import WarningRulesIn
from app.analytics.sql import RULES_LOCK_KEY, STARTED, greatest, lock_setting, scoped, stage_rank
from app.audit.service import record
from app.clock import local_date
from app.db import utcnow
from app.errors import PermissionDenied, ValidationFailed
from app.i18n import _
from app.projects.idle import idle_at_least, idle_days, idle_since
from app.projects.models import Project
from app.projects.queries import select_rows
from app.projects.schemas import ProjectFilters
from app.projects.stages import STAGE_ORDER, Status


@dataclass(frozen=True)
class Rules:
    """Thresholds by rule key: (yellow, red); days, or months for `groundbreaking`."""

    values: dict[str, tuple[int, int]]

    def get(self, key: str) -> tuple[int, int] | None:
        return self.values.get(key)


def warning_rules(session: Session) -> Rules:
    stored = {row.key: (row.yellow, row.red) for row in session.execute(
        select(WarningRule.key, WarningRule.yellow, WarningRule.red))}
    return Rules(stored or dict(DEFAULT_RULES))


RULE_KEYS = ("idle", "groundbreaking", *(f"stage_{s.value}" for s in STAGE_ORDER[:-1]))


def save_warning_rules(session: Session, actor: Actor, data: WarningRulesIn, *,
                       now: datetime | None = None) -> Rules:
    """A supervisor sets the thresholds; red may not come before yellow. Under the rules'
    lock, so two saves queue instead of both inserting a missing rule."""
    now = now or utcnow()
    if not actor.can(Permission.targets_manage):
        raise PermissionDenied(_("You may not do this."),
                               action=Permission.targets_manage.value)
    for key in data.rules:
        if key not in RULE_KEYS:
            raise ValidationFailed(_("Unknown rule {key}."), field=f"rules.{key}", key=key)
    for key, rule in data.rules.items():
        if rule.red <= rule.yellow:
            raise ValidationFailed(_("Red must come after yellow."), field=f"rules.{key}.red")
    lock_setting(session, RULES_LOCK_KEY)
    before = warning_rules(session).values
    changes: dict[str, list[Any]] = {}
    for key, rule in data.rules.items():
        row = session.get(WarningRule, key)
        if row is None:
            row = WarningRule(key=key, yellow=rule.yellow, red=rule.red)
            session.add(row)
        row.yellow, row.red, row.updated_at, row.updated_by_id = (
            rule.yellow, rule.red, now, actor.user_id)
        if before.get(key) != (rule.yellow, rule.red):
            changes[key] = [list(before.get(key, ())), [rule.yellow, rule.red]]
    record(session, actor, "warning_rules.update", object_type="warning_rule",
           object_id="all", changes=changes, now=now)
    session.flush()
    return warning_rules(session)


LIGHTS = ("red", "yellow", "green")


def light_columns(rules: Rules, now: datetime) -> dict[str, Any]:
    """Per-rule levels (0 none, 1 yellow, 2 red) and the light, as SQL over Project.
    Every rule counts local days, so the lights change only when the date does. Cut-offs
    are computed here once, so the SQL only compares."""
    today = local_date(now)
    levels: dict[str, Any] = {}
    idle = rules.get("idle")
    levels["idle"] = (sa.case((idle_at_least(idle[1], now), 2),
                              (idle_at_least(idle[0], now), 1), else_=0)
                      if idle else sa.literal(0))
    limits = {stage.value: rules.get(f"stage_{stage.value}") for stage in STAGE_ORDER}
    limits = {k: v for k, v in limits.items() if v}
    if limits:
        red_cut = sa.case({k: sa.literal(today - timedelta(days=v[1]), sa.Date)
                           for k, v in limits.items()}, value=Project.stage)
        yellow_cut = sa.case({k: sa.literal(today - timedelta(days=v[0]), sa.Date)
                              for k, v in limits.items()}, value=Project.stage)
        levels["stage"] = sa.case((Project.stage_entered_on < red_cut, 2),
                                  (Project.stage_entered_on < yellow_cut, 1), else_=0)
    else:
        levels["stage"] = sa.literal(0)
    start = rules.get("groundbreaking")
    if start:
        not_started = sa.and_(Project.planned_groundbreaking_on.is_not(None),
                              stage_rank(Project.stage) < STARTED.rank)
        levels["groundbreaking"] = sa.case(
            (sa.and_(not_started,
                     Project.planned_groundbreaking_on < months_before(today, start[1])), 2),
            (sa.and_(not_started,
                     Project.planned_groundbreaking_on < months_before(today, start[0])), 1),
            else_=0)
    else:
        levels["groundbreaking"] = sa.literal(0)
    # The worst rule decides; each rule's level is evaluated once.
    light = sa.case({2: "red", 1: "yellow"}, value=greatest(*levels.values()), else_="green")
    return {**levels, "light": light}


@dataclass(frozen=True)
class ProjectWarning:
    """One project's light and why: each rule's level (0, 1 yellow, 2 red) and its days."""

    row: Any  # the project list's row (app.projects.queries.list_columns)
    light: str  # red, yellow or green
    idle_level: int
    stage_level: int
    groundbreaking_level: int
    idle_days: int
    stage_days: int
    overdue_days: int | None  # days past the planned groundbreaking, if not yet started


@dataclass
class WarningPage:
    items: list[ProjectWarning]
    counts: dict[str, int]  # red, yellow, green over every active project in scope
    total: int  # how many match the asked light (or red + yellow)
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def project_warnings(session: Session, actor: Actor, filters: ProjectFilters,
                     now: datetime | None = None, *, light: str | None = None,
                     page: int = 1, per_page: int = 20, rules: Rules | None = None,
                     counts: dict[str, int] | None = None) -> WarningPage:
    """Active projects in scope with a red or yellow light (or only `light`), red first,
    then the longest without follow-up; plus the count of each light (unless the caller
    has them). Two statements (three without `rules`), whatever the data size."""
    now = now or utcnow()
    rules = rules or warning_rules(session)
    columns = light_columns(rules, now)
    where = [*scoped(actor, filters, now=now), Project.status == Status.active.value]
    lit = (select(Project.id, columns["light"].label("light")).where(*where)
           .subquery("lit"))
    if counts is None:
        counts = {name: 0 for name in LIGHTS}
        counts.update({name: int(n) for name, n in session.execute(
            select(lit.c.light, func.count()).group_by(lit.c.light))})
    wanted = [light] if light in LIGHTS else ["red", "yellow"]
    severity = sa.case((columns["light"] == "red", 0), (columns["light"] == "yellow", 1),
                       else_=2)
    last = idle_since()
    page = max(1, page)
    # Rank the ids on the project table alone, then join the display columns for one page.
    picked = (
        select(Project.id.label("picked_id"), columns["light"].label("light"),
               columns["idle"].label("idle_level"), columns["stage"].label("stage_level"),
               columns["groundbreaking"].label("groundbreaking_level"),
               Project.planned_groundbreaking_on.label("planned_on"),
               severity.label("severity"), last.label("last_at"))
        .where(*where, columns["light"].in_(wanted))
        .order_by(severity, last, Project.id)
        .limit(per_page).offset((page - 1) * per_page)
        .subquery("picked"))
    rows = session.execute(
        select_rows(actor).add_columns(
            picked.c.light, picked.c.idle_level, picked.c.stage_level,
            picked.c.groundbreaking_level, picked.c.planned_on)
        .join(picked, picked.c.picked_id == Project.id)
        .order_by(picked.c.severity, picked.c.last_at, Project.id)
    ).all()
    today = local_date(now)
    items = []
    for row in rows:
        overdue = ((today - row.planned_on).days
                   if row.groundbreaking_level and row.planned_on else None)
        items.append(ProjectWarning(
            row=row, light=row.light, idle_level=int(row.idle_level),
            stage_level=int(row.stage_level),
            groundbreaking_level=int(row.groundbreaking_level),
            idle_days=idle_days(row.last_activity_at, row.first_reported_at, today),
            stage_days=(today - row.stage_entered_on).days, overdue_days=overdue))
    return WarningPage(items=items, counts=counts,
                       total=sum(counts[name] for name in wanted), page=page,
                       per_page=per_page)
