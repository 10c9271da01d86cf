"""Real-browser tests: the app served by uvicorn on a free local port, Debian's Chromium
driven by Playwright. Screenshots go to test-artifacts/browser/ for a person to look at.

They run against their own SQLite file (a live server cannot share the rolled-back test
transaction). Without Chromium they are skipped, except under CI where that is a failure.
"""

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
import uvicorn
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.permissions import Actor
from app.accounts.service import create_user, set_language
from app.config import PROJECT_ROOT
from app.db import create_db_engine, session_scope
from app.demo import DEMO_PASSWORD
from app.main import create_app, default_session_factory
from app.projects.models import InvestorContact, Project
from app.projects.schemas import InvestorIn, LeaderAssignIn
from app.projects.service import assign_leader, create_project
from app.projects.stages import Stage, Status
from tests.conftest import (
    SERVES_ON_A_PORT,
    TEST_PASSWORD,
    DemoBuild,
    alembic_config,
    project_input,
    throwaway_database,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
# A user of the demo data set with the demo user's roles whose language is English.
ENGLISH_USERNAME = "demo.en"
T = TypeVar("T")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test on one worker: one live server and one Chromium, not one each."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(SERVES_ON_A_PORT)


def seed(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")
    engine = create_db_engine(url)
    with session_scope(engine=engine) as session:
        staff = create_user(session, username="wang.fang", display_name="王芳",
                            password=TEST_PASSWORD, roles=["staff"], title="招商局科员",
                            must_change_password=False)
        leader = create_user(session, username="li.yunfeng", display_name="李云峰",
                             password=TEST_PASSWORD, roles=["leader"], title="副市长",
                             must_change_password=False)
        create_user(session, username="cui.yuanbin", display_name="崔元斌",
                    password=TEST_PASSWORD, roles=["leader"], title="市委常委",
                    must_change_password=False)
        actor = Actor.of(staff, {"staff"})
        battery = create_project(session, project_input(
            name="宁远电池项目", total_investment=Decimal("125000.00"),
            investor=InvestorIn(name="宁远新能源科技有限公司",
                                credit_code="91140100MA0K9ABC10")), actor=actor)
        assign_leader(session, battery.id, LeaderAssignIn(leader_id=leader.id),
                      expected_version=None, actor=actor)
        create_project(session, project_input(
            name="高端液压件生产线", chain="hydraulics", chain_link=None, region="csj",
            county="houma", total_investment=Decimal("8600.00"),
            investor=InvestorIn(name="江苏恒立液压股份有限公司")), actor=actor)
        create_project(session, project_input(
            name="药茶精深加工基地", chain="herbtea", chain_link=None, region="local",
            county="quwo", total_investment=Decimal("3200.00"),
            investor=InvestorIn(name="山西药茶集团有限公司")), actor=actor)
        # Moved about by the kanban test only (last: the others keep ids 1-3).
        board = create_project(session, project_input(
            name="看板风电装备项目", chain="wind", chain_link=None, region="jjj",
            total_investment=Decimal("56000.00"),
            investor=InvestorIn(name="北京看板风能装备有限公司")), actor=actor)
        assign_leader(session, board.id, LeaderAssignIn(leader_id=leader.id),
                      expected_version=None, actor=actor)
    engine.dispose()


@dataclass(frozen=True)
class DemoSite:
    url: str
    project_id: int  # active, signed or further, so most of its cards have content
    paused_project_id: int
    user_id: int  # a staff member, for the administrator's sessions page
    contact_id: int  # a contact of `project_id`'s investor, for its edit form


def seed_demo(url: str) -> DemoSite:
    """On a copy of the demo data set (conftest.demo_template): a copy of the demo user who
    reads English."""
    engine = create_db_engine(url)
    with session_scope(engine=engine) as session:
        reader = create_user(session, username=ENGLISH_USERNAME, display_name="Demo Reader",
                             password=DEMO_PASSWORD, roles=["staff", "supervisor"],
                             title="Investment promotion centre", must_change_password=False)
        set_language(session, Actor.of(reader, {"staff", "supervisor"}), "en")
        by_stage = (select(Project.id).where(Project.stage == Stage.groundbreaking)
                    .order_by(Project.id))
        project_id = session.scalar(by_stage.where(Project.status == Status.active))
        site = DemoSite(
            url="",
            project_id=project_id,
            paused_project_id=session.scalar(select(Project.id)
                                             .where(Project.status == Status.paused)
                                             .order_by(Project.id)),
            user_id=session.scalar(select(User.id).where(User.username == "wang.lei")),
            contact_id=session.scalar(
                select(InvestorContact.id)
                .join(Project, Project.investor_id == InvestorContact.investor_id)
                .where(Project.id == project_id).order_by(InvestorContact.id)))
    engine.dispose()
    return site


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_chromium()
    for url, _seeded in _serve(tmp_path_factory.mktemp("browser"), seed):
        yield url


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory,
                demo_template: DemoBuild) -> Iterator[DemoSite]:
    """A second server, on the demo data set: pages look as a bureau would see them."""
    _require_chromium()
    for url, site in _serve(tmp_path_factory.mktemp("browser-demo"), seed_demo,
                            demo_template.url):
        yield replace(site, url=url)


def _serve(folder: Path, fill: Callable[[str], T],
           template: str | None = None) -> Iterator[tuple[str, T]]:
    with throwaway_database(folder, template) as url:
        seeded = fill(url)
        engine = create_db_engine(url)
        app = create_app(session_factory=default_session_factory(engine))
        # Bound here and handed over: no gap in which another process takes the port.
        listening = socket.create_server(("127.0.0.1", 0))
        port = listening.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]},
                                  daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", seeded
        server.should_exit = True
        thread.join(timeout=10)
        listening.close()
        engine.dispose()


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server: str):
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, username: str = "wang.fang", password: str = TEST_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
