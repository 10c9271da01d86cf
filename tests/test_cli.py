"""The `zhaoshang` command line, run in-process against a throw-away SQLite file."""

import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from app import cli
from app.accounts.models import User
from app.accounts.service import user_roles, verify_password
from app.db import session_scope
from tests.conftest import invoke, production_env, reset_cached_settings


@pytest.fixture
def cli_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Points the app's settings (and so the CLI) at a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    reset_cached_settings()
    yield url
    reset_cached_settings()


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(cli.alembic_config(url)).get_current_head() or ""


def test_db_upgrade_takes_an_empty_database_to_head(cli_database_url: str) -> None:
    head = head_revision(cli_database_url)
    assert invoke("db", "current").stdout.strip() == "base (no migrations applied)"

    upgraded = invoke("db", "upgrade")

    assert upgraded.exit_code == 0, upgraded.output
    assert f"to {head} (head)" in upgraded.stdout
    current = invoke("db", "current")
    assert current.exit_code == 0
    assert current.stdout.strip() == f"{head} (head)"
    assert "already at" in invoke("db", "upgrade").stdout


def test_db_downgrade_takes_one_step_back_by_default(cli_database_url: str) -> None:
    assert invoke("db", "upgrade").exit_code == 0

    downgraded = invoke("db", "downgrade")

    assert downgraded.exit_code == 0, downgraded.output
    current = invoke("db", "current").stdout.strip()
    assert current != f"{head_revision(cli_database_url)} (head)"
    assert current != "base (no migrations applied)"
    assert invoke("db", "downgrade", "base").exit_code == 0
    assert invoke("db", "current").stdout.strip() == "base (no migrations applied)"


def test_db_downgrade_to_an_unknown_revision_fails_without_traceback(cli_database_url: str) -> None:
    result = invoke("db", "downgrade", "nonexistent")

    assert result.exit_code == 1
    assert "nonexistent" in result.stderr
    assert "Traceback" not in result.output


def test_user_create_adds_a_user_with_roles_county_and_password(cli_database_url: str) -> None:
    assert invoke("db", "upgrade").exit_code == 0

    result = invoke(
        "user",
        "create",
        "wangwei",
        "--name",
        "王伟",
        "--role",
        "staff",
        "--role",
        "leader",
        "--county",
        "yaodu",
        "--password",
        "S3cret-pass-2026",
    )

    assert result.exit_code == 0, result.output
    assert "wangwei" in result.stdout
    with session_scope(write=False) as session:
        user = session.scalars(sa.select(User).where(User.username == "wangwei")).one()
        assert user.display_name == "王伟"
        assert user.county_code == "yaodu"
        assert verify_password(user.password_hash, "S3cret-pass-2026")
        assert user_roles(session, user.id) == {"staff", "leader"}


def test_user_create_refuses_a_taken_username_without_traceback(cli_database_url: str) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    first = invoke(
        "user",
        "create",
        "wangwei",
        "--name",
        "王伟",
        "--role",
        "staff",
        "--password",
        "S3cret-pass-2026",
    )
    assert first.exit_code == 0, first.output

    again = invoke(
        "user",
        "create",
        "wangwei",
        "--name",
        "另一个王伟",
        "--role",
        "leader",
        "--password",
        "other-pass",
    )

    assert again.exit_code == 1
    assert "wangwei" in again.stderr
    assert "Traceback" not in again.output
    assert isinstance(again.exception, SystemExit)
    with session_scope(write=False) as session:
        names = session.scalars(sa.select(User.display_name)).all()
    assert names == ["王伟"]


def test_user_create_without_password_or_terminal_fails(cli_database_url: str) -> None:
    assert invoke("db", "upgrade").exit_code == 0

    result = invoke("user", "create", "wangwei", "--name", "王伟", "--role", "staff")

    assert result.exit_code == 1
    assert "--password" in result.stderr
    with session_scope(write=False) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


class FakeDemo:
    def __init__(self, projects: int, users: int) -> None:
        self.calls = 0
        self.summary = types.SimpleNamespace(
            projects=projects, users=users, demo_username="demo", demo_password="demo-pass"
        )

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        module = types.ModuleType("app.demo")
        module.load_demo = self.load_demo  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "app.demo", module)

    def load_demo(self, session: Any,
                  progress: Callable[[int, int], None] | None = None) -> types.SimpleNamespace:
        self.calls += 1
        if progress is not None:
            for done in range(self.summary.projects + 1):
                progress(done, self.summary.projects)
        return self.summary


def test_serve_migrates_loads_the_demo_and_runs_the_app_factory(
    cli_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = FakeDemo(projects=40, users=12)
    demo.install(monkeypatch)
    served: dict[str, Any] = {}
    monkeypatch.setattr(
        cli.uvicorn, "run", lambda target, **options: served.update(target=target, **options)
    )

    result = invoke("serve", "--port", "8123", "--demo")

    assert result.exit_code == 0, result.output
    assert demo.calls == 1
    assert "http://127.0.0.1:8123" in result.stdout
    assert "demo / demo-pass" in result.stdout
    assert served == {
        "target": "app.main:create_app",
        "factory": True,
        "host": "127.0.0.1",
        "port": 8123,
        "workers": 1,
        "server_header": False,
    }
    assert invoke("db", "current").stdout.strip() == f"{head_revision(cli_database_url)} (head)"


def test_serve_demo_shows_progress_while_the_demo_loads(
    cli_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeDemo(projects=40, users=12).install(monkeypatch)
    monkeypatch.setattr(cli.uvicorn, "run", lambda target, **options: None)

    result = invoke("serve", "--demo")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    progress = [line for line in lines if line.startswith("Loading demo data:")]
    # From the start, at every tenth, before the summary and the address.
    assert progress == [f"Loading demo data: {done}/40 projects" for done in range(0, 41, 4)]
    assert lines.index(progress[-1]) < lines.index("Loaded demo data: 40 projects, 12 users.")


def test_serve_without_demo_flag_loads_nothing(
    cli_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = FakeDemo(projects=40, users=12)
    demo.install(monkeypatch)
    monkeypatch.setattr(cli.uvicorn, "run", lambda target, **options: None)

    result = invoke("serve")

    assert result.exit_code == 0, result.output
    assert demo.calls == 0
    assert "http://127.0.0.1:8000" in result.stdout


def test_demo_load_says_so_when_the_demo_is_already_there(
    cli_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeDemo(projects=0, users=0).install(monkeypatch)
    assert invoke("db", "upgrade").exit_code == 0

    result = invoke("demo", "load")

    assert result.exit_code == 0, result.output
    assert "already there" in result.stdout


def test_serve_refuses_an_unknown_environment_listing_the_allowed_ones(
    cli_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "prod")
    reset_cached_settings()
    served: list[str] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda target, **options: served.append(target))

    result = invoke("serve")

    assert result.exit_code == 1
    assert "ENVIRONMENT: Input should be 'development', 'test' or 'production'" in result.stderr
    assert served == []


def test_serve_refuses_a_weak_production_secret_without_showing_it(
    cli_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "abcd" * 10)
    reset_cached_settings()
    monkeypatch.setattr(cli.uvicorn, "run", lambda target, **options: None)

    result = invoke("serve")

    assert result.exit_code == 1
    assert "SECRET_KEY is too easy to guess" in result.stderr
    assert "abcd" * 10 not in result.output


def test_serve_prints_what_it_checked_without_the_secret(
    cli_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = production_env()
    secret = environment["SECRET_KEY"]
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    reset_cached_settings()
    monkeypatch.setattr(cli.uvicorn, "run", lambda target, **options: None)

    result = invoke("serve")

    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[0] == "Settings checked:"
    for expected in ("environment: production", "SECRET_KEY: set, strong", "DEBUG: off",
                     "production checks passed"):
        assert expected in lines
    assert f"database: SQLite ({cli_database_url.removeprefix('sqlite:///')})" in lines
    assert secret not in result.output
