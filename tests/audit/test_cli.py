"""`zhaoshang audit verify`, run in-process against a throw-away SQLite file."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from typer.testing import CliRunner

from app.accounts.permissions import Actor
from app.audit.cli import audit_app
from app.audit.models import AuditAction
from app.audit.service import record
from app.config import get_settings
from app.db import get_engine, session_scope
from tests.conftest import alembic_config

runner = CliRunner()


def reset_cached_settings() -> None:
    get_settings.cache_clear()
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "audit-cli.db"
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "head")
    monkeypatch.setenv("DATABASE_URL", url)
    reset_cached_settings()
    yield path
    reset_cached_settings()


def record_three() -> None:
    actor = Actor.system("cli-test")
    with session_scope() as session:
        for action in (AuditAction.project_create, AuditAction.project_update,
                       AuditAction.export):
            record(session, actor, action, object_type="project", object_id=1)


def test_verify_passes_on_an_empty_trail(db_path):
    result = runner.invoke(audit_app, ["verify"])

    assert result.exit_code == 0, result.output
    assert "OK: 0 rows, chain intact" in result.stdout


def test_verify_exits_0_on_an_intact_chain(db_path):
    record_three()

    result = runner.invoke(audit_app, ["verify"])

    assert result.exit_code == 0, result.output
    assert "OK: 3 rows, chain intact" in result.stdout
    assert "Head hash: " in result.stdout


def test_verify_exits_1_naming_the_changed_row(db_path):
    record_three()
    with sqlite3.connect(db_path) as connection:
        connection.execute("DROP TRIGGER audit_event_no_update")
        connection.execute("UPDATE audit_event SET detail = 'edited' WHERE id = 2")
    connection.close()

    result = runner.invoke(audit_app, ["verify"])

    assert result.exit_code == 1
    assert "BROKEN at row 2:" in result.stdout
