"""targets cover what the seeds count: new projects, contracts, 开工率, production, 达效

The target table's known_metric check takes five more metrics (app.analytics.schemas.Metric).
PostgreSQL swaps the check in place. SQLite cannot alter a check: the table is rebuilt from
its own CREATE statement with only the metric list changed, and its indexes and
data-version triggers are created again from theirs, exactly as they were (batch mode would
drop the triggers and may lose the partial indexes' WHERE).

Revision ID: 7d2f5a9c41e8
Revises: b71e4c0a9d52
Create Date: 2026-12-07 22:30:00

"""
import re
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '7d2f5a9c41e8'
down_revision: str | Sequence[str] | None = 'b71e4c0a9d52'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = 'ck_target_known_metric'
BEFORE = ('signed_projects', 'signed_amount', 'groundbreakings', 'funds_in_place')
AFTER = ('new_projects', 'signed_projects', 'signed_amount', 'contracts', 'groundbreakings',
         'start_rate', 'production', 'achieved', 'funds_in_place')


def _condition(metrics: tuple[str, ...]) -> str:
    return f"metric IN {metrics!r}"


def _rebuild_sqlite(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'target'").scalar_one()
    old_check, new_check = _condition(old), _condition(new)
    if old_check not in table_sql:
        raise RuntimeError(f"target's check is not the one this revision replaces: {table_sql}")
    others = [row[0] for row in bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'target' AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL ORDER BY type, name")]
    # SQLite keeps the name as first written: target, or "target" once renamed.
    created = re.sub(r'^CREATE TABLE "?target"?', 'CREATE TABLE target_rebuilt',
                     table_sql.replace(old_check, new_check))
    op.execute(created)
    op.execute('INSERT INTO target_rebuilt SELECT * FROM target')
    op.execute('DROP TABLE target')
    op.execute('ALTER TABLE target_rebuilt RENAME TO target')
    for statement in others:
        op.execute(statement)


def _swap(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite(old, new)
        return
    op.drop_constraint(op.f(CHECK), 'target', type_='check')
    op.create_check_constraint(op.f(CHECK), 'target', _condition(new))


def upgrade() -> None:
    _swap(BEFORE, AFTER)


def downgrade() -> None:
    op.execute(f"DELETE FROM target WHERE metric NOT IN {BEFORE!r}")
    _swap(AFTER, BEFORE)
