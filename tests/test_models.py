"""app.models is the one registry of tables: Alembic's env.py imports only it, so a table
it misses would be invisible to autogenerate and to `alembic check`."""

import subprocess
import sys

import sqlalchemy as sa

from app.config import PROJECT_ROOT


def test_the_registry_holds_every_table_the_migrations_create(fresh_engine):
    migrated = set(sa.inspect(fresh_engine).get_table_names()) - {"alembic_version"}
    # A fresh interpreter: here the tests have imported every model already.
    registered = subprocess.run(
        [sys.executable, "-c", "import app.models; from sqlmodel import SQLModel; "
                               "print(' '.join(sorted(SQLModel.metadata.tables)))"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert set(registered) == migrated
