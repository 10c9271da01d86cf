"""Every cockpit figure, exactly, on the hand-built city (tests/analytics/fixture.py), with
"now" frozen at 2026-06-30 10:00 Asia/Shanghai. The working is in the comments."""

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from app.accounts.permissions import Actor
from app.analytics.cockpit import cockpit
from app.analytics.groupings import breakdown
from app.analytics.lights import project_warnings
from app.analytics.periods import Period, months_before
from app.analytics.sql import ratio
from app.projects.queries import list_projects, money_sums_asked
from app.projects.schemas import ProjectFilters
from tests.conftest import FROZEN_NOW, make_actor

D = Decimal


@pytest.fixture
def year(session, city):
    return cockpit(session, Actor.system(), ProjectFilters(), year=2026, now=FROZEN_NOW)


def test_ratio_rounds_half_up_to_four_places():
    assert ratio(2, 3) == D("0.6667")
    assert ratio(1, 8) == D("0.1250")
    assert ratio(D("0.00005"), 1) == D("0.0001")
    assert ratio(1, 0) is None


def test_periods_and_elapsed_share():
    assert (Period(2026, 0).start, Period(2026, 0).end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (Period(2026, 2).start, Period(2026, 2).end) == (date(2026, 4, 1), date(2026, 6, 30))
    # 2026-06-30 is day 181 of 365.
    assert Period(2026, 0).elapsed(date(2026, 6, 30)) == D("0.4959")
    assert Period(2026, 2).elapsed(date(2026, 6, 30)) == D("1.0000")
    assert Period(2026, 3).elapsed(date(2026, 6, 30)) == D("0.0000")
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)


def test_period_kpis(year):
    k = year.kpis
    # Reported in 2026: all but P7 (2025) and P9 (deleted).
    assert k.new_projects == 8
    # First signed in 2026: P1 8000, P2 4000, P3 6000, P6 1200, P8 10000.
    assert (k.signed_projects, k.signed_amount) == (5, D("29200.00"))
    # First broke ground in 2026: P1, P3, P8.
    assert k.groundbreakings == 3
    # 3000.00 + 1500.50 + 2000.00
    assert k.funds_in_place == D("6500.50")


def test_rates(year):
    rates = {r.key: (r.numerator, r.denominator, r.value) for r in year.rates}
    assert rates == {
        "signing": (5, 9, D("0.5556")),  # reached signed / every lead
        "contract": (3, 5, D("0.6000")),  # P1, P3, P8 of the five signed
        # Planned to break ground in 2026: P1, P2, P3, P5, P8; started: P1, P3, P8.
        "start": (3, 5, D("0.6000")),
        "production": (1, 3, D("0.3333")),
        "achieved": (0, 1, D("0.0000")),
        # Funds by 2026-12-31 over the agreed amounts of the five signed projects.
        "funds": (D("6500.50"), D("29200.00"), D("0.2226")),
    }


def test_time_in_stage_median_and_p75(year):
    timing = [(t.stage, t.to_stage, t.moves, t.median_days, t.p75_days) for t in year.timing]
    assert timing == [
        # 4, 10, 14, 15, 16, 19, 22 → median 15; p75 at rank 5.5 → (16 + 19) / 2
        ("contact", "intent", 7, D("15.00"), D("17.50")),
        # 21, 26, 31, 42, 49 → 31; rank 4 → 42 (P6's move back is not a step)
        ("intent", "signed", 5, D("31.00"), D("42.00")),
        # 0 (P8 jumped), 19, 30 → 19; rank 2.5 → 24.5
        ("signed", "contract", 3, D("19.00"), D("24.50")),
        ("contract", "groundbreaking", 3, D("36.00"), D("38.00")),
        ("groundbreaking", "production", 1, D("61.00"), D("61.00")),
        ("production", "achieved", 0, None, None),
    ]


def test_slowest_projects_of_each_stage(year, city):
    slow = {stage: [row.id for row in rows] for stage, rows in year.slowest.items()}
    ids = city.ids
    assert slow == {"contact": [ids["P5"]], "intent": [ids["P6"]], "signed": [ids["P2"]],
                    "contract": [], "groundbreaking": [ids["P8"], ids["P3"]],
                    "production": [ids["P1"]], "achieved": []}


def test_breakdowns(year, session):
    def rows(items):
        return [(r.code, r.projects, r.total_investment, r.signed, r.signed_amount,
                 r.groundbreaking) for r in items]

    assert rows(year.by_county) == [
        ("houma", 2, D("20600.00"), 2, D("16000.00"), 2),
        ("yaodu", 4, D("18500.50"), 3, D("13200.00"), 1),
        ("quwo", 1, D("700.00"), 0, D("0.00"), 0),
    ]
    assert rows(year.by_chain) == [
        ("carbon", 3, D("27000.50"), 3, D("22000.00"), 2),
        ("hydraulics", 1, D("8600.00"), 1, D("6000.00"), 1),
        ("pv", 2, D("3500.00"), 1, D("1200.00"), 0),
        ("herbtea", 1, D("700.00"), 0, D("0.00"), 0),
    ]
    assert rows(year.by_dimension) == [  # region
        ("jjj", 4, D("25500.00"), 3, D("19200.00"), 2),
        ("csj", 2, D("13600.50"), 2, D("10000.00"), 1),
        ("local", 1, D("700.00"), 0, D("0.00"), 0),
    ]
    system = Actor.system()
    period = Period(2026, 0)
    method = rows(breakdown(session, system, ProjectFilters(), "method", period,
                            now=FROZEN_NOW))
    assert method == [("by_chain", 6, D("34800.00"), 4, D("25200.00"), 3),
                      ("via_investor", 1, D("5000.50"), 1, D("4000.00"), 0)]
    leaders = breakdown(session, system, ProjectFilters(), "leader", period, now=FROZEN_NOW)
    assert [(r.name, r.projects, r.signed, r.signed_amount) for r in leaders] == [
        ("李云峰", 4, 4, D("23200.00")), ("崔元斌", 2, 1, D("6000.00")),
        ("--", 1, 0, D("0.00"))]  # P5 has no leader yet (P10 is terminated)
    assert leaders[-1].hrefs["projects"] == (
        "/projects?needs_leader=true&status=active&status=paused")


def test_the_no_leader_row_comes_last_on_every_database(session, city):
    """Pv in 2025: P5 (no leader) and P6 (李云峰) tie on every figure; SQLite sorted the
    NULL key first, PostgreSQL last."""
    leaders = breakdown(session, Actor.system(), ProjectFilters(chain="pv"), "leader",
                        Period(2025, 0), now=FROZEN_NOW)
    assert [(r.name, r.projects, r.signed_amount) for r in leaders] == [
        ("李云峰", 1, D("0.00")), ("--", 1, D("0.00"))]


def test_funds_rate_counts_only_what_was_signed_by_the_period_end(session, city):
    """Q1 2026: funds by 03-31 P1 3000 ÷ agreed of P1 8000 + P2 4000 (signed by 03-31) =
    25.00%, not ÷ every signing of the year (29,200). Its link lists those two."""
    q1 = cockpit(session, Actor.system(), ProjectFilters(), year=2026, quarter=1,
                 now=FROZEN_NOW)
    funds = q1.rates[-1]
    assert (funds.numerator, funds.denominator, funds.value) == (
        D("3000.00"), D("12000.00"), D("0.2500"))
    # Both parts link to one list of those projects, totalling both sums.
    assert funds.numerator_href == funds.denominator_href
    listed = _listed(session, Actor.system(), funds.denominator_href)
    assert {r.id for r in listed.rows} == {city.ids["P1"], city.ids["P2"]}
    assert listed.money_sums == {"agreed": D("12000.00"), "funds": D("3000.00")}
    assert {r.id: (r.sum_agreed, r.sum_funds) for r in listed.rows} == {
        city.ids["P1"]: (D("8000.00"), D("3000.00")), city.ids["P2"]: (D("4000.00"), 0)}


def test_monthly_trend(year):
    assert [(p.month, p.signed, p.groundbreaking) for p in year.trend[:7]] == [
        ("2026-01", 0, 0), ("2026-02", 1, 0), ("2026-03", 1, 0), ("2026-04", 2, 1),
        ("2026-05", 1, 0), ("2026-06", 0, 2), ("2026-07", 0, 0)]
    assert len(year.trend) == 12


def test_targets_progress_and_time_schedule(year, session):
    progress = [(t.metric, t.target, t.actual, t.share, t.elapsed, t.on_pace,
                 t.half_by_mid_year) for t in year.targets]
    elapsed = D("0.4959")
    assert progress == [
        # First reported in 2026: P1-P6, P8, P10 (P7 in 2025, P9 deleted).
        ("new_projects", None, D("8"), None, elapsed, None, None),
        ("signed_projects", D("10.00"), D("5"), D("0.5000"), elapsed, True, True),
        ("signed_amount", D("50000.00"), D("29200.00"), D("0.5840"), elapsed, True, True),
        # First reached contract: P1 03-01, P8 05-01 (jumped), P3 05-10.
        ("contracts", None, D("3"), None, elapsed, None, None),
        ("groundbreakings", D("8.00"), D("3"), D("0.3750"), elapsed, False, False),
        # Planned to start in 2026: P1, P2, P3, P5, P8; started P1, P3, P8: 60%.
        ("start_rate", None, D("60.0000"), None, elapsed, None, None),
        ("production", None, D("1"), None, elapsed, None, None),
        ("achieved", None, D("0"), None, elapsed, None, None),
        ("funds_in_place", D("20000.00"), D("6500.50"), D("0.3250"), elapsed, False, False),
    ]
    q2 = cockpit(session, Actor.system(), ProjectFilters(), year=2026, quarter=2,
                 now=FROZEN_NOW)
    assert [t.quarter for t in q2.targets] == [0] * 9 + [2] * 9
    quarter = [(t.metric, t.target, t.actual, t.share, t.elapsed, t.on_pace)
               for t in q2.targets[9:]]
    assert quarter == [
        ("new_projects", None, D("2"), None, D("1.0000"), None),  # P8, P10
        ("signed_projects", D("4.00"), D("3"), D("0.7500"), D("1.0000"), False),
        ("signed_amount", None, D("17200.00"), None, D("1.0000"), None),
        ("contracts", None, D("2"), None, D("1.0000"), None),  # P8, P3
        ("groundbreakings", None, D("3"), None, D("1.0000"), None),
        # Planned in Q2: P1 04-01, P3 06-01, P2 06-10; P2 not started: 2 of 3.
        ("start_rate", None, D("66.6700"), None, D("1.0000"), None),
        ("production", None, D("1"), None, D("1.0000"), None),
        ("achieved", None, D("0"), None, D("1.0000"), None),
        ("funds_in_place", None, D("3500.50"), None, D("1.0000"), None),
    ]
    counties = {c.code: {t.metric: (t.target, t.actual, t.share) for t in c.progress}
                for c in year.county_targets}
    assert counties["yaodu"] == {
        "new_projects": (None, D("5"), None),  # P1, P2, P5, P6, P10
        "signed_projects": (D("4.00"), D("3"), D("0.7500")),
        "signed_amount": (D("30000.00"), D("13200.00"), D("0.4400")),
        "contracts": (None, D("1"), None),
        "groundbreakings": (None, D("1"), None),
        "start_rate": (None, D("33.3300"), None),  # planned P1, P2, P5; started P1
        "production": (None, D("1"), None),
        "achieved": (None, D("0"), None),
        "funds_in_place": (None, D("4500.50"), None)}
    assert counties["houma"]["groundbreakings"] == (D("2.00"), D("2"), D("1.0000"))
    assert counties["houma"]["funds_in_place"] == (None, D("2000.00"), None)
    assert counties["houma"]["start_rate"] == (None, D("100.0000"), None)  # P3, P8
    assert counties["houma"]["new_projects"] == (None, D("3"), None)  # P3, P4, P8
    assert list(counties) == ["yaodu", "houma", "quwo"]


@pytest.mark.parametrize("quarter", [0, 2])
def test_every_target_actual_is_the_cockpit_figure(session, city, quarter):
    """The city's targets compare the key figures and rates the cockpit shows; a county's,
    the by-county figures of the same cockpit."""
    c = cockpit(session, Actor.system(), ProjectFilters(), year=2026, quarter=quarter,
                now=FROZEN_NOW)
    shown = {t.metric: t.actual for t in c.kpi_targets}
    rates = {rate.key: rate.value for rate in c.rates}
    assert shown == {
        "new_projects": c.kpis.new_projects, "signed_projects": c.kpis.signed_projects,
        "signed_amount": c.kpis.signed_amount, "contracts": c.kpis.contracts,
        "groundbreakings": c.kpis.groundbreakings, "start_rate": rates["start"] * 100,
        "production": c.kpis.production, "achieved": c.kpis.achieved,
        "funds_in_place": c.kpis.funds_in_place}
    # The rate's dividend and divisor are the 开工率 card's.
    start = next(rate for rate in c.rates if rate.key == "start")
    assert (c.kpis.planned_started, c.kpis.planned_starts) == (start.numerator,
                                                               start.denominator)
    if quarter:
        return
    for county in c.county_targets:
        row = next(r for r in c.by_county if r.code == county.code)
        actual = {t.metric: t.actual for t in county.progress}
        assert (actual["signed_projects"], actual["signed_amount"],
                actual["groundbreakings"]) == (row.signed, row.signed_amount,
                                                row.groundbreaking), county.code


def test_warnings_under_frozen_time(session, city):
    page = project_warnings(session, Actor.system(), ProjectFilters(), FROZEN_NOW)
    assert page.counts == {"red": 3, "yellow": 1, "green": 2}
    ids = {v: k for k, v in city.ids.items()}
    got = [(ids[w.row.id], w.light, w.idle_level, w.stage_level, w.groundbreaking_level,
            w.idle_days, w.stage_days, w.overdue_days) for w in page.items]
    assert got == [
        # Never followed up since 03-01 (121 days), 121 days in contact (> 90), planned
        # groundbreaking 03-15 more than three months ago.
        ("P5", "red", 2, 2, 2, 121, 121, 107),
        ("P8", "red", 2, 0, 0, 90, 20, None),  # no follow-up since reported 04-01
        ("P3", "red", 2, 0, 0, 41, 15, None),  # last follow-up 05-20
        # 25 days idle, 107 days signed (> 60), planned 06-10 passed this month.
        ("P2", "yellow", 1, 1, 1, 25, 107, 20),
    ]
    assert [w.row.id for w in project_warnings(session, Actor.system(), ProjectFilters(),
                                               FROZEN_NOW, light="yellow").items] == [
        city.ids["P2"]]
    # A day earlier P3 was idle 40 days and P2 24: the same lights.
    # Three months after 06-10 without a start, P2 turns red on that rule.
    later = FROZEN_NOW.replace(month=9, day=11)
    p2 = project_warnings(session, Actor.system(), ProjectFilters(county="yaodu"), later,
                          light="red")
    assert city.ids["P2"] in [w.row.id for w in p2.items]


def test_league_table(year):
    league = [(r.name, r.projects, r.signed, r.signed_amount, r.conversions, r.red, r.yellow)
              for r in year.league]
    assert league == [("李云峰", 4, 4, D("23200.00"), 4, 1, 1),
                      ("崔元斌", 2, 1, D("6000.00"), 3, 1, 0)]


def test_cohort_mode_counts_the_projects_first_reported_in_the_period(session, city):
    q1 = cockpit(session, Actor.system(), ProjectFilters(), year=2026, quarter=1,
                 mode="cohort", now=FROZEN_NOW)
    assert [r.reached for r in q1.funnel] == [6, 5, 4, 2, 2, 1, 0]
    assert q1.cohort_timing == {
        "intent": (5, D("15.00"), D("19.00")),  # 10, 14, 15, 19, 22
        "signed": (4, D("52.50"), D("65.00")),  # 36, 41, 64, 68
        "contract": (2, D("76.50"), D("87.25")),  # 55, 98
        "groundbreaking": (2, D("110.00"), D("122.00")),  # 86, 134
        "production": (1, D("147.00"), D("147.00")),
    }
    assert q1.funnel_links["signed"].reached == (
        "/projects?reported_from=2026-01-01&reported_to=2026-03-31&reached=signed")


def test_a_county_user_sees_only_their_county_in_every_figure(session, city):
    houma = make_actor(session, "houma.viewer", "赵磊", ["leader"], county_code="houma")
    c = cockpit(session, houma, ProjectFilters(county="yaodu"), year=2026, now=FROZEN_NOW)
    assert c.filters.county == "houma"
    assert [r.reached for r in c.funnel] == [3, 3, 2, 2, 2, 0, 0]
    assert (c.kpis.signed_projects, c.kpis.signed_amount, c.kpis.groundbreakings,
            c.kpis.funds_in_place) == (2, D("16000.00"), 2, D("2000.00"))
    assert [r.code for r in c.by_county] == ["houma"]
    assert {r.code for r in c.by_chain} == {"carbon", "hydraulics"}
    assert [(r.name, r.projects, r.conversions, r.red) for r in c.league] == [
        ("李云峰", 1, 1, 1), ("崔元斌", 1, 2, 1)]
    assert c.warnings.counts == {"red": 2, "yellow": 0, "green": 0}
    assert {row.county_code for row in c.top} == {"houma"}
    assert all(row.county_code == "houma" for rows in c.slowest.values() for row in rows)
    assert c.kpi_target["groundbreakings"].target == D("2.00")
    assert c.kpi_target["groundbreakings"].actual == D("2")
    assert c.county_targets == []
    assert sum(p.signed for p in c.trend) == 2


def _figures_and_links(c):
    """(figure, href) for every linked number on the cockpit."""
    pairs = []
    for row in c.funnel:
        links = c.funnel_links[row.stage]
        pairs += [(row.count, links.count), (row.terminated, links.terminated),
                  (row.reached, links.reached)]
    pairs += [(getattr(c.kpis, key), c.kpis.hrefs[key])
              for key in ("new_projects", "signed_projects", "contracts", "groundbreakings",
                          "production", "achieved")]
    pairs.append((c.kpis.planned_started, c.kpis.hrefs["start_rate"]))
    for rate in c.rates:
        if rate.key != "funds":
            pairs += [(rate.numerator, rate.numerator_href),
                      (rate.denominator, rate.denominator_href)]
    for rows in (c.by_county, c.by_chain, c.by_dimension):
        for row in rows:
            pairs += [(row.projects, row.hrefs.get("projects")),
                      (row.signed, row.hrefs.get("signed")),
                      (row.groundbreaking, row.hrefs.get("groundbreaking"))]
    for point in c.trend:
        pairs += [(point.signed, c.trend_links.get(f"{point.month}:signed")),
                  (point.groundbreaking, c.trend_links.get(f"{point.month}:groundbreaking"))]
    for row in c.league:
        pairs += [(row.projects, row.hrefs.get("projects")),
                  (row.signed, row.hrefs.get("signed")),
                  (row.conversions, row.hrefs.get("conversions"))]
    # Every target's actual links to its projects: a count to that many, 开工率 to the
    # started ones (its dividend), each county's as the city's.
    for target in c.targets + [t for county in c.county_targets for t in county.progress]:
        if target.kind == "count":
            pairs.append((int(target.actual), target.href))
    counties = {r.code: r for r in c.by_county}
    for county in c.county_targets:
        rate = next(t for t in county.progress if t.metric == "start_rate")
        # The by-county rows count the same projects when the cockpit is unfiltered.
        if county.code in counties and c.filters == ProjectFilters() and not c.period.quarter:
            pairs.append((counties[county.code].planned_started, rate.href))
    return pairs


def _listed(session, actor, href):
    """The list at a drill-down's address, with the money its `sum=` names."""
    query = parse_qs(urlsplit(href).query)
    money = query.pop("sum", [""])[-1]
    data = {k: (v if k in ("stage", "status") else v[-1]) for k, v in query.items()}
    return list_projects(session, actor, ProjectFilters.model_validate(data),
                         money_sums=money_sums_asked(money), now=FROZEN_NOW)


def _list_count(session, actor, href):
    return _listed(session, actor, href).total


def _money_and_links(c):
    """(money, which money, href) for every linked sum of money on the cockpit."""
    triples = [(c.kpis.signed_amount, "agreed", c.kpis.hrefs["signed_amount"]),
               (c.kpis.funds_in_place, "funds", c.kpis.hrefs["funds_in_place"])]
    funds = c.rates[-1]
    triples += [(funds.numerator, "funds", funds.numerator_href),
                (funds.denominator, "agreed", funds.denominator_href)]
    for rows in (c.by_county, c.by_chain, c.by_dimension, c.league):
        for row in rows:
            triples.append((row.signed_amount, "agreed", row.hrefs.get("signed_amount")))
    for row in (*c.by_county, *c.by_chain, *c.by_dimension):
        triples.append((row.total_investment, "total", row.hrefs.get("projects")))
    # The targets' money: the signed amount and funds in place of the city and each county.
    for target in c.targets + [t for county in c.county_targets for t in county.progress]:
        if target.kind == "money":
            which = "agreed" if target.metric == "signed_amount" else "funds"
            triples.append((target.actual, which, target.href))
    return triples


@pytest.mark.parametrize("quarter,filters", [(0, {}), (1, {}), (2, {"county": "houma"})])
def test_every_sum_of_money_links_to_a_list_totalling_the_same_money(session, city, quarter,
                                                                       filters):
    c = cockpit(session, Actor.system(), ProjectFilters.model_validate(filters), year=2026,
                quarter=quarter, dimension="leader", now=FROZEN_NOW)
    triples = _money_and_links(c)
    assert sum(1 for amount, _name, href in triples if amount and href) > 10
    for amount, name, href in triples:
        if not amount:
            continue
        assert href is not None, (amount, name)
        listed = _listed(session, Actor.system(), href)
        shown = listed.total_investment if name == "total" else listed.money_sums[name]
        assert shown == amount, href


@pytest.mark.parametrize("mode,quarter,filters", [
    ("now", 0, {}), ("now", 2, {"chain": "carbon"}), ("cohort", 1, {}),
    ("now", 0, {"status": ["active"]}), ("now", 0, {"county": "houma"}),
])
def test_every_number_links_to_a_list_of_exactly_that_many_projects(
        session, city, mode, quarter, filters):
    c = cockpit(session, Actor.system(), ProjectFilters.model_validate(filters), year=2026,
                quarter=quarter, mode=mode, dimension="leader", now=FROZEN_NOW)
    pairs = _figures_and_links(c)
    assert len(pairs) > 60
    for figure, href in pairs:
        if figure == 0:
            assert href is None
            continue
        assert href is not None and href.startswith("/projects")
        assert _list_count(session, Actor.system(), href) == figure, href
    for light, href in c.warning_links.items():
        query = parse_qs(urlsplit(href).query)
        data = {k: (v if k in ("stage", "status") else v[-1]) for k, v in query.items()
                if k != "light"}
        page = project_warnings(session, Actor.system(), ProjectFilters.model_validate(data),
                                FROZEN_NOW, light=query["light"][0])
        assert page.total == c.warnings.counts[light]


def test_county_user_links_count_only_their_county(session, city):
    houma = make_actor(session, "houma.viewer2", "赵磊", ["staff"], county_code="houma")
    c = cockpit(session, houma, ProjectFilters(), year=2026, now=FROZEN_NOW)
    for figure, href in _figures_and_links(c):
        if figure:
            assert _list_count(session, houma, href) == figure, href
