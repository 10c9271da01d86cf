"""The demo data set: the issue's numbers, the rules it must obey, and idempotency.

Loading takes a while, so it happens once per run (conftest.demo_template, which also counts
the password hashes and progress calls); the module reads a copy of it in one transaction
that is rolled back at the end.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.accounts.models import User, UserRole
from app.accounts.permissions import Actor
from app.accounts.service import verify_password
from app.activities.models import Activity, ActivityParticipant
from app.analytics.cockpit import cockpit
from app.audit.models import AuditEvent
from app.audit.service import verify_chain
from app.clock import local_date
from app.config import get_settings
from app.db import create_db_engine, utcnow
from app.demo import DEMO_PASSWORD, DEMO_USERNAME, DemoSummary, load_demo
from app.demo.loader import read_lookups
from app.demo.plan import SEED, build_plan
from app.lookups.models import Category, Chain, County, Method, Region
from app.projects.investors import is_valid_credit_code
from app.projects.models import (
    FundsEntry,
    Investor,
    InvestorContact,
    LeaderAssignment,
    Project,
    StageEvent,
    StatusChange,
    TeamMember,
)
from app.projects.schemas import ProjectFilters
from app.projects.stages import STAGE_ORDER, TerminationReason
from tests.conftest import USES_THE_DEMO, DemoBuild, count, throwaway_database

TABLES = (User, UserRole, Investor, InvestorContact, Project, StageEvent, StatusChange,
          LeaderAssignment, TeamMember, Activity, ActivityParticipant)


@dataclass
class DemoLoad:
    session: Session
    summary: DemoSummary
    password_hashes: int  # argon2 hashes made while loading
    progress: list[tuple[int, int]]


pytestmark = USES_THE_DEMO


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoBuild) -> Iterator[DemoLoad]:
    """A copy of the demo as conftest.demo_template loaded it, read in one transaction that is
    rolled back at the end."""
    with throwaway_database(tmp_path_factory.mktemp("demo-copy"), demo_template.url) as url:
        engine = create_db_engine(url)
        connection = engine.connect()
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint",
                     expire_on_commit=False) as session:
            yield DemoLoad(session, demo_template.summary, demo_template.password_hashes,
                           demo_template.progress)
        transaction.rollback()
        connection.close()
        engine.dispose()


@pytest.fixture(scope="module")
def demo(loaded: DemoLoad) -> tuple[Session, DemoSummary]:
    return loaded.session, loaded.summary


@pytest.fixture
def db(demo: tuple[Session, DemoSummary]) -> Session:
    return demo[0]


def scalars(session: Session, query: sa.Select) -> list:
    return list(session.scalars(query))


def test_summary_names_the_demo_login(demo: tuple[Session, DemoSummary]) -> None:
    session, summary = demo
    assert summary.created
    assert summary.projects == count(session, Project) >= 300
    assert summary.users == count(session, User)
    assert (summary.demo_username, summary.demo_password) == (DEMO_USERNAME, DEMO_PASSWORD)
    user = session.scalar(sa.select(User).where(User.username == DEMO_USERNAME))
    assert user is not None and user.is_active and not user.must_change_password
    assert verify_password(user.password_hash, DEMO_PASSWORD)
    roles = set(session.scalars(sa.select(UserRole.role).where(UserRole.user_id == user.id)))
    assert {"staff", "supervisor"} <= roles
    assert session.scalar(sa.select(User.id).where(User.username == "admin")) is not None


def test_the_demo_password_is_hashed_once_for_all_users(loaded: DemoLoad) -> None:
    # argon2 takes a fifth of a second: once per user made a first run wait half a minute.
    assert loaded.password_hashes == 1
    hashes = set(loaded.session.scalars(sa.select(User.password_hash)))
    assert len(hashes) == 1
    assert verify_password(hashes.pop(), DEMO_PASSWORD)


def test_loading_reports_progress_project_by_project(loaded: DemoLoad) -> None:
    total = loaded.summary.projects
    assert loaded.progress == [(done, total) for done in range(total + 1)]


AUDITED_AS = {"activity": "activity.create", "advance": "project.stage",
              "back": "project.stage", "assign": "project.leader", "team": "project.team",
              "pause": "project.status", "resume": "project.status",
              "terminate": "project.status", "funds": "project.funds"}


def test_the_audit_trail_verifies_and_follows_each_project_step_by_step(db: Session) -> None:
    result = verify_chain(db)
    assert result.ok, result.reason
    assert result.checked == count(db, AuditEvent)
    # A project's history tab reads its rows in chain order: the order the steps happened.
    plan = build_plan(random.Random(SEED), read_lookups(db), local_date(utcnow()),
                      get_settings().tz)
    project_ids = list(db.scalars(sa.select(Project.id).order_by(Project.id)))
    actions: dict[str, list[str]] = {}
    for object_id, action in db.execute(
            sa.select(AuditEvent.object_id, AuditEvent.action)
            .where(AuditEvent.object_type == "project").order_by(AuditEvent.id)):
        actions.setdefault(object_id, []).append(action)
    for project_id, project in zip(project_ids, plan.projects, strict=True):
        assert actions[str(project_id)] == ["project.create", *(
            AUDITED_AS[step.action] for step in project.steps)], project_id


def test_every_stage_chain_region_method_and_category_is_present(db: Session) -> None:
    stages = dict(db.execute(sa.select(Project.stage, sa.func.count())
                             .group_by(Project.stage)).all())
    assert set(stages) == {s.value for s in STAGE_ORDER}
    assert min(stages.values()) >= 10
    # A funnel: the early stages hold more projects than the late ones.
    assert stages["contact"] > stages["signed"] > stages["achieved"]
    for column, table in ((Project.chain_code, Chain), (Project.region_code, Region),
                          (Project.method_code, Method), (Project.category_code, Category)):
        used = set(db.scalars(sa.select(column).distinct()))
        assert used == set(db.scalars(sa.select(table.code))), table.__name__
    counties = dict(db.execute(sa.select(Project.county_code, sa.func.count())
                               .group_by(Project.county_code)).all())
    assert len(counties) >= 6
    assert set(counties) == set(db.scalars(sa.select(County.code)))
    assert sum(sorted(counties.values(), reverse=True)[:8]) > 0.6 * sum(counties.values())
    assert count(db, Project, Project.key_level == "province") > 0
    assert count(db, Project, Project.key_level == "city") > 0


def test_history_spans_two_years_and_nothing_is_in_the_future(db: Session) -> None:
    now = utcnow()
    first, last = db.execute(sa.select(sa.func.min(Project.first_reported_at),
                                       sa.func.max(Project.first_reported_at))).one()
    assert now - first > timedelta(days=700)
    assert last < now
    today = local_date(now)
    assert db.scalar(sa.select(sa.func.max(StageEvent.happened_on))) <= today
    assert db.scalar(sa.select(sa.func.max(Activity.happened_at))) <= now
    assert db.scalar(sa.select(sa.func.max(StatusChange.happened_on))) <= today
    # Per project, stage dates never go backwards in the order the moves were recorded.
    events = db.execute(sa.select(StageEvent.project_id, StageEvent.happened_on)
                        .order_by(StageEvent.project_id, StageEvent.recorded_at,
                                  StageEvent.id)).all()
    previous: dict[int, object] = {}
    for project_id, day in events:
        assert day >= previous.get(project_id, day)
        previous[project_id] = day
    assert count(db, StageEvent, StageEvent.is_backward) > 0
    # Projects that passed signing carry the agreement, contracts the contract.
    for stage, column in (("signed", StageEvent.agreement_no),
                          ("contract", StageEvent.contract_no),
                          ("groundbreaking", StageEvent.started_on),
                          ("production", StageEvent.production_on),
                          ("achieved", StageEvent.achieved_on)):
        assert count(db, StageEvent, StageEvent.to_stage == stage,
                     StageEvent.is_backward.is_(False), column.is_(None)) == 0
    numbers = scalars(db, sa.select(StageEvent.agreement_no)
                      .where(StageEvent.agreement_no.is_not(None)))
    assert all(n.startswith("LFXY-20") for n in numbers) and len(set(numbers)) == len(numbers)


def test_signed_projects_have_funds_in_place_and_the_rate_is_not_zero(db: Session) -> None:
    """资金到位: entries after the signing, never in the future, never more than agreed, more
    the further a project got; so the cockpit's 资金到位率 is a real figure."""
    per_project = db.execute(
        sa.select(FundsEntry.project_id, sa.func.sum(FundsEntry.amount),
                  sa.func.min(FundsEntry.on_date), sa.func.max(FundsEntry.on_date),
                  Project.agreed_amount, Project.stage, Project.reached_signed_on)
        .join(Project, Project.id == FundsEntry.project_id)
        .group_by(FundsEntry.project_id, Project.agreed_amount, Project.stage,
                  Project.reached_signed_on)).all()
    signed = count(db, Project, Project.reached_signed_on.is_not(None))
    assert len(per_project) > signed // 2
    today = local_date()
    for _id, total, first, last, agreed, stage, signed_on in per_project:
        assert stage not in ("contact", "intent")
        assert 0 < total <= agreed
        assert signed_on < first and last < today
    rate = cockpit(db, Actor.system(), ProjectFilters(), year=today.year).rates[-1]
    assert rate.key == "funds" and rate.value is not None and rate.value > 0


def test_leaders_one_per_project_with_reassignments(db: Session) -> None:
    leaders = count(db, UserRole, UserRole.role == "leader")
    assert leaders >= 12
    assert count(db, User, User.county_code.is_not(None)) >= 6
    assert count(db, Project, Project.stage != "contact", Project.leader_id.is_(None)) == 0
    reassigned = count(db, LeaderAssignment, LeaderAssignment.reason.is_not(None))
    assert reassigned >= 20
    assert count(db, LeaderAssignment, LeaderAssignment.ended_at.is_(None)) == \
        count(db, Project, Project.leader_id.is_not(None))
    staff_counties = set(db.scalars(
        sa.select(User.county_code).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "staff", User.county_code.is_not(None))))
    assert len(staff_counties) >= 6
    teams = db.scalar(sa.select(sa.func.count(sa.distinct(TeamMember.project_id))))
    assert teams > 0.6 * count(db, Project, Project.stage != "contact")


def test_paused_and_terminated_projects_with_every_reason(db: Session) -> None:
    assert count(db, Project, Project.status == "paused") >= 5
    assert count(db, StatusChange, StatusChange.from_status == "paused",
                 StatusChange.to_status == "active") >= 5
    assert count(db, Project, Project.status == "terminated") >= 15
    reasons = set(db.scalars(sa.select(Project.termination_reason).distinct()
                             .where(Project.termination_reason.is_not(None))))
    assert reasons == {r.value for r in TerminationReason}
    assert count(db, Project, Project.termination_reason == "lost_to_other_city",
                 Project.lost_to_city.is_(None)) == 0


def test_follow_ups_with_stalled_and_due_projects(db: Session) -> None:
    total = count(db, Activity)
    assert 2000 <= total <= 3500
    per_project = (sa.select(sa.func.count().label("n")).select_from(Activity)
                   .group_by(Activity.project_id).subquery())
    fewest, most = db.execute(sa.select(sa.func.min(per_project.c.n),
                                        sa.func.max(per_project.c.n))).one()
    assert fewest >= 4 and most <= 14
    kinds = set(db.scalars(sa.select(Activity.kind).distinct()))
    assert kinds == {"visit_out", "visit_in", "call", "meeting", "signing_ceremony", "other"}
    assert count(db, ActivityParticipant) > total
    now = utcnow()
    today = local_date(now)
    live = Project.status != "terminated"
    assert count(db, Project, live, Project.last_activity_at < now - timedelta(days=30)) >= 10
    assert count(db, Project, live, Project.last_activity_at < now - timedelta(days=14)) >= 20
    assert count(db, Project, live, Project.last_activity_at > now - timedelta(days=7)) >= 100
    assert count(db, Project, live, Project.next_follow_up_on < today) >= 10
    assert count(db, Project, live, Project.next_follow_up_on == today) >= 3
    assert count(db, Project, live, Project.next_follow_up_on > today,
                 Project.next_follow_up_on <= today + timedelta(days=6)) >= 10


def test_investors_are_realistic_and_some_invest_twice(db: Session) -> None:
    investors = count(db, Investor)
    codes = scalars(db, sa.select(Investor.credit_code).where(Investor.credit_code.is_not(None)))
    assert all(is_valid_credit_code(c) and c.startswith("91") for c in codes)
    assert 0.6 <= len(codes) / investors <= 0.8
    names = scalars(db, sa.select(Investor.normalized_name))
    assert len(set(names)) == len(names)
    assert count(db, InvestorContact) >= investors
    related = db.execute(sa.select(Project.investor_id, Project.related_project_id)
                         .where(Project.related_project_id.is_not(None))).all()
    assert len(related) >= 8
    for investor_id, base_id in related:
        assert db.get(Project, base_id).investor_id == investor_id


def test_a_second_load_changes_nothing(db: Session) -> None:
    before = [count(db, table) for table in TABLES]
    summary = load_demo(db)
    assert not summary.created
    assert (summary.projects, summary.users) == (0, 0)
    assert summary.demo_username == DEMO_USERNAME
    assert [count(db, table) for table in TABLES] == before


def test_the_plan_is_the_same_every_time(db: Session) -> None:
    lookups = read_lookups(db)
    today = local_date(utcnow())
    tz = get_settings().tz
    first = build_plan(random.Random(SEED), lookups, today, tz)
    second = build_plan(random.Random(SEED), lookups, today, tz)
    assert first == second
    assert len(first.projects) == count(db, Project)
    other = build_plan(random.Random(SEED + 1), lookups, today, tz)
    assert [p.fields["name"] for p in other.projects] != \
        [p.fields["name"] for p in first.projects]


def test_the_demo_supervisors_set_targets_and_its_administrator_does_not():
    """三权分立 in the demo: `demo` and du.juan (督查) may open the targets; `admin` may not."""
    from app.accounts.permissions import MATRIX, Permission
    from app.demo.data import ADMIN_USERNAME, SYSTEM_USERS

    may = {username for username, _name, roles, _county, _title in SYSTEM_USERS
           if any(role in MATRIX[Permission.targets_manage] for role in roles)}
    assert {DEMO_USERNAME, "du.juan"} <= may
    assert ADMIN_USERNAME not in may
