"""Migrations against a throw-away database of the kind under test (TEST_DATABASE_URL).

These tests use a database of their own (`empty_database`, or a copy of the demo's), not
the shared one: they tear it down.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table in SQLModel.metadata)
from app.cli import alembic_config, current_revisions
from app.config import PROJECT_ROOT
from app.db import create_db_engine
from tests.conftest import USES_THE_DEMO

BEFORE_SEEDS = "82c1eb46467f"  # the revision before 5a1f0c2d9e77 seeds the lookups
LOOKUPS = ("region", "method", "category", "chain", "chain_link", "county", "zone")
SEEDED = {"region": 9, "method": 8, "category": 4, "chain": 18, "chain_link": 46,
          "county": 17, "zone": 7}


def table_names(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def scalar(url: str, sql: str) -> object:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def lookup_rows(url: str) -> dict[str, int]:
    return {table: scalar(url, f"SELECT count(*) FROM {table}") for table in LOOKUPS}


def test_migrations_go_down_to_base_and_up_again_with_seeds(empty_database: str) -> None:
    config = alembic_config(empty_database)

    command.upgrade(config, "head")
    assert lookup_rows(empty_database) == SEEDED
    command.downgrade(config, BEFORE_SEEDS)  # no row uses a code: every seeded one goes
    assert set(lookup_rows(empty_database).values()) == {0}
    command.downgrade(config, "base")
    assert table_names(empty_database) <= {"alembic_version"}

    command.upgrade(config, "head")
    assert scalar(empty_database, "SELECT name FROM region WHERE code = 'jjj'") == "京津冀"
    assert set(SQLModel.metadata.tables) <= table_names(empty_database)


@USES_THE_DEMO
def test_with_the_demo_loaded_the_seeds_go_down_and_up_keeping_the_codes_in_use(
        demo_database: str) -> None:
    config = alembic_config(demo_database)
    projects = scalar(demo_database, "SELECT count(*) FROM project")
    assert projects >= 300 and lookup_rows(demo_database) == SEEDED

    # The demo uses every seeded code, so going down keeps them all, and the projects whole.
    command.downgrade(config, BEFORE_SEEDS)
    assert lookup_rows(demo_database) == SEEDED
    assert scalar(demo_database, "SELECT count(*) FROM project") == projects
    assert scalar(demo_database, "SELECT count(*) FROM project JOIN county "
                                 "ON county.code = project.county_code") == projects
    command.upgrade(config, "head")  # adds nothing twice
    assert lookup_rows(demo_database) == SEEDED

    command.downgrade(config, "base")
    assert table_names(demo_database) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert lookup_rows(demo_database) == SEEDED
    assert scalar(demo_database, "SELECT count(*) FROM project") == 0


def test_models_and_migrations_agree(empty_database: str) -> None:
    command.upgrade(alembic_config(empty_database), "head")

    engine = create_db_engine(empty_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            drift = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert drift == []


def test_two_processes_starting_at_once_migrate_one_after_the_other(empty_database: str) -> None:
    """Every app process migrates as it starts; two starting together on an empty PostgreSQL
    database both come up (the second waits on the advisory lock and finds the work done).
    Several machines share PostgreSQL only; on SQLite `zhaoshang serve` migrates once before
    its workers start, and two servers racing on one file are not a supported set-up (a run
    was seen to fail on "table already exists": Alembic's SQLite DDL is not one transaction)."""
    if not empty_database.startswith("postgresql"):
        pytest.skip("several machines share PostgreSQL, not a SQLite file")
    env = {**os.environ, "DATABASE_URL": empty_database, "ENVIRONMENT": "test"}
    command_line = [str(Path(sys.executable).with_name("zhaoshang")), "db", "upgrade"]
    processes = [subprocess.Popen(command_line, cwd=PROJECT_ROOT, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    script = ScriptDirectory.from_config(alembic_config(empty_database))
    assert current_revisions(empty_database) == (script.get_current_head(),)
