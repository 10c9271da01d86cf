"""Test database: migrated once per worker with `alembic upgrade head`; each test rolls back.

TEST_DATABASE_URL picks the database (default: a temporary SQLite file). For PostgreSQL a
throw-away database is created beside the one named and dropped at the end.

pytest-xdist runs the suite on one worker per core (`-n auto` in pyproject.toml). Session
fixtures are per worker: each worker migrates one template database and copies it for the
databases its tests need (SQLite: the file; PostgreSQL: CREATE DATABASE ... TEMPLATE).
Tests that must share one worker carry `pytest.mark.xdist_group(name)`.
"""

import json
import os
import re
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session
from typer.testing import CliRunner, Result

from app.accounts.permissions import Actor
from app.accounts.service import create_user
from app.clients.service import SCOPES, create_client
from app.config import PROJECT_ROOT, Settings
from app.crypto import new_key_entry
from app.db import create_db_engine
from app.projects.schemas import InvestorIn, ProjectCreate
from app.projects.service import create_project
from app.projects.stages import STAGE_ORDER, Stage

TEST_PASSWORD = "Test-pass-2026"
ALL_SCOPES = list(SCOPES)
# Tests that serve on a local port run on one worker, one after the other: no two probe
# for a free port at once, and one live server and one Chromium are enough. Tests that read
# a copy of the demo data set run there too (the browser's demo server is one), so the
# demo is built once.
SERVES_ON_A_PORT = USES_THE_DEMO = pytest.mark.xdist_group("demo_and_live_servers")


def production_env() -> dict[str, str]:
    """Every setting production requires, as environment variables, with fresh secrets."""
    return {"ENVIRONMENT": "production", "SECRET_KEY": secrets.token_urlsafe(48),
            "AUDIT_KEY": secrets.token_urlsafe(48), "DATA_KEYS": new_key_entry("k1")}


def production_settings(**overrides: Any) -> Settings:
    """Production settings that start, but for what `overrides` changes."""
    values: dict[str, Any] = {k.lower(): v for k, v in production_env().items()}
    return Settings(**{**values, **overrides})


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


@contextmanager
def throwaway_database(folder: Path, template: str | None = None) -> Iterator[str]:
    """A database of the kind TEST_DATABASE_URL names (default: SQLite in `folder`), empty or
    a copy of `template` (a database nothing is connected to); on PostgreSQL created beside
    the one named and dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or base.startswith("sqlite"):
        path = folder / f"test-{uuid.uuid4().hex[:8]}.db"
        if template:
            with closing(sqlite3.connect(make_url(template).database)) as source, \
                    closing(sqlite3.connect(path)) as copy:
                source.backup(copy)
        yield f"sqlite:///{path}"
        return
    name = f"zs_test_{uuid.uuid4().hex[:10]}"
    copy_of = f' TEMPLATE "{make_url(template).database}"' if template else ""
    admin = create_db_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy_of}')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind under test, for tests that migrate it themselves."""
    with throwaway_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at head, migrated once per worker and only ever copied."""
    with throwaway_database(tmp_path_factory.mktemp("template")) as url:
        command.upgrade(alembic_config(url), "head")
        yield url


@dataclass
class DemoBuild:
    url: str
    summary: Any  # app.demo.DemoSummary
    password_hashes: int  # argon2 hashes made while loading
    progress: list[tuple[int, int]]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory,
                  migrated_template: str) -> Iterator[DemoBuild]:
    """A database holding the demo data set, committed, and what loading it did: built once
    per worker (it is the suite's costliest setup) and only ever copied (`USES_THE_DEMO`)."""
    from argon2 import PasswordHasher

    from app.db import session_scope
    from app.demo import load_demo

    hashed: list[str] = []
    progress: list[tuple[int, int]] = []
    real_hash = PasswordHasher.hash

    def counted_hash(hasher: PasswordHasher, password: str | bytes, **options: Any) -> str:
        hashed.append(str(password))
        return real_hash(hasher, password, **options)

    with throwaway_database(tmp_path_factory.mktemp("demo"), migrated_template) as url:
        engine = create_db_engine(url)
        with session_scope(engine=engine) as session, pytest.MonkeyPatch.context() as patch:
            patch.setattr(PasswordHasher, "hash", counted_hash)
            summary = load_demo(session, progress=lambda done, total:
                                progress.append((done, total)))
        engine.dispose()
        yield DemoBuild(url, summary, len(hashed), progress)


@pytest.fixture
def demo_database(tmp_path: Path, demo_template: DemoBuild) -> Iterator[str]:
    """A copy of the demo database that a test may change as it likes."""
    with throwaway_database(tmp_path, demo_template.url) as url:
        yield url


@pytest.fixture
def fresh_engine(tmp_path: Path, migrated_template: str) -> Iterator[Engine]:
    """A migrated database of its own whose transactions really commit, for races: the
    rolled-back test connection is one connection and cannot show one."""
    with throwaway_database(tmp_path, migrated_template) as url:
        engine = create_db_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def live_app(fresh_engine: Engine):
    """The app as it runs: the default session factory on `fresh_engine`, one real
    transaction per request."""
    from app.main import create_app, default_session_factory

    return create_app(session_factory=default_session_factory(fresh_engine))


def race(workers: int, task: Callable[[int], Any]) -> list[Any]:
    """task(0) ... task(workers - 1) in threads released together; their results in order.
    Each thread should use its own TestClient: each request then runs on its own event
    loop, so requests really overlap."""
    start = threading.Barrier(workers)

    def run(n: int) -> Any:
        start.wait()
        return task(n)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(workers)))


def agency_token(engine: Engine) -> str:
    """A committed city-wide agency client with every scope and room for bursts."""
    from app.db import session_scope

    with session_scope(engine=engine) as session:
        return create_client(session, Actor.system("test"), name=f"客户端{uuid.uuid4().hex[:6]}",
                             scopes=ALL_SCOPES, rate_limit_per_minute=100_000).token


def live_client(app: Any) -> TestClient:
    """A client for one racing thread: no lifespan, and a crash is an answer (500) to count,
    not an exception."""
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, migrated_template: str) -> Iterator[str]:
    with throwaway_database(tmp_path_factory.mktemp("db"), migrated_template) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[sa.Connection]:
    """One connection per test inside an outer transaction, rolled back at the end."""
    connection = engine.connect()
    transaction = connection.begin()
    yield connection
    transaction.rollback()
    connection.close()


def _joined_session(connection: sa.Connection) -> Session:
    # Code under test may commit: that only releases a savepoint of the outer transaction.
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    if connection.dialect.name == "postgresql":
        # In the app each unit of work is a transaction of its own, whose first write raises
        # the data version once (the trigger marks the transaction); here they are
        # savepoints of one transaction, so each starts by forgetting the mark.
        @sa.event.listens_for(session, "after_begin")
        def new_unit_of_work(session: Session, transaction: Any, conn: sa.Connection) -> None:
            conn.exec_driver_sql(
                "SELECT set_config('zhaoshang.data_version_bumped', '', true)")
    return session


@pytest.fixture
def session(connection: sa.Connection) -> Iterator[Session]:
    with _joined_session(connection) as session:
        yield session


@pytest.fixture
def app(connection: sa.Connection):
    from app.main import create_app

    return create_app(session_factory=lambda write: _joined_session(connection))


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def csrf_of(client: TestClient, path: str = "/account") -> str:
    """The session's CSRF token, as a page carries it in its meta tag."""
    html = client.get(path).text
    match = re.search(r'name="csrf-token" content="([^"]*)"', html)
    assert match, "no CSRF meta tag on " + path
    return match.group(1)


def login(client: TestClient, username: str, password: str = TEST_PASSWORD,
          follow_redirects: bool = False):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, "next": "/account"},
                       follow_redirects=follow_redirects)


@pytest.fixture
def signed_in(client: TestClient, session: Session):
    """Returns a function: create a user with roles, sign them in, return (client, actor)."""

    def sign_in(username: str = "zhang.wei", roles: list[str] | None = None,
                county_code: str | None = None) -> Actor:
        roles = roles or ["staff"]
        user = create_user(session, username=username, display_name="张伟",
                           password=TEST_PASSWORD, roles=roles, county_code=county_code,
                           must_change_password=False)
        session.commit()
        response = login(client, username)
        assert response.status_code == 303, response.text
        return Actor.of(user, set(roles))

    return sign_in


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
def client_token(session: Session) -> Callable[..., str]:
    """Returns a function: create an agency client, commit, return its token (API tests,
    and pages tests that compare what the API shows)."""
    counter = iter(range(1, 10_000))

    def make(scopes: list[str] | None = None, county: str | None = None,
             rate_limit: int | None = 100_000, name: str | None = None) -> str:
        new = create_client(session, Actor.system("test"),
                            name=name or f"测试客户端{next(counter)}",
                            scopes=ALL_SCOPES if scopes is None else scopes,
                            county_code=county, rate_limit_per_minute=rate_limit)
        session.commit()
        return new.token

    return make


@pytest.fixture
def token(client_token: Callable[..., str]) -> str:
    """A city-wide client with every scope."""
    return client_token()


def new_project(**overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/projects."""
    body: dict[str, Any] = {
        "name": "年产5GW光伏组件项目", "investor": {"name": "江苏光能科技有限公司"},
        "category": "industrial", "chain": "pv", "region": "csj", "method": "by_chain",
        "county": "yaodu", "total_investment": "12500.00",
    }
    body.update(overrides)
    return body


def count(session: Session, table: Any, *where: Any) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0


def snapshot(session: Session, project: Any) -> tuple:
    """What a refused change must leave as it was: the project's state and its rows."""
    from app.activities.models import Activity
    from app.projects.models import LeaderAssignment, StageEvent, StatusChange, TeamMember

    session.refresh(project)
    return (project.stage, project.status, project.leader_id, project.version,
            *(count(session, table, table.project_id == project.id) for table in
              (StageEvent, StatusChange, LeaderAssignment, Activity, TeamMember)))


def make_actor(session: Session, username: str, name: str, roles: list[str],
               county_code: str | None = None, title: str | None = None) -> Actor:
    user = create_user(session, username=username, display_name=name, password=TEST_PASSWORD,
                       roles=roles, county_code=county_code, title=title,
                       must_change_password=False)
    return Actor.of(user, set(roles))


@pytest.fixture
def staff(session: Session) -> Actor:
    """City-level staff: may work on every county's projects."""
    return make_actor(session, "wang.fang", "王芳", ["staff"])


@pytest.fixture
def county_staff(session: Session) -> Actor:
    return make_actor(session, "zhao.lei", "赵磊", ["staff"], county_code="houma")


@pytest.fixture
def leader(session: Session) -> Actor:
    return make_actor(session, "li.yunfeng", "李云峰", ["leader"], title="市长")


@pytest.fixture
def other_leader(session: Session) -> Actor:
    return make_actor(session, "cui.yuanbin", "崔元斌", ["leader"], title="副市长")


@pytest.fixture
def admin(session: Session) -> Actor:
    return make_actor(session, "admin", "管理员", ["admin"])


@pytest.fixture
def supervisor(session: Session) -> Actor:
    """督查: sets the targets and warning rules (the administrator manages accounts only)."""
    return make_actor(session, "du.juan", "杜娟", ["supervisor"])


def project_input(**overrides: Any) -> ProjectCreate:
    data: dict[str, Any] = {
        "name": "年产10万吨针状焦项目",
        "investor": InvestorIn(name="山西宏达碳素科技有限公司",
                               credit_code="91140100MA0K9ABC10"),
        "category": "industrial",
        "chain": "carbon",
        "chain_link": "carbon.pitch",
        "region": "jjj",
        "method": "by_chain",
        "county": "yaodu",
        "total_investment": Decimal("125000.50"),
    }
    data.update(overrides)
    return ProjectCreate.model_validate(data)


@pytest.fixture
def make_project(session: Session, staff: Actor):
    counter = iter(range(1, 10_000))

    def make(**overrides: Any):
        if "investor" not in overrides:
            n = next(counter)
            overrides["investor"] = InvestorIn(name=f"测试投资{n:04d}有限公司")
        return create_project(session, project_input(**overrides), actor=staff)

    return make


FROZEN_NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
def statements(engine: Engine):
    """Counts SQL statements sent while the test runs: `with statements() as counted:`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counted: list[str] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            counted.append(statement)

        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield counted
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return counting


def bulk_projects(session: Session, n: int, *, county: str = "yaodu",
                  stage: str = "contact") -> None:
    """n plain projects inserted in two statements, for size-independence tests."""
    from app.projects.models import Investor, Project

    now = datetime.now(UTC)
    reached = STAGE_ORDER[:Stage(stage).rank]
    milestones = {f"reached_{s.value}_on": now.date() for s in reached}
    start = session.scalar(sa.select(sa.func.count()).select_from(Investor)) or 0
    investor_ids = session.scalars(
        sa.insert(Investor).returning(Investor.id, sort_by_parameter_order=True),
        [{"name": f"批量投资方{start + i}", "normalized_name": f"批量投资方{start + i}",
          "created_at": now} for i in range(n)]).all()
    session.execute(sa.insert(Project), [
        {"code": f"BULK-{start + i:06d}", "name": f"批量项目{start + i}",
         "investor_id": investor_ids[i], "category_code": "industrial", "chain_code": "pv",
         "region_code": "csj", "method_code": "by_chain", "county_code": county,
         "total_investment": Decimal("100.00"), "stage": stage, "status": "active",
         "first_report_county_code": county, "search_text": f"批量项目{start + i}",
         "stage_entered_on": now.date(), "first_reported_at": now, "created_at": now,
         "updated_at": now, "version": 1, "is_confidential": False, **milestones}
        for i in range(n)])
    session.flush()


# --- outbound calls: a receiver on 127.0.0.1, and DNS as a test wants it ----------------

class Receiver:
    """A webhook endpoint: records every request; answers 500 to the first `fail` ones."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers.items()), "body": body,
                                          "path": self.path})
                status = 500 if receiver.fail > 0 else 204
                receiver.fail -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/zhaoshang-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def event_ids(self) -> list[str]:
        return [r["headers"]["Zhaoshang-Event-Id"] for r in self.requests]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def reset_cached_settings() -> None:
    """Forget the cached settings and engine, after changing what they are read from."""
    from app.config import get_settings
    from app.db import get_engine

    get_settings.cache_clear()
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


def invoke(*args: str) -> Result:
    """The `zhaoshang` command line, run in-process."""
    from app import cli

    return CliRunner().invoke(cli.app, list(args))


@contextmanager
def settings_env(**env: str) -> Iterator[None]:
    """Settings as if these environment variables were set (get_settings is cached)."""
    from app.config import get_settings

    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        try:
            yield
        finally:
            patch.undo()
            get_settings.cache_clear()


class FakeDns:
    """Names and their addresses for app.net.urlguard; records the names looked up."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def lookup(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError("Name or service not known")
        return self.answers[host]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    from app.net import urlguard

    fake = FakeDns()
    monkeypatch.setattr(urlguard, "lookup", fake.lookup)
    return fake
