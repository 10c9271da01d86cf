"""personal data encrypted at rest: contact phones and e-mails, user phones

Each plain column becomes `<column>_encrypted` (AES-256-GCM under the first DATA_KEYS key,
bound to table, column and row; see app/crypto.py) and, for the contact's phone and e-mail,
which the product compares, `<column>_blind_index`. Existing values are encrypted batch by
batch, then the plain columns are dropped; the downgrade decrypts them back (it needs the
keys they are under).

Columns are dropped with ALTER TABLE ... DROP COLUMN, also on SQLite (3.35+): batch mode
would rebuild app_user, losing its data-version triggers, and with foreign keys on, dropping
the old copy would cascade to every row that refers to a user.

Revision ID: d328ebdf3203
Revises: c9a4e1d7b356
Create Date: 2026-11-23 18:00:00

"""
from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.crypto import (
    decrypt,
    email_lower,
    keyring,
    phone_digits,
    rows_after,
    stored_values,
    update_rows,
)

# revision identifiers, used by Alembic.
revision: str = 'd328ebdf3203'
down_revision: str | Sequence[str] | None = 'c9a4e1d7b356'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
# table: [(column, its former length, how its blind index normalises it or None)]
COLUMNS: dict[str, list[tuple[str, int, Callable[[str], str] | None]]] = {
    'investor_contact': [('phone', 32, phone_digits), ('email', 128, email_lower)],
    'app_user': [('phone', 32, None)],
}


def _each_batch(table: str, columns: list[str]):
    connection = op.get_bind()
    last_id = 0
    while rows := rows_after(connection, table, columns, last_id, BATCH):
        yield connection, rows
        last_id = rows[-1].id


def upgrade() -> None:
    """Upgrade schema."""
    keys = keyring()
    for table, columns in COLUMNS.items():
        for column, _, normalise in columns:
            op.add_column(table, sa.Column(f'{column}_encrypted', sa.Text(), nullable=True))
            if normalise:
                op.add_column(table, sa.Column(f'{column}_blind_index', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        for connection, rows in _each_batch(table, [c for c, _, _ in columns]):
            updates = []
            for row in rows:
                values = {'id': row.id}
                for column, _, normalise in columns:
                    values.update(stored_values(getattr(row, column), table=table, column=column, row_id=row.id, normalise=normalise, keys=keys))
                updates.append(values)
            update_rows(connection, table, updates)
        for column, _, _ in columns:
            op.drop_column(table, column)


def downgrade() -> None:
    """Downgrade schema."""
    keys = keyring()
    for table, columns in COLUMNS.items():
        for column, length, _ in columns:
            op.add_column(table, sa.Column(column, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=True))
        for connection, rows in _each_batch(table, [f'{c}_encrypted' for c, _, _ in columns]):
            updates = []
            for row in rows:
                values = {'id': row.id}
                for column, _, _ in columns:
                    stored = getattr(row, f'{column}_encrypted')
                    values[column] = None if stored is None else decrypt(stored, table=table, column=column, row_id=row.id, keys=keys)
                updates.append(values)
            update_rows(connection, table, updates)
        for column, _, normalise in columns:
            op.drop_column(table, f'{column}_encrypted')
            if normalise:
                op.drop_column(table, f'{column}_blind_index')
