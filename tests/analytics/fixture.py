"""A small, hand-built city whose every cockpit figure is worked out by hand in the tests.

Frozen "now": 2026-06-30 10:00 Asia/Shanghai (tests.conftest.FROZEN_NOW). Each move is
made through the project services with `now` on the day it happened, 10:00 local time.

| id  | county | chain      | total    | leader | history (2026 unless said)                 |
|-----|--------|------------|----------|--------|--------------------------------------------|
| P1  | yaodu  | carbon     | 10000.00 | L1     | 01-05 contact, 01-20 intent, 02-10 signed  |
|     |        |            |          |        | 8000, 03-01 contract 7000, 04-01 started,  |
|     |        |            |          |        | 06-01 production                           |
| P2  | yaodu  | carbon     | 5000.50  | L1     | 01-10, 02-01 intent, 03-15 signed 4000     |
| P3  | houma  | hydraulics | 8600.00  | L2     | 02-01, 02-20 intent, 04-10 signed 6000,    |
|     |        |            |          |        | 05-10 contract 6000, 06-15 started         |
| P4  | houma  | hydraulics | 3200.25  | L2     | 02-15, 03-01 intent, 04-01 terminated      |
| P5  | yaodu  | pv         | 2000.00  | --     | 03-01 contact                              |
| P6  | yaodu  | pv         | 1500.00  | L1     | 03-10, 03-20 intent, 04-20 signed 1200,    |
|     |        |            |          |        | 05-10 moved back to intent                 |
| P7  | quwo   | herbtea    | 700.00   | L2     | 2025-12-20, 01-05 intent, 02-01 paused     |
| P8  | houma  | carbon     | 12000.00 | L1     | 04-01, 04-05 intent, 05-01 jump to contract|
|     |        |            |          |        | (signed 10000, contract 9500), 06-10 start |
| P9  | yaodu  | carbon     | 900.00   | --     | 05-01 contact, 05-02 deleted               |
| P10 | yaodu  | herbtea    | 400.00   | --     | 06-01 contact, 06-10 terminated            |

Funds in place: P1 3000.00 (03-15) and 1500.50 (06-20); P3 2000.00 (05-20).
Targets 2026: city yearly 10 signed / 50000.00 signed amount / 8 groundbreakings /
20000.00 funds, city Q2 4 signed; Yaodu yearly 4 signed / 30000.00; Houma 2 groundbreakings.
Last follow-ups: P1 06-25, P2 06-05, P3 05-20, P6 06-29; the others none.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.accounts.permissions import Actor
from app.activities.schemas import ActivityCreate
from app.activities.service import add_activity
from app.analytics.funds import add_funds_entry
from app.analytics.schemas import FundsEntryIn, TargetIn
from app.analytics.targets import save_target
from app.projects.schemas import InvestorIn, MoveBackIn, PauseIn, TerminateIn, TransitionIn
from app.projects.service import (
    advance_stage,
    create_project,
    move_back,
    pause_project,
    soft_delete_project,
    terminate_project,
)
from tests.conftest import make_actor, project_input

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def d(text: str) -> date:
    return date.fromisoformat(text if len(text) > 5 else f"2026-{text}")


@dataclass
class City:
    staff: Actor
    l1: Actor
    l2: Actor
    ids: dict[str, int]


def build_city(session: Session) -> City:
    staff = make_actor(session, "fx.staff", "王芳", ["staff", "admin", "supervisor"])
    l1 = make_actor(session, "fx.l1", "李云峰", ["leader"], title="市长")
    l2 = make_actor(session, "fx.l2", "崔元斌", ["leader"], title="副市长")
    ids: dict[str, int] = {}

    def new(key: str, reported: str, *, county: str, chain: str, total: str,
            leader: Actor | None, **extra: object) -> int:
        data = project_input(
            name=f"驾驶舱测试{key}", investor=InvestorIn(name=f"驾驶舱测试投资方{key}有限公司"),
            county=county, chain=chain, chain_link=None, total_investment=Decimal(total),
            leader_id=leader.user_id if leader else None, **extra)
        project = create_project(session, data, actor=staff, now=at(d(reported)))
        ids[key] = project.id
        return project.id

    def move(key: str, day: str, to: str, **evidence: object) -> None:
        advance_stage(session, ids[key], TransitionIn(to_stage=to, happened_on=d(day),
                                                      **evidence),
                      expected_version=None, actor=staff, now=at(d(day)))

    new("P1", "01-05", county="yaodu", chain="carbon", total="10000.00", leader=l1,
        key_level="province", planned_groundbreaking_on=d("04-01"))
    move("P1", "01-20", "intent")
    move("P1", "02-10", "signed", agreement_no="A1", agreed_amount=Decimal("8000.00"))
    move("P1", "03-01", "contract", contract_no="C1", contract_on=d("03-01"),
         contract_amount=Decimal("7000.00"))
    move("P1", "04-01", "groundbreaking", started_on=d("04-01"))
    move("P1", "06-01", "production", production_on=d("06-01"))

    new("P2", "01-10", county="yaodu", chain="carbon", total="5000.50", leader=l1,
        method="via_investor", region="csj", planned_groundbreaking_on=d("06-10"))
    move("P2", "02-01", "intent")
    move("P2", "03-15", "signed", agreement_no="A2", agreed_amount=Decimal("4000.00"))

    new("P3", "02-01", county="houma", chain="hydraulics", total="8600.00", leader=l2,
        region="csj", key_level="city", planned_groundbreaking_on=d("06-01"))
    move("P3", "02-20", "intent")
    move("P3", "04-10", "signed", agreement_no="A3", agreed_amount=Decimal("6000.00"))
    move("P3", "05-10", "contract", contract_no="C3", contract_on=d("05-10"),
         contract_amount=Decimal("6000.00"))
    move("P3", "06-15", "groundbreaking", started_on=d("06-15"))

    new("P4", "02-15", county="houma", chain="hydraulics", total="3200.25", leader=l2)
    move("P4", "03-01", "intent")
    terminate_project(session, ids["P4"], TerminateIn(reason_code="investor_withdrew",
                                                      happened_on=d("04-01")),
                      expected_version=None, actor=staff, now=at(d("04-01")))

    new("P5", "03-01", county="yaodu", chain="pv", total="2000.00", leader=None,
        planned_groundbreaking_on=d("03-15"))

    new("P6", "03-10", county="yaodu", chain="pv", total="1500.00", leader=l1)
    move("P6", "03-20", "intent")
    move("P6", "04-20", "signed", agreement_no="A6", agreed_amount=Decimal("1200.00"))
    move_back(session, ids["P6"], MoveBackIn(to_stage="intent", happened_on=d("05-10"),
                                             reason="协议解除，重新洽谈"),
              expected_version=None, actor=staff, now=at(d("05-10")))

    new("P7", "2025-12-20", county="quwo", chain="herbtea", total="700.00", leader=l2,
        region="local")
    move("P7", "01-05", "intent")
    pause_project(session, ids["P7"], PauseIn(reason="投资方资金紧张", happened_on=d("02-01")),
                  expected_version=None, actor=staff, now=at(d("02-01")))

    new("P8", "04-01", county="houma", chain="carbon", total="12000.00", leader=l1,
        planned_groundbreaking_on=d("03-01"))
    move("P8", "04-05", "intent")
    move("P8", "05-01", "contract", agreement_no="A8", agreed_amount=Decimal("10000.00"),
         contract_no="C8", contract_on=d("05-01"), contract_amount=Decimal("9500.00"))
    move("P8", "06-10", "groundbreaking", started_on=d("06-10"))

    new("P9", "05-01", county="yaodu", chain="carbon", total="900.00", leader=None)
    soft_delete_project(session, ids["P9"], expected_version=None, actor=staff,
                        now=at(d("05-02")))

    new("P10", "06-01", county="yaodu", chain="herbtea", total="400.00", leader=None)
    terminate_project(session, ids["P10"], TerminateIn(reason_code="other", reason="选址不符",
                                                       happened_on=d("06-10")),
                      expected_version=None, actor=staff, now=at(d("06-10")))

    # Last follow-ups (for the warnings): P1 06-25, P2 06-05, P3 05-20, P6 06-29.
    for key, day in (("P1", "06-25"), ("P2", "06-05"), ("P3", "05-20"), ("P6", "06-29")):
        add_activity(session, ids[key], ActivityCreate(kind="call", happened_at=at(d(day)),
                                                       summary="电话跟进"),
                     actor=staff, now=at(d(day), 18))
    # Funds in place: P1 3000.00 on 03-15 and 1500.50 on 06-20, P3 2000.00 on 05-20.
    for key, amount, day in (("P1", "3000.00", "03-15"), ("P1", "1500.50", "06-20"),
                             ("P3", "2000.00", "05-20")):
        add_funds_entry(session, staff, ids[key], FundsEntryIn(amount=Decimal(amount),
                                                               on_date=d(day)),
                        now=at(d(day)))
    # Targets for 2026: the city, Yaodu and Houma (yearly), and the city's Q2.
    for county, quarter, metric, value in (
            (None, 0, "signed_projects", "10"), (None, 0, "signed_amount", "50000.00"),
            (None, 0, "groundbreakings", "8"), (None, 0, "funds_in_place", "20000.00"),
            (None, 2, "signed_projects", "4"), ("yaodu", 0, "signed_projects", "4"),
            ("yaodu", 0, "signed_amount", "30000.00"), ("houma", 0, "groundbreakings", "2")):
        save_target(session, staff, TargetIn(year=2026, quarter=quarter, county=county,
                                             metric=metric, value=Decimal(value)),
                    now=at(d("01-02")))
    session.flush()
    return City(staff=staff, l1=l1, l2=l2, ids=ids)
