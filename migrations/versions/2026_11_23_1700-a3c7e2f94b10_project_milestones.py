"""cockpit at scale: project milestones, a covering index, the data version

- Milestones: the first day each stage was reached, on the project row. The cockpit and the
  list's drill-downs read these instead of re-aggregating every stage event per request;
  the events stay the history. Backfilled from the events (falling back on the current
  stage for a row without them).
- ix_project_cockpit: every column the figures read, live rows only, in stage order
  (replacing ix_project_stage_status_total).
- data_version: one number that triggers on every table the cockpit reads raise in the
  writing transaction, so a worker may reuse a cockpit until it moves. NOTE: SQLite's
  batch mode drops a table's triggers when it rebuilds the table; a later migration that
  rebuilds one of these tables must create its trigger again (a test checks each one).

Revision ID: a3c7e2f94b10
Revises: e5a0c9d3b812
Create Date: 2026-11-23 17:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'a3c7e2f94b10'
down_revision: str | Sequence[str] | None = 'e5a0c9d3b812'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables of app.analytics.models.FIGURE_SOURCES, frozen here as this revision knew them.
FIGURE_SOURCES = ('project', 'funds_entry', 'target', 'warning_rule', 'app_user',
                  'team_member', 'investor', 'county', 'zone', 'region', 'chain',
                  'chain_link', 'method', 'category')
COCKPIT_COLUMNS = ['stage', 'status', 'stage_entered_on', 'id', 'county_code', 'chain_code',
                   'region_code', 'method_code', 'category_code', 'key_level', 'leader_id',
                   'total_investment', 'agreed_amount', 'first_reported_at',
                   'planned_groundbreaking_on', 'last_activity_at', 'reached_contact_on',
                   'reached_intent_on', 'reached_signed_on', 'reached_contract_on',
                   'reached_groundbreaking_on', 'reached_production_on', 'reached_achieved_on']
# Once per transaction: updating one row many times in a transaction makes PostgreSQL walk
# an ever longer chain of its versions (a 100,000-row load took 11 minutes instead of 1).
# The marker is a transaction-local setting, undone with the transaction or savepoint.
PG_FUNCTION = """
CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('zhaoshang.data_version_bumped', true)
            IS DISTINCT FROM txid_current()::text THEN
        UPDATE data_version SET n = n + 1 WHERE id = 1;
        PERFORM set_config('zhaoshang.data_version_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END
$$
"""
STAGES = ('contact', 'intent', 'signed', 'contract', 'groundbreaking', 'production',
          'achieved')


def _backfill() -> None:
    assignments = []
    for rank, stage in enumerate(STAGES):
        later = ', '.join(f"'{s}'" for s in STAGES[rank:])
        assignments.append(
            f"reached_{stage}_on = COALESCE("
            f"(SELECT min(e.happened_on) FROM stage_event e"
            f" WHERE e.project_id = project.id AND e.to_stage IN ({later})),"
            f" CASE WHEN project.stage IN ({later}) THEN project.stage_entered_on END)")
    op.execute(f"UPDATE project SET {', '.join(assignments)}")


# Of a user the figures show only the name and title; a sign-in (last_login_at, failed
# attempts) must not throw away every cockpit.
WATCHED_COLUMNS = {'app_user': 'display_name, title'}


def _create_triggers() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        op.execute(PG_FUNCTION)
    for table in FIGURE_SOURCES:
        columns = WATCHED_COLUMNS.get(table)
        update = f'UPDATE OF {columns}' if columns else 'UPDATE'
        if postgres:
            # Once per statement, not per row: a bulk update bumps the number once.
            op.execute(f'CREATE TRIGGER {table}_data_version AFTER INSERT OR {update} OR DELETE '
                       f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()')
            continue
        for event in ('insert', 'update', 'delete'):
            when = update if event == 'update' else event.upper()
            op.execute(f'CREATE TRIGGER {table}_data_version_{event} AFTER {when} '
                       f'ON {table} BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END')


def _drop_triggers() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table in FIGURE_SOURCES:
        if postgres:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_data_version ON {table}')
            continue
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS {table}_data_version_{event}')
    if postgres:
        op.execute('DROP FUNCTION IF EXISTS data_version_bump()')


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('project', schema=None) as batch_op:
        for stage in STAGES:
            batch_op.add_column(sa.Column(f'reached_{stage}_on', sa.Date(), nullable=True))
    _backfill()
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index('ix_project_cockpit', COCKPIT_COLUMNS, unique=False, sqlite_where=sa.text('deleted_at IS NULL'), postgresql_where=sa.text('deleted_at IS NULL'))
        # Its prefix (stage, status) led SQLite to read rows through it instead of the
        # covering index; stage totals are read from ix_project_cockpit now.
        batch_op.drop_index('ix_project_stage_status_total')
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_event_cockpit')
        batch_op.drop_index('ix_stage_event_to_stage_project')
    op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_data_version_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.execute('INSERT INTO data_version (id, n) VALUES (1, 0)')
    _create_triggers()


def downgrade() -> None:
    """Downgrade schema."""
    _drop_triggers()
    op.drop_table('data_version')
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.create_index('ix_stage_event_to_stage_project', ['to_stage', 'project_id'], unique=False)
        batch_op.create_index('ix_stage_event_cockpit', ['project_id', 'happened_on', 'id', 'to_stage', 'from_stage', 'is_backward'], unique=False)
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index('ix_project_stage_status_total', ['stage', 'status', 'total_investment'], unique=False)
        batch_op.drop_index('ix_project_cockpit', sqlite_where=sa.text('deleted_at IS NULL'), postgresql_where=sa.text('deleted_at IS NULL'))
        for stage in reversed(STAGES):
            batch_op.drop_column(f'reached_{stage}_on')
