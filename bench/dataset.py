"""The province-scale data set the benchmarks share: built from a fixed seed with bulk inserts
(Core executemany in chunks; COPY on PostgreSQL; not the services), into a database migrated
with Alembic.

N projects over 17 counties, 20 chains, 50 leaders and 8 regions; a funnel-shaped stage mix
(most early, few at the end) with ~2.5 stage events each; dates over three years; pauses and
terminations; funds in place after signing; ~2 % confidential projects (code names, a task
force); follow-ups spread over the projects' lives; and several users of every role, at city
and county level. Every user's password is PASSWORD.

    build(url, projects=100_000, followups=1_000_000, today=...) -> Dataset
"""

import itertools
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from pypinyin import Style, lazy_pinyin
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.db import create_db_engine

PASSWORD = "Bench-pass-2026"
SEED = 20261123
SHANGHAI = ZoneInfo("Asia/Shanghai")
STAGES = ["contact", "intent", "signed", "contract", "groundbreaking", "production",
          "achieved"]
# Where projects stand: most are early, a few reach the end (~2.5 stage events each).
STAGE_WEIGHTS = [35, 25, 15, 10, 8, 5, 2]
# The 18 chains the migrations seed, and two more the data set adds: 20 in all.
SEEDED_CHAINS = ["wind", "pv", "hydrogen", "carbon", "equipment", "herbtea", "food",
                 "hydraulics", "prefab", "chemical", "electric", "precision", "biomed", "home",
                 "digital", "logistics", "ecommerce", "tourism"]
EXTRA_CHAINS = [("nev", "新能源汽车", "New-energy vehicles"),
                ("semiconductor", "半导体", "Semiconductors")]
CHAINS = SEEDED_CHAINS + [code for code, _name, _en in EXTRA_CHAINS]
COUNTIES = ["yaodu", "houma", "huozhou", "quwo", "yicheng", "xiangfen", "hongtong", "guxian",
            "anze", "fushan", "jixian", "xiangning", "daning", "xixian", "yonghe", "puxian",
            "fenxi"]
REGIONS = ["jjj", "csj", "gba", "cy", "gzpy", "local", "hmt", "overseas"]
METHODS = ["via_investor", "by_chain", "by_zone", "personal_ties", "by_county", "small_team",
           "fair", "office"]
CATEGORIES = ["industrial", "infrastructure", "livelihood", "tech_upgrade"]
KINDS = ["visit_out", "visit_in", "call", "meeting", "other"]
LEADERS = 50
# Per role besides leaders: this many at city level and this many in counties.
CITY_USERS, COUNTY_USERS = 3, 3
CHUNK = 20_000

# Names are drawn from these, so a keyword matches a realistic share of the rows.
PRODUCTS = ["风电齿轮箱", "光伏组件", "氢燃料电池", "碳纤维", "数控机床", "药茶饮品",
            "休闲食品", "液压油缸", "装配式构件", "精细化学品", "智能电表", "精密轴承",
            "医疗器械", "定制家居", "数据中心", "冷链物流", "跨境电商", "文旅小镇", "动力电池",
            "功率芯片"]
SCALES = ["年产10万套", "年产5000吨", "年产30万件", "一期", "二期", "扩建", "智能化改造",
          "产业园", "生产基地", "研发中心"]
CITIES = ["北京", "上海", "深圳", "苏州", "杭州", "成都", "西安", "太原", "天津", "武汉",
          "广州", "南京", "宁波", "青岛", "郑州", "重庆", "合肥", "长沙", "厦门", "济南"]
BRAND_CHARS = "华鑫瑞恒远泰达丰盛宏信安博新源汇通晟嘉诚"
TRADES = ["新能源", "科技", "实业", "材料", "装备", "食品", "医药", "电子", "物流", "控股"]
SUMMARIES = ["电话沟通项目进展", "赴企业总部洽谈合作条件", "企业来我市实地考察选址",
             "召开项目推进会，协调用地指标", "对接环评手续办理", "商谈协议条款",
             "了解企业投资意向及资金安排", "陪同考察开发区标准化厂房"]


@dataclass
class Dataset:
    url: str
    projects: int
    followups: int
    stage_events: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    # username → roles; all share PASSWORD.
    users: dict[str, list[str]] = field(default_factory=dict)
    leader_ids: list[int] = field(default_factory=list)


@contextmanager
def throwaway(postgres: str | None) -> Iterator[str]:
    """A new SQLite file, or a new database beside the one `postgres` names; gone after."""
    if not postgres:
        folder = tempfile.mkdtemp(prefix="zs-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"zs_bench_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(postgres).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def migrate(url: str) -> None:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, dtime(hour), tzinfo=SHANGHAI).astimezone(UTC)


def insert_rows(conn: sa.Connection, model: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Rows of one shape into one table: on PostgreSQL by COPY (a million follow-ups by
    executemany took most of the 3 minutes the load may take), elsewhere by executemany
    in chunks."""
    table = model.__table__
    rows = iter(rows)
    if conn.dialect.name != "postgresql":
        while part := list(itertools.islice(rows, CHUNK)):
            conn.execute(sa.insert(table), part)
        return
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in itertools.chain([first], rows):
            copy.write_row([row[column] for column in columns])


class _Pinyin:
    """Full pinyin and initials of the name parts, computed once per distinct part (pypinyin
    on 200,000 whole names would take most of the load time)."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[str, str]] = {}

    def of(self, *parts: str) -> tuple[str, str]:
        full, initials = [], []
        for part in parts:
            if part not in self.cache:
                self.cache[part] = ("".join(lazy_pinyin(part)),
                                    "".join(lazy_pinyin(part, style=Style.FIRST_LETTER)))
            full.append(self.cache[part][0])
            initials.append(self.cache[part][1])
        return "".join(full), "".join(initials)


def _users(engine: sa.Engine, dataset: Dataset) -> dict[str, list[int]]:
    """Several users of every role, city and county level; returns role → user ids."""
    from app.accounts.models import User, UserRole
    from app.accounts.service import create_user

    with Session(engine) as session:
        # One account through the service (its password hash is shared by all the others).
        staff = create_user(session, username="bench.staff", display_name="基准人员",
                            password=PASSWORD, roles=["staff"], must_change_password=False,
                            enforce_policy=False)
        session.commit()
        hashed, next_id = staff.password_hash, staff.id + 1
    by_role: dict[str, list[int]] = {"staff": [staff.id]}
    dataset.users["bench.staff"] = ["staff"]
    rows, role_rows = [], []

    def add(username: str, display: str, role: str, county: str | None,
            title: str | None = None) -> None:
        nonlocal next_id
        rows.append({"id": next_id, "username": username, "display_name": display,
                     "title": title, "county_code": county, "password_hash": hashed,
                     "is_active": True, "language": "zh_CN", "created_at": datetime.now(UTC),
                     "failed_login_count": 0, "must_change_password": False,
                     "password_changed_at": datetime.now(UTC)})
        role_rows.append({"user_id": next_id, "role": role})
        by_role.setdefault(role, []).append(next_id)
        dataset.users[username] = [role]
        next_id += 1

    for i in range(LEADERS):
        # A fifth lead for the city, the rest for a county each.
        county = None if i < LEADERS // 5 else COUNTIES[i % len(COUNTIES)]
        add(f"bench.leader{i:02d}", f"领导{i:02d}", "leader", county,
            "副市长" if county is None else "副县长")
    for role in ("admin", "staff", "supervisor", "auditor"):
        for i in range(CITY_USERS + COUNTY_USERS):
            county = None if i < CITY_USERS else COUNTIES[i % len(COUNTIES)]
            if role == "staff" and i == 0:
                continue  # bench.staff, made above
            add(f"bench.{role}{i}", f"{role}{i}", role, county)
    with engine.begin() as conn:
        conn.execute(sa.insert(User.__table__), rows)
        conn.execute(sa.insert(UserRole.__table__), role_rows)
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('app_user', 'id'), "
                                 "(SELECT max(id) FROM app_user))"))
    dataset.leader_ids = by_role["leader"]
    return by_role


def build(url: str, projects: int = 100_000, followups: int = 1_000_000,
          today: date | None = None, seed: int = SEED) -> Dataset:
    """Migrate `url`, then load the data set; the timings of each part are in the result."""
    from app.activities.models import Activity
    from app.analytics.models import Target
    from app.lookups.models import Chain
    from app.projects.investors import normalize_name
    from app.projects.models import (
        FundsEntry,
        Investor,
        Project,
        StageEvent,
        StatusChange,
        TeamMember,
    )

    today = today or datetime.now(SHANGHAI).date()
    dataset = Dataset(url=url, projects=projects, followups=followups)
    timings = dataset.timings
    started = time.perf_counter()
    migrate(url)
    engine = create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(Chain), [
            {"code": code, "name": name, "name_en": en, "sort_order": 100 + i,
             "is_active": True} for i, (code, name, en) in enumerate(EXTRA_CHAINS)])
    by_role = _users(engine, dataset)
    leaders, staff = by_role["leader"], by_role["staff"]
    timings["migrate+users"] = time.perf_counter() - started

    started = time.perf_counter()
    rng = random.Random(seed)
    pinyin = _Pinyin()
    now = datetime.now(UTC)
    first_day = today - timedelta(days=3 * 365)
    investor_rows, project_rows, event_rows, status_rows, funds_rows = [], [], [], [], []
    team_rows = []
    last_activity: list[datetime | None] = [None] * projects
    reported_days: list[date] = []
    for n in range(projects):
        pid = n + 1
        county = COUNTIES[rng.randrange(len(COUNTIES))]
        chain_index = rng.randrange(len(CHAINS))
        rank = rng.choices(range(7), STAGE_WEIGHTS)[0]
        reported = first_day + timedelta(days=rng.randrange((today - first_day).days))
        reported_days.append(reported)
        day = reported
        events = [{"project_id": pid, "from_stage": None, "to_stage": "contact",
                   "is_backward": False, "happened_on": day, "recorded_at": at(day)}]
        for r in range(1, rank + 1):
            step = rng.randint(0, 90)
            if day + timedelta(days=step) > today:
                rank = r - 1
                break
            day += timedelta(days=step)
            events.append({"project_id": pid, "from_stage": STAGES[r - 1], "to_stage": STAGES[r],
                           "is_backward": False, "happened_on": day, "recorded_at": at(day)})
        stage = STAGES[rank]
        if rank >= 2 and rng.random() < 0.03 and day < today:
            day += timedelta(days=1)
            stage = STAGES[rank - 1]
            events.append({"project_id": pid, "from_stage": STAGES[rank], "to_stage": stage,
                           "is_backward": True, "happened_on": day, "recorded_at": at(day)})
        event_rows += events
        # The milestones the service keeps with the events: first day at each stage or later.
        milestones = {f"reached_{stage}_on": None for stage in STAGES}
        for event in events:
            for later in STAGES[:STAGES.index(event["to_stage"]) + 1]:
                milestones[f"reached_{later}_on"] = (milestones[f"reached_{later}_on"]
                                                     or event["happened_on"])
        total = Decimal(rng.randrange(100_00, 5_000_000_00)) / 100
        signed = rank >= 2
        status = rng.choices(["active", "paused", "terminated"], [85, 8, 7])[0]
        if status != "active":
            status_rows.append({"project_id": pid, "stage": stage, "from_status": "active",
                                "to_status": status, "happened_on": day,
                                "recorded_at": at(day),
                                "reason_code": "other" if status == "terminated" else None,
                                "reason": "基准"})
        planned = (reported + timedelta(days=rng.randint(60, 540))
                   if rng.random() < 0.6 else None)
        # Investor names are unique (one company each): city + two brand characters + trade,
        # walked through in order, with a branch number once the combinations run out.
        city = CITIES[n % len(CITIES)]
        brand = (BRAND_CHARS[(n // len(CITIES)) % len(BRAND_CHARS)]
                 + BRAND_CHARS[(n // (len(CITIES) * len(BRAND_CHARS))) % len(BRAND_CHARS)])
        trade = TRADES[rng.randrange(len(TRADES))]
        branch = n // (len(CITIES) * len(BRAND_CHARS) ** 2)
        investor = f"{city}{brand}{trade}{'' if not branch else f'第{branch}'}有限公司"
        name = f"{SCALES[rng.randrange(len(SCALES))]}{PRODUCTS[chain_index]}项目"
        code = f"ZS-B-{n:07d}"
        confidential = rng.random() < 0.02
        if confidential:
            search_text = f"{code} 代号{n}".lower()
        else:
            name_py, name_initials = pinyin.of(name)
            inv_py, inv_initials = pinyin.of(city, brand, trade, "有限公司")
            search_text = " ".join([name, investor, code, name_py, name_initials, inv_py,
                                    inv_initials]).lower()
        leader_id = (None if stage == "contact" and rng.random() < 0.5
                     else leaders[rng.randrange(len(leaders))])
        reporter = staff[rng.randrange(len(staff))]
        investor_rows.append({"id": pid, "name": investor,
                              "normalized_name": normalize_name(investor), "created_at": now})
        project_rows.append({
            "id": pid, "code": code, "name": name, "investor_id": pid,
            "category_code": CATEGORIES[rng.randrange(len(CATEGORIES))],
            "chain_code": CHAINS[chain_index],
            "region_code": REGIONS[rng.randrange(len(REGIONS))],
            "method_code": METHODS[rng.randrange(len(METHODS))], "county_code": county,
            "first_report_county_code": county,
            "key_level": rng.choice([None, None, None, "city", "province"]),
            "total_investment": total,
            "agreed_amount": (total * Decimal("0.8")).quantize(Decimal("0.01")) if signed
            else None,
            "planned_groundbreaking_on": planned,
            "next_follow_up_on": (today + timedelta(days=rng.randint(-10, 30))
                                  if status == "active" and rng.random() < 0.3 else None),
            "stage": stage, "status": status,
            "termination_reason": "other" if status == "terminated" else None,
            "leader_id": leader_id, "created_by_id": reporter,
            "search_text": search_text,
            "is_confidential": confidential, "code_name": f"代号{n}" if confidential else None,
            "stage_entered_on": day, "first_reported_at": at(reported),
            "created_at": at(reported), "updated_at": at(day), "version": len(events),
            **milestones})
        if confidential:
            team_rows.append({"project_id": pid, "user_id": staff[rng.randrange(len(staff))],
                              "role": "head", "added_at": at(reported)})
        if signed and rng.random() < 0.5:
            for _ in range(rng.randint(1, 3)):
                on = day + timedelta(days=rng.randint(0, 200))
                if on <= today:
                    funds_rows.append({"project_id": pid, "on_date": on, "created_at": now,
                                       "amount": (total * Decimal(rng.randint(5, 30)) / 100)
                                       .quantize(Decimal("0.01"))})

    # Follow-ups are drawn before anything is written, so each project's last one is known
    # when the project row goes in (no second pass over 100,000 rows). Kept as tuples: a
    # million dicts would hold ~0.5 GB at once.
    moments: dict[tuple[date, int], datetime] = {}
    followup_rows: list[tuple[int, int, datetime]] = []
    for _ in range(followups):
        n = rng.randrange(projects)
        start = reported_days[n]
        day = start + timedelta(days=rng.randrange(max(1, (today - start).days)))
        hour = rng.randint(8, 18)
        moment = moments.get((day, hour)) or moments.setdefault((day, hour), at(day, hour))
        if last_activity[n] is None or moment > last_activity[n]:
            last_activity[n] = moment
        followup_rows.append((n + 1, len(followup_rows), moment))
    for row, moment in zip(project_rows, last_activity, strict=True):
        row["last_activity_at"] = moment
    timings["generate"] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.begin() as conn:
        for table, rows in ((Investor, investor_rows), (Project, project_rows),
                            (StageEvent, event_rows), (StatusChange, status_rows),
                            (FundsEntry, funds_rows), (TeamMember, team_rows)):
            insert_rows(conn, table, rows)
        conn.execute(sa.insert(Target), [
            {"year": today.year, "quarter": 0, "county_code": county, "metric": metric,
             "value": Decimal(value), "updated_at": now}
            for county in [None, *COUNTIES]
            for metric, value in (("signed_projects", "800"), ("signed_amount", "9000000"),
                                  ("groundbreakings", "300"), ("funds_in_place", "2000000"))])
        if engine.dialect.name == "postgresql":
            for table in ("investor", "project"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    timings["projects+events"] = time.perf_counter() - started
    dataset.stage_events = len(event_rows)

    started = time.perf_counter()
    with engine.begin() as conn:
        insert_rows(conn, Activity, (
            {"project_id": pid, "kind": KINDS[i % len(KINDS)], "happened_at": moment,
             "summary": SUMMARIES[i % len(SUMMARIES)], "created_by_id": staff[i % len(staff)],
             "created_at": moment} for pid, i, moment in followup_rows))
    timings["followups"] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    timings["analyze"] = time.perf_counter() - started
    engine.dispose()
    return dataset
