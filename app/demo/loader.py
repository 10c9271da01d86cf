"""Replays the demo plan through the services, so the data obeys every rule they check.

Each project is created at its first-report moment and then taken through its steps in
order, each call with its own `now`; nothing is written around the services. The caller's
unit of work commits (services only flush).

What made a first run slow was not the rules: argon2 hashed the one demo password for
every user (a fifth of a second each), the audit trail read its head and flushed once a
row, each follow-up was flushed on its own, and the services looked lookup rows and users
up by key again and again (the session's identity map keeps a row only while something
refers to it). bench/demo_load.py measures it.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.permissions import Actor
from app.accounts.service import create_user, hash_password
from app.activities.schemas import ActivityCreate
from app.activities.service import FollowUp, add_activities
from app.analytics.funds import add_funds_entry
from app.analytics.schemas import FundsEntryIn
from app.audit.service import chained_at_end
from app.clock import local_date
from app.config import get_settings
from app.db import utcnow
from app.demo import data
from app.demo.plan import SEED, DemoPlan, Lookups, ProjectPlan, build_plan
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone
from app.projects.schemas import (
    InvestorIn,
    LeaderAssignIn,
    MoveBackIn,
    PauseIn,
    ProjectCreate,
    ResumeIn,
    TeamMemberIn,
    TerminateIn,
    TransitionIn,
)
from app.projects.service import (
    add_team_member,
    advance_stage,
    assign_leader,
    create_project,
    move_back,
    pause_project,
    resume_project,
    terminate_project,
)

# Who the audit trail names for the users the demo creates.
LOADER_NAME = "demo-loader"
# A follow-up is written up a little after it happened.
RECORDING_DELAY = timedelta(minutes=30)
LOOKUP_TABLES = (Category, Chain, ChainLink, County, Method, Region, Zone)


@dataclass
class DemoSummary:
    projects: int
    users: int
    demo_username: str
    demo_password: str
    created: bool


def read_lookups(session: Session) -> Lookups:
    """Active lookup rows in display order (the plan follows this order, so it is stable)."""

    def rows(table: Any) -> list[Any]:
        return list(session.scalars(select(table).where(table.is_active)
                                    .order_by(table.sort_order, table.code)))

    chains = rows(Chain)
    links: dict[str, list[str]] = {}
    for link in rows(ChainLink):
        links.setdefault(link.chain_code, []).append(link.code)
    counties = rows(County)
    zones: dict[str, list[tuple[str, str]]] = {}
    for zone in rows(Zone):
        zones.setdefault(zone.county_code, []).append((zone.code, zone.name))
    return Lookups(
        chains=tuple(c.code for c in chains),
        chain_names={c.code: c.name for c in chains},
        links={k: tuple(v) for k, v in links.items()},
        regions=tuple(r.code for r in rows(Region)),
        methods=tuple(m.code for m in rows(Method)),
        categories=tuple(c.code for c in rows(Category)),
        counties=tuple(c.code for c in counties),
        county_names={c.code: c.name for c in counties},
        zones={k: tuple(v) for k, v in zones.items()},
    )


def make_plan(session: Session) -> DemoPlan:
    """The plan for today, from the fixed seed."""
    today = local_date(utcnow())
    return build_plan(random.Random(SEED), read_lookups(session), today, get_settings().tz)


def load_demo(session: Session,
              progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Loads the demo data set once; if the demo user exists already, changes nothing.
    `progress(done, total)` is called before the first project and after each one."""
    existing = session.scalar(select(User.id).where(User.username == data.DEMO_USERNAME))
    if existing is not None:
        return DemoSummary(projects=0, users=0, demo_username=data.DEMO_USERNAME,
                           demo_password=data.DEMO_PASSWORD, created=False)
    plan = make_plan(session)
    prefix = get_settings().project_code_prefix
    project_ids: dict[int, int] = {}
    with chained_at_end(session):
        actors = create_users(session, plan)
        # Held for the whole load, so the services' lookups by key come from the session.
        pinned = [*(row for table in LOOKUP_TABLES for row in session.scalars(select(table))),
                  *session.scalars(select(User))]
        if progress is not None:
            progress(0, len(plan.projects))
        for done, project in enumerate(plan.projects, start=1):
            project_ids[project.key] = run_project(session, project, actors, project_ids,
                                                   prefix)
            if progress is not None:
                progress(done, len(plan.projects))
    del pinned
    return DemoSummary(projects=len(plan.projects), users=len(plan.users),
                       demo_username=data.DEMO_USERNAME, demo_password=data.DEMO_PASSWORD,
                       created=True)


def create_users(session: Session, plan: DemoPlan) -> dict[str, Actor]:
    """The demo's users, all with the demo password, which they need not change (it is
    printed in the README), hashed once for all of them. An administrator created before
    the demo is kept as it is; any other clash of usernames refuses the whole load."""
    loader = Actor.system(LOADER_NAME)
    password_hash = hash_password(data.DEMO_PASSWORD)
    actors: dict[str, Actor] = {}
    for spec in plan.users:
        user = session.scalar(select(User).where(User.username == spec.username))
        if user is None or spec.username != data.ADMIN_USERNAME:
            user = create_user(session, username=spec.username, display_name=spec.display_name,
                               password=data.DEMO_PASSWORD, password_hash=password_hash,
                               roles=spec.roles, county_code=spec.county, title=spec.title,
                               phone=spec.phone, actor=loader, must_change_password=False)
        actors[spec.username] = Actor.of(user, set(spec.roles))
    return actors


def run_project(session: Session, plan: ProjectPlan, actors: dict[str, Actor],
                project_ids: dict[int, int], prefix: str) -> int:
    def user_id(username: str) -> int:
        value = actors[username].user_id
        assert value is not None
        return value

    fields = dict(plan.fields)
    data_in = ProjectCreate.model_validate({
        **fields,
        "investor": InvestorIn.model_validate(plan.investor),
        "leader_id": user_id(plan.leader_at_create) if plan.leader_at_create else None,
        "same_investor_as": project_ids[plan.same_investor_as]
        if plan.same_investor_as is not None else None,
    })
    project = create_project(session, data_in, actor=actors[plan.actor], now=plan.created_at,
                             prefix=prefix)
    assert project.id is not None
    pid = project.id
    # Follow-ups in a row are written together before the next step: each is checked
    # against the project as it was then and audited in its place.
    follow_ups: list[FollowUp] = []
    for step in plan.steps:
        actor = actors[step.actor]
        now = step.at
        payload = step.data
        if step.action == "activity":
            follow_ups.append(FollowUp(ActivityCreate(
                kind=payload["kind"], happened_at=step.at, summary=payload["summary"],
                next_step=payload["next_step"], next_due_on=payload["next_due_on"],
                participant_ids=[user_id(u) for u in payload["participants"]],
                other_participants=payload["other_participants"],
            ), actor, now + RECORDING_DELAY))
            continue
        add_activities(session, pid, follow_ups)
        follow_ups.clear()
        if step.action == "advance":
            advance_stage(session, pid, TransitionIn.model_validate(payload),
                          expected_version=None, actor=actor, now=now)
        elif step.action == "back":
            move_back(session, pid, MoveBackIn.model_validate(payload), expected_version=None,
                      actor=actor, now=now)
        elif step.action == "assign":
            assign_leader(session, pid, LeaderAssignIn(leader_id=user_id(payload["leader"]),
                                                       reason=payload["reason"]),
                          expected_version=None, actor=actor, now=now)
        elif step.action == "team":
            add_team_member(session, pid, TeamMemberIn(user_id=user_id(payload["user"]),
                                                       role=payload["role"]),
                            actor=actor, now=now)
        elif step.action == "pause":
            pause_project(session, pid, PauseIn.model_validate(payload), expected_version=None,
                          actor=actor, now=now)
        elif step.action == "resume":
            resume_project(session, pid, ResumeIn.model_validate(payload),
                           expected_version=None, actor=actor, now=now)
        elif step.action == "terminate":
            terminate_project(session, pid, TerminateIn.model_validate(payload),
                              expected_version=None, actor=actor, now=now)
        elif step.action == "funds":
            add_funds_entry(session, actor, pid, FundsEntryIn.model_validate(payload), now=now)
        else:  # pragma: no cover - the plan only makes the steps above
            raise ValueError(f"unknown demo step {step.action}")
    add_activities(session, pid, follow_ups)
    return pid
