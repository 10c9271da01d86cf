"""Migrations against a throw-away database of the kind under test (TEST_DATABASE_URL).

These tests build their own database instead of using the shared fixtures: they need one
that starts empty and that they may tear down to base.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table in SQLModel.metadata)
from app.cli import alembic_config
from app.db import create_db_engine


def libpq_url(url: str) -> str:
    """The URL psycopg understands: no SQLAlchemy driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def throwaway_url(tmp_path: Path) -> Iterator[str]:
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"zs_migr_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(base_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq_url(base_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_names(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_go_down_to_base_and_up_again_with_seeds(throwaway_url: str) -> None:
    config = alembic_config(throwaway_url)

    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert table_names(throwaway_url) <= {"alembic_version"}

    command.upgrade(config, "head")
    engine = create_db_engine(throwaway_url)
    try:
        with engine.connect() as connection:
            region = connection.execute(
                sa.text("SELECT name FROM region WHERE code = 'jjj'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert region == "京津冀"
    assert set(SQLModel.metadata.tables) <= table_names(throwaway_url)


def test_models_and_migrations_agree(throwaway_url: str) -> None:
    command.upgrade(alembic_config(throwaway_url), "head")

    engine = create_db_engine(throwaway_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            drift = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert drift == []
