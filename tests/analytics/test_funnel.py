"""The funnel, exactly (docs/api.md), on the hand-built city of tests/analytics/fixture.py."""

from datetime import date
from decimal import Decimal

from app.accounts.permissions import Actor
from app.analytics.funnel import funnel
from app.projects.schemas import ProjectFilters
from tests.analytics.fixture import at
from tests.conftest import make_actor

STAGES = ["contact", "intent", "signed", "contract", "groundbreaking", "production",
          "achieved"]


def table(rows):
    return [(r.stage, r.count, r.terminated, r.reached, r.total_investment,
             r.conversion_from_previous) for r in rows]


def D(text):
    return Decimal(text) if text is not None else None


def test_funnel_now_matches_the_hand_computed_figures(session, city):
    rows = funnel(session, Actor.system(), ProjectFilters())
    assert table(rows) == [
        ("contact", 1, 1, 9, D("2000.00"), None),
        ("intent", 2, 1, 7, D("2200.00"), D("0.7778")),
        ("signed", 1, 0, 5, D("5000.50"), D("0.7143")),
        ("contract", 0, 0, 3, D("0.00"), D("0.6000")),
        ("groundbreaking", 2, 0, 3, D("20600.00"), D("1.0000")),
        ("production", 1, 0, 1, D("10000.00"), D("0.3333")),
        ("achieved", 0, 0, 0, D("0.00"), D("0.0000")),
    ]
    assert all(isinstance(r.total_investment, Decimal) for r in rows)
    assert all(isinstance(r.conversion_from_previous, Decimal) for r in rows[1:])


def test_cohort_counts_only_projects_first_reported_in_the_range(session, city):
    rows = funnel(session, Actor.system(), ProjectFilters(), cohort_from=date(2026, 1, 1),
                  cohort_to=date(2026, 3, 31))
    assert table(rows) == [
        ("contact", 1, 0, 6, D("2000.00"), None),
        ("intent", 1, 1, 5, D("1500.00"), D("0.8333")),
        ("signed", 1, 0, 4, D("5000.50"), D("0.8000")),
        ("contract", 0, 0, 2, D("0.00"), D("0.5000")),
        ("groundbreaking", 1, 0, 2, D("8600.00"), D("1.0000")),
        ("production", 1, 0, 1, D("10000.00"), D("0.5000")),
        ("achieved", 0, 0, 0, D("0.00"), D("0.0000")),
    ]


def test_list_filters_apply_to_the_funnel(session, city):
    rows = funnel(session, Actor.system(), ProjectFilters(county="yaodu"))
    assert [(r.count, r.terminated, r.reached) for r in rows] == [
        (1, 1, 5), (1, 0, 3), (1, 0, 3), (0, 0, 1), (0, 0, 1), (1, 0, 1), (0, 0, 0)]
    assert rows[0].conversion_from_previous is None
    assert rows[1].conversion_from_previous == Decimal("0.6000")
    rows = funnel(session, Actor.system(), ProjectFilters(chain="carbon", status=["active"]))
    # P1, P2, P8 (P9 is deleted).
    assert [r.reached for r in rows] == [3, 3, 3, 2, 2, 1, 0]
    assert rows[4].total_investment == Decimal("12000.00")


def test_a_county_user_sees_only_their_county(session, city):
    houma = make_actor(session, "houma.staff", "赵磊", ["staff"], county_code="houma")
    rows = funnel(session, houma, ProjectFilters())
    # P3, P4, P8.
    assert [(r.count, r.terminated, r.reached) for r in rows] == [
        (0, 0, 3), (0, 1, 3), (0, 0, 2), (0, 0, 2), (2, 0, 2), (0, 0, 0), (0, 0, 0)]
    # Asking for another county gives nothing rather than that county.
    assert sum(r.reached for r in funnel(session, houma, ProjectFilters(county="yaodu"))) == 0


def test_cohort_days_are_local_days(session, make_project):
    # 2026-03-31 23:30 in Shanghai is 15:30 UTC; 2026-04-01 00:30 local is still March in UTC.
    from app.projects.service import create_project
    from tests.conftest import project_input

    staff = make_actor(session, "cohort.staff", "王芳", ["staff"])
    for name, moment in (("月末项目", at(date(2026, 3, 31), 23)),
                         ("月初项目", at(date(2026, 4, 1), 0))):
        from app.projects.schemas import InvestorIn
        create_project(session, project_input(name=name, investor=InvestorIn(name=name + "公司")),
                       actor=staff, now=moment)
    march = funnel(session, staff, ProjectFilters(), cohort_from=date(2026, 3, 1),
                   cohort_to=date(2026, 3, 31))
    april = funnel(session, staff, ProjectFilters(), cohort_from=date(2026, 4, 1),
                   cohort_to=date(2026, 4, 30))
    assert march[0].reached == 1 and april[0].reached == 1
