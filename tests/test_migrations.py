"""Migrations against a throw-away database of the kind under test (TEST_DATABASE_URL).

These tests use an empty database of their own (`empty_database`), not the shared one: they
tear it down to base.
"""

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table in SQLModel.metadata)
from app.cli import alembic_config
from app.db import create_db_engine


def table_names(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_go_down_to_base_and_up_again_with_seeds(empty_database: str) -> None:
    config = alembic_config(empty_database)

    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert table_names(empty_database) <= {"alembic_version"}

    command.upgrade(config, "head")
    engine = create_db_engine(empty_database)
    try:
        with engine.connect() as connection:
            region = connection.execute(
                sa.text("SELECT name FROM region WHERE code = 'jjj'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert region == "京津冀"
    assert set(SQLModel.metadata.tables) <= table_names(empty_database)


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
