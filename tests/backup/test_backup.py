"""`zhaoshang backup` and `zhaoshang restore`, run as a user would, on the database kind
TEST_DATABASE_URL names (SQLite by default, PostgreSQL with pg_dump / pg_restore)."""

import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401  (every table, for the counts)
from app.activities.schemas import ActivityCreate
from app.activities.service import add_activity
from app.audit.service import verify_chain
from app.backup.service import BackupError, client_tool, libpq_target, restore_backup
from app.db import create_db_engine, session_scope, utcnow
from app.main import create_app, default_session_factory
from app.projects.schemas import InvestorIn
from app.projects.service import create_project
from tests.conftest import (
    alembic_config,
    invoke,
    login,
    make_actor,
    project_input,
    reset_cached_settings,
    throwaway_database,
)


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of the kind under test: the source and the restore target."""
    with throwaway_database(tmp_path) as source, throwaway_database(tmp_path) as target:
        yield source, target
    reset_cached_settings()


def use(monkeypatch: pytest.MonkeyPatch, url: str, attachments: Path) -> None:
    """Points the settings (and so the command line) at `url` and `attachments`."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ATTACHMENTS_DIR", str(attachments))
    reset_cached_settings()


def load_some_data(url: str) -> None:
    """Users, projects, follow-ups, and the audit rows they write, committed."""
    engine = create_db_engine(url)
    with session_scope(engine=engine) as session:
        staff = make_actor(session, "wang.fang", "王芳", ["staff"])
        make_actor(session, "li.yunfeng", "李云峰", ["leader"], title="市长")
        for n in range(3):
            project = create_project(session, project_input(
                investor=InvestorIn(name=f"备份测试投资{n}有限公司")), actor=staff)
            add_activity(session, project.id, ActivityCreate(
                kind="visit_out", happened_at=utcnow() - timedelta(days=1),
                summary=f"第{n}次拜访"), actor=staff)
    engine.dispose()


def table_counts(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        counts = {table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
                  for table in SQLModel.metadata.sorted_tables}
    engine.dispose()
    return counts


def chain_of(url: str):
    engine = create_db_engine(url)
    with Session(engine) as session:
        result = verify_chain(session)
    engine.dispose()
    return result


def backed_up(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *,
              revision: str = "head", with_data: bool = True) -> Path:
    """Migrates `url` to `revision`, loads some data, runs `zhaoshang backup`; the archive."""
    command.upgrade(alembic_config(url), revision)
    if with_data:
        load_some_data(url)
    use(monkeypatch, url, tmp_path / "attachments")
    out = tmp_path / "backups"
    result = invoke("backup", "--out", str(out))
    assert result.exit_code == 0, result.output
    [archive] = out.glob("zhaoshang-*.tar.gz")
    assert f"Backup written: {archive}" in result.stdout
    return archive


def test_a_restored_backup_has_the_same_data_a_verifying_chain_and_a_working_login(
        databases, tmp_path, monkeypatch):
    source, target = databases
    attachments = tmp_path / "attachments"
    (attachments / "project-1").mkdir(parents=True)
    (attachments / "project-1" / "意向书.pdf").write_bytes(b"%PDF-1.7 test")

    archive = backed_up(source, tmp_path, monkeypatch)

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # password hashes inside
    restored_attachments = tmp_path / "restored-attachments"
    use(monkeypatch, target, restored_attachments)
    restored = invoke("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "attachment files: 1" in restored.stdout

    before, after = table_counts(source), table_counts(target)
    assert after == before
    assert before["app_user"] == 2 and before["project"] == 3 and before["activity"] == 3
    assert before["audit_event"] >= 8
    source_chain, target_chain = chain_of(source), chain_of(target)
    assert target_chain.ok and target_chain.checked == before["audit_event"]
    assert target_chain.head_hash == source_chain.head_hash
    assert (restored_attachments / "project-1" / "意向书.pdf").read_bytes() == b"%PDF-1.7 test"

    engine = create_db_engine(target)
    try:
        with TestClient(create_app(default_session_factory(engine))) as client:
            assert login(client, "wang.fang").status_code == 303
            assert client.get("/account").status_code == 200
            assert login(client, "wang.fang", "wrong-password").status_code != 303
    finally:
        engine.dispose()
    # Signing in wrote new rows after the restored ones (sequences came back too).
    assert chain_of(target).checked > before["audit_event"]


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
        databases, tmp_path, monkeypatch):
    source, _target = databases
    archive = backed_up(source, tmp_path, monkeypatch)
    engine = create_db_engine(source)
    with session_scope(engine=engine) as session:
        make_actor(session, "added.later", "后加的", ["staff"])
    engine.dispose()

    refused = invoke("restore", str(archive))

    assert refused.exit_code == 1
    assert "Not restored: the database has" in refused.stderr
    assert "--force" in refused.stderr
    assert table_counts(source)["app_user"] == 3
    forced = invoke("restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert table_counts(source)["app_user"] == 2
    assert chain_of(source).ok


def test_an_older_backup_is_migrated_to_head_on_restore(databases, tmp_path, monkeypatch):
    source, target = databases
    scripts = ScriptDirectory.from_config(alembic_config(source))
    head = scripts.get_current_head()
    older = scripts.get_revision(head).down_revision
    archive = backed_up(source, tmp_path, monkeypatch, revision=older, with_data=False)

    use(monkeypatch, target, tmp_path / "attachments")
    restored = invoke("restore", str(archive))

    assert restored.exit_code == 0, restored.output
    assert f"Database upgraded from {older} to {head} (head)." in restored.stdout
    assert invoke("db", "current").stdout.strip() == f"{head} (head)"


def test_a_backup_of_one_database_kind_is_not_restored_into_the_other(
        databases, tmp_path, monkeypatch):
    source, _target = databases
    archive = backed_up(source, tmp_path, monkeypatch, with_data=False)
    other = ("postgresql://nobody@127.0.0.1:1/none" if source.startswith("sqlite")
             else f"sqlite:///{tmp_path / 'other.db'}")
    use(monkeypatch, other, tmp_path / "attachments")

    refused = invoke("restore", str(archive))

    assert refused.exit_code == 1
    assert "restore it into the same kind of database" in refused.stderr


def test_a_file_that_is_not_a_backup_is_refused(tmp_path, monkeypatch):
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_text("hello")
    use(monkeypatch, f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "attachments")

    refused = invoke("restore", str(not_a_backup))

    assert refused.exit_code == 1
    assert "is not a readable backup archive" in refused.stderr
    assert "Traceback" not in refused.output


def fake_tool(folder: Path, name: str, version_line: str) -> None:
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    script.chmod(0o755)


def test_a_missing_pg_dump_is_named_with_the_package_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match=r"pg_dump was not found on PATH\. Install the "
                       r"PostgreSQL 16 client tools .*postgresql-client-16"):
        client_tool("pg_dump", 16)


def test_a_pg_dump_of_another_major_version_is_refused(tmp_path, monkeypatch):
    fake_tool(tmp_path / "bin", "pg_dump", "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(BackupError, match=r"pg_dump is version 15\.20 but the server runs "
                       r"PostgreSQL 16"):
        client_tool("pg_dump", 16)
    assert client_tool("pg_dump", 15) == str(tmp_path / "bin" / "pg_dump")


def test_the_database_password_stays_off_the_command_line():
    conninfo, env = libpq_target("postgresql+psycopg://zs:s3cret@db.internal:5432/zhaoshang")
    assert conninfo == "postgresql://zs@db.internal:5432/zhaoshang"
    assert env["PGPASSWORD"] == "s3cret"


def test_a_backup_from_a_newer_version_is_refused_before_anything_changes(
        databases, tmp_path, monkeypatch):
    source, target = databases
    archive = backed_up(source, tmp_path, monkeypatch, with_data=False)
    head = ScriptDirectory.from_config(alembic_config(source)).get_current_head()

    with pytest.raises(BackupError, match=f"newer version of zhaoshang .*{head}"):
        restore_backup(target, tmp_path / "attachments", archive,
                       known_revisions={"82c1eb46467f"})

    engine = create_db_engine(target)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
