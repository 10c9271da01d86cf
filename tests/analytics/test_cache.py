"""A worker reuses a cockpit only while nothing behind it changed (app.analytics.cache)."""

from datetime import timedelta

import sqlalchemy as sa

from app.accounts.permissions import Actor
from app.activities.schemas import ActivityCreate
from app.activities.service import add_activity
from app.analytics.cache import FiguresCache, data_version
from app.analytics.cockpit import cached_cockpit
from app.analytics.models import FIGURE_SOURCES
from app.projects.schemas import ProjectFilters
from app.projects.service import create_project
from tests.conftest import FROZEN_NOW, make_actor, project_input


def cockpit_of(session, actor, cache, now=FROZEN_NOW, **filters):
    return cached_cockpit(session, actor, ProjectFilters(**filters), cache, year=2026, now=now)


def test_every_table_the_figures_read_has_its_version_trigger(session):
    if session.get_bind().dialect.name == "postgresql":
        found = set(session.scalars(sa.text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname = c.relname || '_data_version'")))
    else:
        found = {table for table, count in session.execute(sa.text(
            "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE '%_data_version_%' GROUP BY tbl_name")) if count == 3}
    assert found == set(FIGURE_SOURCES)


def test_a_repeat_costs_one_statement_and_a_change_is_seen_at_once(session, statements, staff,
                                                                   make_project):
    make_project()
    session.commit()  # each request is a unit of work of its own
    cache = FiguresCache()
    city = Actor.system()
    first = cockpit_of(session, city, cache)
    with statements() as counted:
        again = cockpit_of(session, city, cache)
    assert again is first and len(counted) == 1
    assert first.funnel[0].count == 1

    session.commit()
    make_project()  # a change, in the same transaction as the version's bump
    session.commit()
    after = cockpit_of(session, city, cache)
    assert after is not first and after.funnel[0].count == 2


def test_a_follow_up_turns_a_light_at_once(session, staff):
    project = create_project(session, project_input(), actor=staff, now=FROZEN_NOW)
    cache = FiguresCache()
    view_at = FROZEN_NOW + timedelta(days=35)  # 35 days without a follow-up: red
    session.commit()
    before = cockpit_of(session, Actor.system(), cache, now=view_at)
    session.commit()
    version = data_version(session)
    add_activity(session, project.id, ActivityCreate(
        kind="call", happened_at=view_at - timedelta(days=1), summary="电话沟通"),
        actor=staff, now=view_at)
    assert data_version(session) > version
    after = cockpit_of(session, Actor.system(), cache, now=view_at)
    assert before.warnings.counts["red"] == 1
    assert after.warnings.counts["red"] == 0 and after.warnings.counts["green"] == 1


def test_each_scope_and_each_day_has_its_own_figures(session, staff, make_project):
    make_project(county="yaodu")
    cache = FiguresCache()
    houma = make_actor(session, "cache.houma", "赵磊", ["leader"], county_code="houma")
    city = cockpit_of(session, Actor.system(), cache)
    county = cockpit_of(session, houma, cache)
    assert city.funnel[0].count == 1 and county.funnel[0].count == 0
    tomorrow = cockpit_of(session, Actor.system(), cache, now=FROZEN_NOW + timedelta(days=1))
    assert tomorrow is not city and tomorrow.today == city.today + timedelta(days=1)


def test_signing_in_keeps_the_figures_and_renaming_a_leader_does_not(session, leader):
    from app.accounts.models import User

    session.commit()  # each request is a unit of work of its own
    before = data_version(session)
    user = session.get(User, leader.user_id)
    user.failed_login_count, user.last_login_at = 0, FROZEN_NOW
    session.commit()
    assert data_version(session) == before
    user.display_name = "李云峰（市长）"
    session.commit()
    assert data_version(session) > before


def test_an_idle_days_filter_is_reused_within_the_local_day(session, make_project):
    # Idle days count the bureau's calendar days (app.projects.idle): same day, same figures.
    make_project()
    cache = FiguresCache()
    first = cockpit_of(session, Actor.system(), cache, idle_days=10)
    assert cockpit_of(session, Actor.system(), cache, idle_days=10) is first
