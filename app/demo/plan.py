"""The demo data set as a plan: pure data, drawn from one seeded generator.

`build_plan` decides everything (users, investors, projects, and every dated step of every
project: stage moves, leaders, team, pauses, follow-ups) without touching the database, so
the same seed, lookups and day give the same plan. `loader.py` then replays the plan through
the services, which check every rule.

Time: day 0 is 730 days before today and day 729 is yesterday; every step happens on a day
in that window at a local office hour, so no step is ever in the future. Within a day the
hours keep the order the rules need: report 08:50-09:30, leader 09:40, follow-ups from
10:00, stage moves 15:00-15:30, team 16:30, status changes 17:30.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pypinyin import lazy_pinyin

from app.demo import data, texts
from app.projects.investors import CREDIT_CODE_CHARSET, credit_code_check_char, normalize_name

SEED = 20261123
DAYS = 730
LAST_DAY = DAYS - 1  # yesterday
# Of the agreed amount, the share in place by the project's stage, and how many such
# projects have none yet.
FUNDS_SHARE = {"signed": (0.05, 0.2), "contract": (0.1, 0.35), "groundbreaking": (0.3, 0.6),
               "production": (0.55, 0.9), "achieved": (0.8, 1.0)}
FUNDS_NONE = {"signed": 0.5, "contract": 0.3, "groundbreaking": 0.1, "production": 0.0,
              "achieved": 0.0}
TODAY = DAYS  # day index of today (never used for a step, only for due dates)
STAGES = ("contact", "intent", "signed", "contract", "groundbreaking", "production", "achieved")
RANK = {stage: i for i, stage in enumerate(STAGES)}
BASE_PROJECTS = 360
FOLLOW_ON_PROJECTS = 10
TERMINATED = 21
PAUSED_STILL = 12
PAUSED_RESUMED = 10
MOVE_BACKS = 9
REASSIGNMENTS = 26


@dataclass(frozen=True)
class Lookups:
    """The lookup codes the plan may use, in their display order."""

    chains: tuple[str, ...]
    chain_names: dict[str, str]
    links: dict[str, tuple[str, ...]]
    regions: tuple[str, ...]
    methods: tuple[str, ...]
    categories: tuple[str, ...]
    counties: tuple[str, ...]
    county_names: dict[str, str]
    zones: dict[str, tuple[tuple[str, str], ...]]


@dataclass
class UserPlan:
    username: str
    display_name: str
    roles: list[str]
    county: str | None
    title: str
    phone: str


@dataclass
class Step:
    """One service call: `action` names it, `data` holds its input with usernames where the
    service wants user ids (leader, user, participants)."""

    at: datetime
    action: str
    actor: str
    data: dict[str, Any]


@dataclass
class ProjectPlan:
    key: int
    created_at: datetime
    actor: str
    fields: dict[str, Any]
    investor: dict[str, Any]
    leader_at_create: str | None = None
    same_investor_as: int | None = None
    steps: list[Step] = field(default_factory=list)


@dataclass
class DemoPlan:
    users: list[UserPlan]
    projects: list[ProjectPlan]


# --- small helpers -----------------------------------------------------------------------

def money(value: float, step: int = 1) -> Decimal:
    """万元, rounded to `step` (whole 万元 by default)."""
    rounded = round(value / step) * step
    return Decimal(max(rounded, step)).quantize(Decimal("0.01"))


def quantity(value: float) -> Decimal:
    return Decimal(str(round(value, 1))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fmt_amount(amount: Decimal) -> str:
    """12,000 万元 reads 1.2亿元; smaller amounts stay in 万元."""
    if amount >= 10000:
        yi = (amount / 10000).quantize(Decimal("0.01"))
        return f"{yi.normalize():f}亿元"
    return f"{int(amount)}万元"


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def short_title(title: str) -> str:
    """'市委常委、副市长' -> '副市长': how a note names a leader."""
    return title.split("、")[-1]


class Clock:
    """Day indexes and office hours to aware UTC datetimes."""

    def __init__(self, today: date, tz: ZoneInfo) -> None:
        self.today = today
        self.first_day = today - timedelta(days=DAYS)
        self.tz = tz

    def day(self, t: int) -> date:
        return self.first_day + timedelta(days=t)

    def index(self, day: date) -> int:
        return (day - self.first_day).days

    def at(self, t: int, hour: int, minute: int = 0) -> datetime:
        local = datetime.combine(self.day(t), time(hour, minute), tzinfo=self.tz)
        return local.astimezone(UTC)

    def workday(self, t: int, lo: int, hi: int) -> int:
        """The nearest weekday to t inside [lo, hi] (Friday before, else Monday after)."""
        weekday = self.day(t).weekday()
        if weekday < 5:
            return t
        back, forward = weekday - 4, 7 - weekday
        if t - back >= lo:
            return t - back
        if t + forward <= hi:
            return t + forward
        return t


# --- people ------------------------------------------------------------------------------

def person_name(rng: random.Random) -> str:
    surname = rng.choice(data.SURNAMES)
    given = "".join(rng.choice(data.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('356789')}{rng.randrange(10**9):09d}"


def build_users(rng: random.Random) -> list[UserPlan]:
    users = []
    for username, name, roles, county, title in data.SYSTEM_USERS:
        users.append(UserPlan(username, name, list(roles), county, title, office_phone(rng)))
    for username, name, county, title in data.LEADERS:
        users.append(UserPlan(username, name, ["leader"], county, title, office_phone(rng)))
    for username, name, county, title in data.STAFF:
        users.append(UserPlan(username, name, ["staff"], county, title, mobile(rng)))
    return users


def office_phone(rng: random.Random) -> str:
    return f"{data.OFFICE_PHONE_PREFIX}{rng.randrange(2000000, 3999999)}"


# --- investors ---------------------------------------------------------------------------

PROVINCE_SHORT = {
    "河北省": "河北", "江苏省": "江苏", "浙江省": "浙江", "安徽省": "安徽", "广东省": "广东",
    "四川省": "四川", "陕西省": "陕西", "山西省": "山西", "河南省": "河南", "湖北省": "湖北",
    "湖南省": "湖南", "山东省": "山东", "辽宁省": "辽宁",
}
OVERSEAS_HQ = {"新加坡": "新加坡", "德国": "慕尼黑", "日本": "大阪", "韩国": "首尔",
               "美国": "休斯敦", "香港": "香港", "澳门": "澳门", "台湾": "台北"}


class InvestorFactory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.codes: set[str] = set()

    def credit_code(self, division: str) -> str:
        while True:
            body = "91" + division + "".join(self.rng.choice(CREDIT_CODE_CHARSET)
                                             for _ in range(9))
            code = body + credit_code_check_char(body)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def make(self, region: str, chain: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The investor's input and the words the notes use ({inv}, {contact}, {hq})."""
        rng = self.rng
        city, province, division = rng.choice(data.REGION_CITIES[region])
        foreign = not division
        while True:
            brand = rng.choice(data.BRANDS)
            industry = rng.choice(data.CHAIN_INDUSTRY_WORDS[chain])
            if foreign:
                form = "股份有限公司" if city == "台湾" else "控股有限公司"
                prefix = city
            else:
                form = rng.choices([f for f, _w in data.COMPANY_FORMS],
                                   weights=[w for _f, w in data.COMPANY_FORMS])[0]
                prefix = PROVINCE_SHORT.get(province, city) if rng.random() < 0.25 else city
            name = f"{prefix}{brand}{industry}{form}"
            key = normalize_name(name)
            if key not in self.names:
                self.names.add(key)
                break
        if foreign:
            ownership = "foreign"
            code = self.credit_code("310000") if rng.random() < 0.15 else None
            hq_city = OVERSEAS_HQ.get(city, city)
        else:
            ownership = rng.choices([o for o, _w in data.OWNERSHIP_WEIGHTS],
                                    weights=[w for _o, w in data.OWNERSHIP_WEIGHTS])[0]
            code = self.credit_code(division) if rng.random() < 0.8 else None
            hq_city = city + "市"
        domain = "".join(lazy_pinyin(brand)) + rng.choice([".com", ".com.cn", ".cn"])
        contacts = []
        for i in range(rng.choice((1, 1, 2))):
            contact_name = person_name(rng)
            title = data.CONTACT_TITLES[0 if i == 0 and rng.random() < 0.3 else
                                        rng.randrange(1, len(data.CONTACT_TITLES))]
            local = "".join(lazy_pinyin(contact_name))
            email_domain = rng.choice(data.EMAIL_DOMAINS_PUBLIC) if rng.random() < 0.12 \
                else domain
            contacts.append({
                "name": contact_name,
                "title": title,
                "phone": mobile(rng),
                "email": f"{local}@{email_domain}" if rng.random() < 0.85 else None,
            })
        first = contacts[0]
        honorific = "总" if ("总" in first["title"] or first["title"] in ("董事长", "副总裁")) \
            else first["title"][-2:]
        words = {
            "inv": f"{brand}{industry}",
            "brand": brand,
            "contact": f"{first['name'][0]}{honorific}",
            "contact_full": f"{first['name']}（{first['title']}）",
            "hq": OVERSEAS_HQ.get(city, city),
        }
        investor = {"name": name, "credit_code": code, "hq_province": province,
                    "hq_city": hq_city, "ownership": ownership, "contacts": contacts}
        return investor, words


# --- the plan ----------------------------------------------------------------------------

class Planner:
    def __init__(self, rng: random.Random, lookups: Lookups, clock: Clock) -> None:
        self.rng = rng
        self.lk = lookups
        self.clock = clock
        self.investors = InvestorFactory(rng)
        self.names_used: set[str] = set()
        self.leaders = {u: (n, c, t) for u, n, c, t in data.LEADERS}
        self.city_leaders = [u for u, _n, c, _t in data.LEADERS if c is None]
        self.county_leaders: dict[str, list[str]] = {}
        for username, _n, county, _t in data.LEADERS:
            if county is not None:
                self.county_leaders.setdefault(county, []).append(username)
        self.city_staff = [u for u, _n, c, _t in data.STAFF if c is None]
        self.county_staff: dict[str, list[str]] = {}
        for username, _n, county, _t in data.STAFF:
            if county is not None:
                self.county_staff.setdefault(county, []).append(username)

    # -- choices ---------------------------------------------------------------------------

    def county_for(self, chain: str) -> str:
        fits = data.CHAIN_COUNTIES.get(chain, ())
        weights = {
            c: data.COUNTY_WEIGHTS.get(c, data.OTHER_COUNTY_WEIGHT) * (4 if c in fits else 1)
            for c in self.lk.counties
        }
        return weighted(self.rng, weights)

    def chain_for(self, county: str | None = None) -> str:
        weights = {c: data.CHAIN_WEIGHTS.get(c, 3) for c in self.lk.chains}
        if county is not None:
            weights = {c: w * (6 if county in data.CHAIN_COUNTIES.get(c, ()) else 1)
                       for c, w in weights.items()}
        return weighted(self.rng, weights)

    def leader_for(self, county: str, key_level: str | None) -> str:
        local = self.county_leaders.get(county, [])
        if key_level == "province" or not local or (key_level == "city" and
                                                    self.rng.random() < 0.6):
            return self.rng.choice(self.city_leaders)
        return self.rng.choice(local) if self.rng.random() < 0.85 else \
            self.rng.choice(self.city_leaders)

    def other_leader(self, county: str, current: str) -> str:
        pool = [u for u in self.county_leaders.get(county, []) + self.city_leaders if u != current]
        return self.rng.choice(pool)

    def staff_for(self, county: str) -> str:
        return self.rng.choice(self.county_staff.get(county) or self.city_staff)

    def leader_words(self, username: str) -> str:
        name, _county, title = self.leaders[username]
        return f"{short_title(title)}{name}"

    # -- one project's fixed facts ---------------------------------------------------------

    def project_facts(self, chain: str, county: str, region: str,
                      method: str | None) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        rng = self.rng
        lk = self.lk
        link = rng.choice(lk.links[chain]) if lk.links.get(chain) else None
        templates = data.LINK_TEMPLATES.get(link or "", [])
        county_name = lk.county_names[county]
        county_short = county_name[:-1] if len(county_name) > 2 else county_name
        if templates:
            pattern, sizes, per = rng.choice(templates)
            n = rng.choice(sizes) if sizes else 1
            name = pattern.format(n=n, n2=2 * n, county=county_short)
            amount = n * per * rng.lognormvariate(0, 0.2 if sizes else 0.45)
        else:
            name = f"{lk.chain_names[chain]}产业项目"
            amount = 20000 * rng.lognormvariate(0, 0.6)
        category = data.LINK_CATEGORIES.get(link or "", "industrial")
        if "改造" in name:
            category = "tech_upgrade"
        elif category == "industrial" and region == "local" and rng.random() < 0.3:
            category = "tech_upgrade"
            name = name.removesuffix("项目") + rng.choice(data.TECH_UPGRADE_SUFFIXES) + "项目"
        product = name
        if category not in lk.categories:
            category = lk.categories[0]
        amount = min(max(amount, 500), 500000)
        total = money(amount, 100 if amount >= 10000 else 10)

        investor, words = self.investors.make(region, chain)
        if name in self.names_used:
            name = words["brand"] + name
        if name in self.names_used:
            name = county_short + name
        self.names_used.add(name)

        zones = lk.zones.get(county, ())
        zone = None
        if zones and (method == "by_zone" or rng.random() < 0.55):
            zone = rng.choice(zones)
        if method is None:
            weights = dict(data.METHOD_WEIGHTS)
            if zone is None:
                weights.pop("by_zone", None)
            weights = {m: w for m, w in weights.items() if m in lk.methods}
            method = weighted(rng, weights)
        if method == "by_zone" and zone is None and zones:
            zone = zones[0]

        key_level = None
        if total >= 200000:
            key_level = "province" if rng.random() < 0.7 else "city"
        elif total >= 50000:
            key_level = rng.choices(["province", "city", None], weights=[10, 40, 50])[0]
        elif total >= 10000 and rng.random() < 0.12:
            key_level = "city"

        heavy = chain in data.HEAVY_CHAINS
        light = chain in data.LIGHT_CHAINS
        t = float(total)
        jobs = t / (150 if heavy else 40 if light else 90) * rng.uniform(0.6, 1.4)
        jobs = max(10, int(round(jobs, -1)) if jobs > 100 else int(jobs))
        if category == "infrastructure":
            output = t * rng.uniform(0.08, 0.25)
        elif chain == "tourism":
            output = t * rng.uniform(0.2, 0.5)
        else:
            output = t * (rng.uniform(0.8, 2.5) if light else rng.uniform(1.0, 2.0))
        tax = output * rng.uniform(0.04, 0.09)
        land = t / rng.uniform(150, 400) if chain not in ("wind", "digital", "ecommerce") \
            else t / rng.uniform(600, 1500)
        energy = None
        if heavy or link == "digital.datacenter":
            energy = t * rng.uniform(0.3, 1.5)
        elif not light and rng.random() < 0.5:
            energy = t * rng.uniform(0.02, 0.1)
        area = rng.choice(["产业集聚区", "工业集中区", "规划地块"])
        site = zone[1] if zone else f"{county_name}{area}"
        description = (
            f"项目由{investor['name']}投资建设，选址{site}，总投资{fmt_amount(total)}，"
            f"主要建设{product}。达产后预计年产值{fmt_amount(money(output))}、"
            f"年纳税{fmt_amount(money(tax))}，可带动就业{jobs}人。"
        )
        confidential = rng.random() < 0.03
        fields: dict[str, Any] = {
            "name": name,
            "description": description,
            "category": category,
            "chain": chain,
            "chain_link": link,
            "region": region,
            "method": method,
            "county": county,
            "zone": zone[0] if zone else None,
            "key_level": key_level,
            "total_investment": total,
            "fixed_asset_investment": (total * Decimal(str(round(rng.uniform(0.6, 0.85), 3))))
            .quantize(Decimal("0.01")),
            "expected_jobs": jobs,
            "expected_annual_output": money(output),
            "expected_annual_tax": money(tax),
            "land_mu": quantity(land),
            "energy_tce": quantity(energy) if energy is not None else None,
            "is_confidential": confidential,
            "code_name": f"“{rng.choice(texts.CODE_NAMES)}”项目" if confidential else None,
        }
        words.update({
            "county": county_name, "site": site, "product": product,
            "chain": lk.chain_names[chain], "method": data.METHOD_PHRASES.get(method, "招商"),
            "amount": fmt_amount(total), "amount_value": str(total),
            "output": fmt_amount(money(output)),
            "tax": fmt_amount(money(tax)), "fair": rng.choice(data.FAIRS),
            "occasion": rng.choice(data.SIGNING_OCCASIONS).format(county=county_name),
        })
        return fields, investor, words

    # -- one project's history -------------------------------------------------------------

    def path(self, target: str, lo: int, tail_range: tuple[int, int],
             move_back: bool) -> tuple[int, list[tuple[int, str, str]]]:
        """Creation day and the stage moves [(day, 'advance'|'back', stage)]."""
        rng = self.rng
        ops: list[tuple[str, str, int]] = []
        rank = RANK[target]
        back_at = rng.randint(2, rank) if move_back and rank >= 2 else None
        for stage in STAGES[1:rank + 1]:
            gap = rng.randint(*data.STAGE_GAP_DAYS[stage])
            merge = ops and stage in ("signed", "contract") and ops[-1][0] == "advance" \
                and ops[-1][1] in ("intent", "signed") and rng.random() < 0.18
            if merge:
                ops[-1] = ("advance", stage, ops[-1][2])
            else:
                ops.append(("advance", stage, gap))
            if back_at is not None and RANK[stage] == back_at:
                ops.append(("back", STAGES[back_at - 1], rng.randint(10, 45)))
                ops.append(("advance", stage, rng.randint(15, 60)))
        tail = rng.randint(*tail_range)
        avail = LAST_DAY - lo
        total = sum(g for _k, _s, g in ops)
        if total + tail > avail:
            tail = min(tail, max(avail // 6, 3))
            scale = (avail - tail) / total if total else 1
            ops = [(k, s, max(1, int(g * scale))) for k, s, g in ops]
            total = sum(g for _k, _s, g in ops)
        if not ops:
            start = LAST_DAY - min(tail, avail)
        else:
            start = lo + rng.randint(0, max(0, avail - total - tail))
        start = self.clock.workday(start, lo, start)
        days = []
        t = start
        for kind, stage, gap in ops:
            t += gap
            days.append((min(t, LAST_DAY), kind, stage))
        return start, days

    def plan_project(self, key: int, target: str, status: str, move_back: bool,
                     reassign: bool, chain: str, county: str, region: str,
                     method: str | None, lo: int = 0,
                     base: "ProjectPlan | None" = None,
                     base_words: dict[str, str] | None = None,
                     termination_code: str = "other") -> tuple[ProjectPlan, dict[str, str]]:
        rng = self.rng
        clock = self.clock
        fields, investor, words = self.project_facts(chain, county, region, method)
        if base is not None and base_words is not None:
            # A second phase or a capital increase of the same investor.
            phase = rng.choice(["二期项目", "增资扩产项目"])
            base_name = base.fields["name"].removesuffix("项目")
            fields["name"] = base_name + phase
            fields["method"] = "via_investor" if "via_investor" in self.lk.methods \
                else fields["method"]
            fields["chain_link"] = base.fields["chain_link"]
            fields["zone"] = base.fields["zone"]
            investor = {k: v for k, v in base.investor.items() if k != "contacts"}
            investor["contacts"] = []
            for word in ("inv", "contact", "contact_full", "hq", "site"):
                words[word] = base_words[word]
            words["product"] = fields["name"]
            fields["description"] = (
                f"{base.investor['name']}在一期项目（{base.fields['name']}）基础上追加投资，"
                f"选址{words['site']}，总投资{words['amount']}，建设{words['product']}。"
            )
        tail_range = {"active": (3, 220), "terminated": (30, 200), "paused": (30, 200),
                      "resumed": (80, 240)}[status]
        if target == "contact":
            tail_range = (1, 60) if status == "active" and rng.random() < 0.55 else \
                (max(tail_range[0], 20), 420)
        start, moves = self.path(target, lo, tail_range, move_back)
        last_move = moves[-1][0] if moves else start
        staff = self.staff_for(county)
        created = clock.at(start, 9, rng.randint(0, 30))
        plan = ProjectPlan(key=key, created_at=created, actor=staff, fields=fields,
                           investor=investor)
        if base is not None:
            plan.same_investor_as = base.key

        # Status: when the project was paused, resumed or terminated.
        end = LAST_DAY  # the last day anything may happen to the project
        status_steps: list[tuple[int, str, dict[str, Any]]] = []
        pause_window: tuple[int, int] | None = None
        if status == "terminated":
            end = min(LAST_DAY, last_move + rng.randint(10, max(11, min(120, LAST_DAY -
                                                                        last_move))))
            end = max(end, last_move)
            code = termination_code
            city = rng.choice(data.LOST_TO_CITIES)
            reason = rng.choice(data.TERMINATION_TEXTS[code]).format(city=city)
            status_steps.append((end, "terminate", {
                "reason_code": code, "reason": reason,
                "lost_to_city": city if code == "lost_to_other_city" else None,
                "happened_on": clock.day(end)}))
        elif status in ("paused", "resumed"):
            gaps = [(moves[i - 1][0] if i else start, moves[i][0]) for i in range(len(moves))
                    if moves[i][1] == "advance"]
            inside = [g for g in gaps if g[1] - g[0] >= 40]
            if status == "resumed" and inside and rng.random() < 0.6:
                g0, g1 = rng.choice(inside)
                p = g0 + rng.randint(3, (g1 - g0) // 3)
                r = rng.randint(p + 10, g1 - 2)
            else:
                p = min(LAST_DAY, last_move + rng.randint(5, 25))
                r = min(LAST_DAY, p + rng.randint(20, 90)) if status == "resumed" else None
                if r is not None and r <= p:
                    r = None
            pause_reason, resume_reason = rng.choice(data.PAUSE_REASONS)
            status_steps.append((p, "pause", {"reason": pause_reason,
                                              "happened_on": clock.day(p)}))
            if r is not None:
                status_steps.append((r, "resume", {"reason": resume_reason,
                                                   "happened_on": clock.day(r)}))
            pause_window = (p, r if r is not None else LAST_DAY + 1)

        # The one responsible leader, and changes of leader.
        leader_timeline: list[tuple[int, str]] = []  # (from day, leader)
        first_advance = next((d for d, k, _s in moves if k == "advance"), None)
        leader = self.leader_for(county, fields["key_level"])
        wants_leader = first_advance is not None or rng.random() < 0.3
        if wants_leader:
            if first_advance is None or rng.random() < 0.25:
                plan.leader_at_create = leader
                leader_timeline.append((start, leader))
            else:
                day = max(start + 1, first_advance - rng.randint(0, 15))
                day = min(day, first_advance)
                leader_timeline.append((day, leader))
                plan.steps.append(Step(clock.at(day, 9, 40), "assign", staff,
                                       {"leader": leader, "reason": None}))
        if reassign and leader_timeline:
            begin = leader_timeline[0][0] + 30
            if begin < end - 10:
                day = rng.randint(begin, end - 10)
                new = self.other_leader(county, leader)
                new_is_city = new in self.city_leaders
                reason = ("项目列为市重点，改由市级领导包联" if new_is_city and fields["key_level"]
                          else rng.choice(data.REASSIGN_REASONS[:3] + data.REASSIGN_REASONS[4:]))
                leader_timeline.append((day, new))
                plan.steps.append(Step(clock.at(day, 9, 40), "assign", data.COORDINATOR,
                                       {"leader": new, "reason": reason}))

        def leader_on(day: int) -> str | None:
            current = None
            for since, who in leader_timeline:
                if since <= day:
                    current = who
            return current

        # Stage moves with their evidence.
        previous, current_stage = start, "contact"
        for day, kind, stage in moves:
            moment = clock.at(day, 15, rng.randint(0, 30))
            if kind == "back":
                reason = rng.choice(data.MOVE_BACK_REASONS[STAGES[RANK[stage] + 1]])
                plan.steps.append(Step(moment, "back", staff, {
                    "to_stage": stage, "happened_on": clock.day(day), "reason": reason}))
                plan.steps.append(self.activity(
                    day, 16, staff, texts.MOVE_BACK_TEXT, words | {"reason": reason},
                    stage, participants=[staff], next_step=True, leader=leader_on(day)))
            else:
                evidence = self.evidence(fields, current_stage, stage, day, previous, words)
                note = texts.MOVE_NOTES[stage].format_map(words)
                plan.steps.append(Step(moment, "advance", staff, {
                    "to_stage": stage, "happened_on": clock.day(day), "note": note,
                    **evidence}))
                current = leader_on(day)
                plan.steps.append(self.activity(
                    day, 16, staff, texts.MOVE_TEXTS[stage],
                    words | {"leader": self.leader_words(current) if current else "领导"},
                    stage, participants=[staff] + ([current] if current else []),
                    next_step=True, leader=current))
            previous, current_stage = day, stage

        # Planned groundbreaking: the real start day, or a date ahead for projects not there.
        started = next((d for d, k, s in moves if k == "advance" and
                        RANK[s] >= RANK["groundbreaking"]), None)
        if started is not None:
            fields["planned_groundbreaking_on"] = clock.day(max(start, started -
                                                                 rng.randint(-20, 40)))
        elif RANK[target] >= RANK["intent"] and status != "terminated":
            fields["planned_groundbreaking_on"] = clock.day(TODAY + rng.randint(-30, 240))
        if RANK[target] >= RANK["intent"]:
            fields["plan"] = self.plan_text(fields, words)

        for day, action, payload in status_steps:
            plan.steps.append(Step(clock.at(day, 17, 30), action, staff, payload))
            template = {"pause": texts.PAUSE_TEXT, "resume": texts.RESUME_TEXT,
                        "terminate": texts.TERMINATE_TEXT}[action]
            phase = "paused" if action == "pause" else stage_on(moves, day)
            plan.steps.append(self.activity(
                day, 10, staff, template, words | {"reason": payload["reason"]}, phase,
                participants=[staff], next_step=action != "terminate", leader=leader_on(day)))

        # The team (专班), once a leader is responsible.
        if first_advance is not None and rng.random() < 0.85:
            day = min(first_advance + rng.randint(1, 10), end)
            pool = [u for u in self.county_staff.get(county, []) if u != staff]
            pool += [u for u in self.city_staff if u != staff]
            members = [staff, *rng.sample(pool, rng.randint(1, min(3, len(pool))))]
            roles = ["head", *rng.sample(["member", "service", "agent", "member"],
                                         len(members) - 1)]
            for user, role in zip(members, roles, strict=True):
                plan.steps.append(Step(clock.at(day, 16, 30), "team", staff,
                                       {"user": user, "role": role}))

        plan.steps += self.funds(key, plan.steps, current_stage, end, staff)

        # Follow-ups between the first report and the last day the project was worked on.
        self.follow_ups(plan, words, start, end, status, target, moves, status_steps,
                        pause_window, leader_on, staff)
        plan.steps.sort(key=lambda s: s.at)
        return plan, words

    def evidence(self, fields: dict[str, Any], current: str, stage: str, day: int,
                 previous: int, words: dict[str, str]) -> dict[str, Any]:
        """What a move from `current` to `stage` must prove, for every stage it passes."""
        rng = self.rng
        clock = self.clock
        total: Decimal = fields["total_investment"]
        passed = STAGES[RANK[current] + 1:RANK[stage] + 1]
        evidence: dict[str, Any] = {}
        for s in passed:
            if s == "signed":
                agreed = money(float(total) * rng.uniform(0.85, 1.05),
                               100 if total >= 10000 else 10)
                evidence["agreement_no"] = "LFXY"  # numbered once the plan is complete
                evidence["agreed_amount"] = agreed
                evidence["agreed_above_total_confirmed"] = agreed > total
                words["agreed"] = fmt_amount(agreed)
            elif s == "contract":
                base = evidence.get("agreed_amount") or money(float(total) *
                                                              rng.uniform(0.85, 1.0))
                amount = money(float(base) * rng.uniform(0.9, 1.0),
                               100 if total >= 10000 else 10)
                evidence["contract_no"] = "LFHT"
                evidence["contract_on"] = clock.day(max(previous, day - rng.randint(0, 3)))
                evidence["contract_amount"] = amount
                words["contract"] = fmt_amount(amount)
            elif s == "groundbreaking":
                evidence["started_on"] = clock.day(day)
            elif s == "production":
                evidence["production_on"] = clock.day(day)
            elif s == "achieved":
                evidence["achieved_on"] = clock.day(day)
        return evidence

    def funds(self, key: int, steps: list[Step], stage: str, end: int,
              staff: str) -> list[Step]:
        """Money in place (资金到位) after the signing, in one to four parts, more of the
        agreed amount the further the project got. Its own random numbers, so the rest of
        the plan is what it was before projects had funds."""
        signing = next((s for s in steps if s.action == "advance"
                        and s.data.get("agreed_amount") is not None), None)
        if signing is None or RANK[stage] < RANK["signed"]:
            return []
        rng = random.Random(f"funds-{key}")
        low, high = FUNDS_SHARE[stage]
        first = self.clock.index(signing.data["happened_on"]) + rng.randint(10, 40)
        if first >= end or rng.random() < FUNDS_NONE[stage]:
            return []
        agreed: Decimal = signing.data["agreed_amount"]
        parts = rng.randint(1, 4)
        days = sorted(rng.randint(first, end) for _ in range(parts))
        share = rng.uniform(low, high) / parts
        return [Step(self.clock.at(day, 11, 0), "funds", staff, {
            "amount": max(Decimal("1.00"), (agreed * Decimal(str(round(share, 4))))
                          .quantize(Decimal("0.01"), ROUND_HALF_UP)),
            "on_date": self.clock.day(day),
            "note": rng.choice(data.FUNDS_NOTES) if number == 0 else f"第{number + 1}笔资金到位",
        }) for number, day in enumerate(days)]

    def plan_text(self, fields: dict[str, Any], words: dict[str, str]) -> str:
        return (
            "一个项目、一名领导、一套班子、一套方案、一抓到底。\n"
            f"1. 专班每周调度一次，{words['county']}投资促进中心负责日常对接；\n"
            "2. 前期手续实行全程代办，立项、用地、环评并联办理；\n"
            f"3. 要素保障：用地约{fields['land_mu']}亩，由自然资源部门牵头落实；\n"
            "4. 每月向市投资促进中心报送进展，纳入督查通报。"
        )

    def activity(self, day: int, hour: int, actor: str, template: tuple[str, str],
                 words: dict[str, Any], phase: str, *, participants: list[str],
                 next_step: bool, leader: str | None, minute: int | None = None) -> Step:
        rng = self.rng
        kind, text = template
        minute = rng.randint(0, 59) if minute is None else minute
        filled = dict(words)
        filled.setdefault("leader", self.leader_words(leader) if leader else "分管领导")
        filled.update({
            "pct": rng.choice([30, 45, 60, 75, 85, 90]), "n": rng.choice([20, 30, 50, 80]),
            "loan": fmt_amount(money(float(words.get("amount_value", 20000)) *
                                     rng.uniform(0.1, 0.3), 100)),
            "done": fmt_amount(money(float(words.get("amount_value", 20000)) *
                                     rng.uniform(0.2, 0.7), 100)),
            "workers": rng.choice([60, 120, 200, 350]),
            "month": (self.clock.day(day) + timedelta(days=rng.randint(20, 90))).month,
            "concern": rng.choice(texts.CONCERNS), "problem": rng.choice(texts.PROBLEMS),
        })
        if leader and "{leader}" in text and leader not in participants:
            participants = [*participants, leader]
        payload: dict[str, Any] = {
            "kind": kind,
            "summary": text.format_map(filled),
            "participants": participants,
            "other_participants": None,
            "next_step": None,
            "next_due_days": None,
        }
        if kind in ("visit_in", "visit_out", "meeting", "signing_ceremony") and \
                rng.random() < 0.7:
            others = [f"投资方：{words['contact_full']}"]
            if kind in ("meeting", "visit_in") and rng.random() < 0.5:
                others.append("、".join(rng.sample(data.ACTIVITY_OTHER_DEPARTMENTS, 2)))
            payload["other_participants"] = "；".join(others)
        if next_step and rng.random() < 0.85:
            payload["next_step"] = rng.choice(texts.NEXT_STEPS[phase]).format_map(filled)
            payload["next_due_days"] = rng.randint(3, 21)
        return Step(self.clock.at(day, hour, minute), "activity", actor, payload)

    def follow_ups(self, plan: ProjectPlan, words: dict[str, str], start: int, end: int,
                   status: str, target: str, moves: list[tuple[int, str, str]],
                   status_steps: list[tuple[int, str, dict[str, Any]]],
                   pause_window: tuple[int, int] | None, leader_on: Any, staff: str) -> None:
        rng = self.rng
        last_event = max([start] + [d for d, _k, _s in moves] + [d for d, _a, _p in status_steps])
        # How recently the project was followed up: most this week, some stalled.
        if status == "terminated":
            last = end
        else:
            recency = rng.random()
            if recency < 0.58:
                last = LAST_DAY - rng.randint(0, 6)
            elif recency < 0.8:
                last = LAST_DAY - rng.randint(15, 29)
            else:
                last = LAST_DAY - rng.randint(31, 120)
            last = max(last, last_event)
        fixed = [s for s in plan.steps if s.action == "activity"
                 and not s.data["summary"].startswith(words["inv"] + "书面函告")]
        wanted = min(12, max(4, 3 + RANK[target] + rng.randint(0, 3)))
        excess = len(fixed) - max(0, wanted - 2)
        if excess > 0:
            dropped = {id(s) for s in rng.sample(fixed, excess)}
            plan.steps = [s for s in plan.steps if id(s) not in dropped]
        count = wanted - sum(1 for s in plan.steps if s.action == "activity")
        first = self.activity(start, 10, staff, rng.choice(texts.FIRST_TEXTS), words, "contact",
                              participants=[staff], next_step=True, leader=None)
        plan.steps.append(first)
        if status == "terminated":
            # The termination notice is the last follow-up; the others come before it.
            days = sorted(rng.randint(start, max(start, last - 1)) for _ in range(count - 1))
        else:
            days = sorted(rng.randint(start, last) for _ in range(max(0, count - 2)))
            days.append(last)
        used: set[str] = set()
        for day in days:
            day = self.clock.workday(day, start, last - 1 if status == "terminated" else last)
            stage = stage_on(moves, day)
            paused = pause_window is not None and pause_window[0] <= day < pause_window[1]
            leader = leader_on(day)
            pool = texts.PAUSED_TEXTS if paused else [
                t for t in texts.STAGE_TEXTS[stage] if leader or "{leader}" not in t[1]]
            fresh = [t for t in pool if t[1] not in used] or pool
            template = rng.choice(fresh)
            used.add(template[1])
            participants = [staff]
            if leader and template[0] in ("visit_out", "meeting") and rng.random() < 0.4:
                participants.append(leader)
            hour = rng.choice([10, 11, 14, 15])
            author = staff
            if leader and rng.random() < 0.04:
                author = leader
            plan.steps.append(self.activity(
                day, hour, author, template, words, "paused" if paused else stage,
                participants=participants, next_step=status != "terminated" or day < end,
                leader=leader))
        self.set_last_due(plan, status, last)

    def set_last_due(self, plan: ProjectPlan, status: str, last: int) -> None:
        """The newest follow-up's next step: due today, this week, later, or overdue."""
        rng = self.rng
        activities = sorted((s for s in plan.steps if s.action == "activity"),
                            key=lambda s: s.at)
        for step in activities:
            if step.data["next_due_days"] is not None:
                day = (step.at.astimezone(self.clock.tz).date() - self.clock.first_day).days
                step.data["next_due_on"] = self.clock.day(day + step.data["next_due_days"])
            else:
                step.data["next_due_on"] = None
            del step.data["next_due_days"]
        newest = activities[-1]
        if status == "terminated":
            newest.data["next_step"] = None
            newest.data["next_due_on"] = None
            return
        if newest.data["next_step"] is None:
            return
        if last >= LAST_DAY - 6:
            roll = rng.random()
            if roll < 0.14:
                due = TODAY
            elif roll < 0.45:
                due = TODAY + rng.randint(1, 6)
            elif roll < 0.85:
                due = TODAY + rng.randint(7, 30)
            else:
                due = max(last, TODAY - rng.randint(1, 5))
        else:
            due = min(TODAY - 1, last + rng.randint(3, 14))
        newest.data["next_due_on"] = self.clock.day(due)


def stage_on(moves: list[tuple[int, str, str]], day: int) -> str:
    """The stage a project is at on `day`, from its moves."""
    stage = "contact"
    for d, _kind, s in moves:
        if d <= day:
            stage = s
    return stage


# --- the whole data set ------------------------------------------------------------------

def funnel(total: int) -> list[str]:
    weights = data.STAGE_WEIGHTS
    scale = total / sum(weights.values())
    counts = {s: max(10, round(weights[s] * scale)) for s in STAGES}
    counts["contact"] += total - sum(counts.values())
    return [s for s in STAGES for _ in range(counts[s])]


def build_plan(rng: random.Random, lookups: Lookups, today: date, tz: ZoneInfo) -> DemoPlan:
    clock = Clock(today, tz)
    planner = Planner(rng, lookups, clock)
    users = build_users(rng)

    stages = funnel(BASE_PROJECTS)
    rng.shuffle(stages)
    indexes = list(range(BASE_PROJECTS))
    early = [i for i in indexes if RANK[stages[i]] <= RANK["contract"]]
    terminated = set(rng.sample(early, TERMINATED))
    not_done = [i for i in indexes if stages[i] != "achieved" and i not in terminated]
    paused = rng.sample(not_done, PAUSED_STILL + PAUSED_RESUMED)
    status = dict.fromkeys(indexes, "active")
    for i in terminated:
        status[i] = "terminated"
    for n, i in enumerate(paused):
        status[i] = "paused" if n < PAUSED_STILL else "resumed"
    later = [i for i in indexes if RANK[stages[i]] >= RANK["signed"]]
    backs = set(rng.sample(later, MOVE_BACKS))
    with_leader = [i for i in indexes if RANK[stages[i]] >= RANK["intent"]]
    reassigned = set(rng.sample(with_leader, REASSIGNMENTS))
    # Every termination reason appears; losing the project to another city the most.
    reasons = ["lost_to_other_city", "investor_withdrew", "policy", "land", "other",
               "lost_to_other_city", "investor_withdrew"]
    termination = {i: reasons[n % len(reasons)] for n, i in enumerate(sorted(terminated))}

    projects: list[ProjectPlan] = []
    words_of: dict[int, dict[str, str]] = {}
    n_chains, n_counties = len(lookups.chains), len(lookups.counties)
    for i in indexes:
        # The first projects cover every chain, then every county twice; every region and
        # method is covered by the first ones too.
        if i < n_chains:
            chain = lookups.chains[i]
            county = planner.county_for(chain)
        elif i < n_chains + 2 * n_counties:
            county = lookups.counties[(i - n_chains) % n_counties]
            chain = planner.chain_for(county)
        else:
            chain = planner.chain_for()
            county = planner.county_for(chain)
        region = lookups.regions[i % len(lookups.regions)] if i < 3 * len(lookups.regions) \
            else weighted(rng, {r: data.REGION_WEIGHTS.get(r, 3) for r in lookups.regions})
        method = lookups.methods[i % len(lookups.methods)] if i < 2 * len(lookups.methods) \
            else None
        plan, words = planner.plan_project(i, stages[i], status[i], i in backs, i in reassigned,
                                           chain, county, region, method,
                                           termination_code=termination.get(i, "other"))
        projects.append(plan)
        words_of[i] = words

    # Second phases and capital increases of investors whose first project has a contract.
    candidates = [
        p for p in projects
        if status[p.key] == "active" and any(
            s.action == "advance" and s.data["to_stage"] in ("contract", "groundbreaking",
                                                              "production", "achieved")
            and (s.at.astimezone(tz).date() - clock.first_day).days <= LAST_DAY - 120
            for s in p.steps)
    ]
    for n, base in enumerate(rng.sample(candidates, min(FOLLOW_ON_PROJECTS, len(candidates)))):
        contract_day = min((s.at.astimezone(tz).date() - clock.first_day).days
                           for s in base.steps if s.action == "advance"
                           and RANK[s.data["to_stage"]] >= RANK["contract"])
        lo = min(LAST_DAY - 60, contract_day + rng.randint(20, 120))
        target = rng.choice(["contact", "contact", "intent", "intent", "signed"])
        key = BASE_PROJECTS + n
        plan, words = planner.plan_project(
            key, target, "active", False, False, base.fields["chain"], base.fields["county"],
            base.fields["region"], base.fields["method"], lo=lo, base=base,
            base_words=words_of[base.key])
        projects.append(plan)

    projects.sort(key=lambda p: (p.created_at, p.key))
    number_documents(projects, tz)
    return DemoPlan(users=users, projects=projects)


def number_documents(projects: list[ProjectPlan], tz: ZoneInfo) -> None:
    """Agreement and contract numbers in date order per year: LFXY-2025-031, LFHT-2025-017."""
    moves = sorted(((s.at, p.key, s) for p in projects for s in p.steps
                    if s.action == "advance"), key=lambda m: (m[0], m[1]))
    counters: dict[tuple[str, int], int] = {}
    for at, _key, step in moves:
        year = at.astimezone(tz).year
        for field_name, prefix in (("agreement_no", "LFXY"), ("contract_no", "LFHT")):
            if field_name in step.data:
                counters[(prefix, year)] = counters.get((prefix, year), 0) + 1
                step.data[field_name] = f"{prefix}-{year}-{counters[(prefix, year)]:03d}"
