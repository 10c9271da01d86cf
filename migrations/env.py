"""Alembic environment: the app's metadata and engine; a caller may pass a connection."""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table)
from app.config import get_settings
from app.db import create_db_engine, write_bind

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata
# pg_advisory_xact_lock key for running migrations: "ZSMG" as a signed int.
MIGRATION_LOCK = int.from_bytes(b"ZSMG", "big", signed=True)


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Our column types live in app.db; migrations import them from there.
    module = type(obj).__module__
    if type_ == "type" and module == "app.db":
        autogen_context.imports.add("import app.db")  # type: ignore[attr-defined]
        return f"app.db.{type(obj).__name__}()"
    if type_ == "type" and module.startswith("sqlmodel"):
        autogen_context.imports.add("import sqlmodel")  # type: ignore[attr-defined]
        return f"sqlmodel.sql.sqltypes.{obj!r}"
    return False


def run_migrations(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # type: ignore[attr-defined]
            # Several app processes (on several machines) migrate as they start: one at a
            # time, and each reads the version only once the one before it committed.
            connection.exec_driver_sql(  # type: ignore[attr-defined]
                f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()
        if connection.dialect.name == "sqlite":  # type: ignore[attr-defined]
            # Tables were rebuilt with foreign keys off (below): none may dangle now.
            dangling = connection.exec_driver_sql(  # type: ignore[attr-defined]
                "PRAGMA foreign_key_check").fetchall()
            if dangling:
                raise RuntimeError(f"rows refer to rows that are gone: {dangling[:5]}")


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.attributes.get("database_url") or get_settings().database_url
    engine = create_db_engine(url)
    # SQLite: BEGIN IMMEDIATE, so two processes migrating at once queue instead of one
    # failing with "database is locked" (PostgreSQL: the advisory lock above).
    with write_bind(engine).connect() as conn:
        if conn.dialect.name == "sqlite":
            # SQLite alters a table by copying it and dropping the old one, which foreign
            # keys refuse while rows refer to it; the pragma only works outside a
            # transaction, so it goes straight to the driver before ours begins.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        run_migrations(conn)
        conn.commit()
    engine.dispose()
