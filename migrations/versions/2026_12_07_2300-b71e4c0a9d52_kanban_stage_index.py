"""kanban: each stage's newest cards off an index

ix_project_stage_updated (stage, updated_at, id), live rows only: the board takes each
column's first cards with a LIMIT along it instead of ranking every row.

Revision ID: b71e4c0a9d52
Revises: d328ebdf3203
Create Date: 2026-12-07 23:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'b71e4c0a9d52'
down_revision: str | Sequence[str] | None = 'd328ebdf3203'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_project_stage_updated", "project", ["stage", "updated_at", "id"],
                    sqlite_where=sa.text("deleted_at IS NULL"),
                    postgresql_where=sa.text("deleted_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_project_stage_updated", table_name="project")
