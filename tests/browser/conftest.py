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
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import uvicorn

from app.accounts.permissions import Actor
from app.accounts.service import create_user
from app.config import PROJECT_ROOT
from app.db import create_db_engine, session_scope
from app.investors.schemas import InvestorIn
from app.main import create_app, default_session_factory
from app.projects.schemas import LeaderAssignIn
from app.projects.service import assign_leader, create_project
from tests.conftest import (
    SERVES_ON_A_PORT,
    TEST_PASSWORD,
    alembic_config,
    project_input,
    throwaway_database,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
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
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    with throwaway_database(tmp_path_factory.mktemp("browser")) as url:
        seed(url)
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
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)
        listening.close()
        engine.dispose()


@pytest.fixture(scope="session")
def browser(live_server: str):
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


def sign_in(page, username: str = "wang.fang") -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
