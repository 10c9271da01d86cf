"""cockpit: targets, funds in place, warning rules (seeded with the defaults)

Revision ID: f6b1d4e8a923
Revises: d81f3b6a2c47
Create Date: 2026-11-23 13:46:31.160896

"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

# revision identifiers, used by Alembic.
revision: str = 'f6b1d4e8a923'
down_revision: str | Sequence[str] | None = 'd81f3b6a2c47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_RULES = {
    'idle': (14, 30),
    'groundbreaking': (0, 3),
    'stage_contact': (60, 90),
    'stage_intent': (90, 180),
    'stage_signed': (60, 120),
    'stage_contract': (90, 180),
    'stage_groundbreaking': (365, 540),
    'stage_production': (365, 730),
}


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('county_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('value', app.db.Money(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("metric IN ('signed_projects', 'signed_amount', 'groundbreakings', 'funds_in_place')", name=op.f('ck_target_known_metric')),
    sa.CheckConstraint('quarter BETWEEN 0 AND 4', name=op.f('ck_target_known_quarter')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_target_value_not_negative')),
    sa.ForeignKeyConstraint(['county_code'], ['county.code'], name=op.f('fk_target_county_code_county')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_target_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target'))
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index('uq_target_city', ['year', 'quarter', 'metric'], unique=True, sqlite_where=sa.text('county_code IS NULL'), postgresql_where=sa.text('county_code IS NULL'))
        batch_op.create_index('uq_target_county', ['year', 'quarter', 'metric', 'county_code'], unique=True, sqlite_where=sa.text('county_code IS NOT NULL'), postgresql_where=sa.text('county_code IS NOT NULL'))

    op.create_table('warning_rule',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('yellow', sa.Integer(), nullable=False),
    sa.Column('red', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('red >= yellow AND yellow >= 0', name=op.f('ck_warning_rule_ordered')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_warning_rule_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_warning_rule'))
    )
    op.create_table('funds_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('amount', app.db.Money(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_funds_entry_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_funds_entry_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_funds_entry_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_entry'))
    )
    with op.batch_alter_table('funds_entry', schema=None) as batch_op:
        batch_op.create_index('ix_funds_entry_project_on', ['project_id', 'on_date'], unique=False)

    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.create_index('ix_stage_event_cockpit', ['project_id', 'happened_on', 'id', 'to_stage', 'from_stage', 'is_backward'], unique=False)

    # The defaults (app.analytics.models.DEFAULT_RULES as of this revision): days without
    # follow-up, months past the planned groundbreaking, days in each stage.
    rules = sa.table('warning_rule', sa.column('key', sa.String), sa.column('yellow', sa.Integer),
                     sa.column('red', sa.Integer), sa.column('updated_at', app.db.UTCDateTime()))
    now = datetime.now(UTC)
    op.bulk_insert(rules, [
        {'key': key, 'yellow': yellow, 'red': red, 'updated_at': now}
        for key, (yellow, red) in DEFAULT_RULES.items()
    ])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_event_cockpit')

    with op.batch_alter_table('funds_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_funds_entry_project_on')

    op.drop_table('funds_entry')
    op.drop_table('warning_rule')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index('uq_target_county', sqlite_where=sa.text('county_code IS NOT NULL'), postgresql_where=sa.text('county_code IS NOT NULL'))
        batch_op.drop_index('uq_target_city', sqlite_where=sa.text('county_code IS NULL'), postgresql_where=sa.text('county_code IS NULL'))

    op.drop_table('target')
