"""Bound lookups: cases and conversations seal the columns they are found by.

``cases.bound`` seals the case's ``resume_index`` and ``holder``, ``conversations.bound`` the
conversation's ``chat_key`` and ``case_id``, each with the row's own data key: a lookup that
finds a row by a value its seal does not repeat (someone swapped the readable column) finds
nothing. The column is added empty here, with no keys at hand; ``open_database`` seals it for
the rows that existed before this migration, once, right after it ran
(``bot.storage.binding.bind_existing``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("cases", "conversations")


def upgrade() -> None:
    """Apply this migration."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.add_column(sa.Column("bound", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("bound")
