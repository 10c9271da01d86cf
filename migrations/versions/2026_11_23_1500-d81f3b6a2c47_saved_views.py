"""saved views

Revision ID: d81f3b6a2c47
Revises: c4d2e8f1a635
Create Date: 2026-11-23 13:34:24.267629

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

# revision identifiers, used by Alembic.
revision: str = 'd81f3b6a2c47'
down_revision: str | Sequence[str] | None = 'c4d2e8f1a635'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('saved_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('query', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_saved_view_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_view')),
    sa.UniqueConstraint('user_id', 'name', name='uq_saved_view_user_name')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('saved_view')
