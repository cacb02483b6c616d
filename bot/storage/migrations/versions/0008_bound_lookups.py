"""Bound lookups: cases and conversations seal the columns they are found by.

``cases.bound`` seals the case's ``resume_index`` and ``holder``, ``conversations.bound`` the
conversation's ``chat_key`` and ``case_id``, each with the row's own data key: a lookup that
finds a row by a value its seal does not repeat (someone swapped the readable column) finds
nothing. The column is added empty here, with no keys at hand; when rows existed, an empty
table ``lookups_unbound`` marks that they wait, and the first ``open_database`` with the keys
seals them and drops it, once (``bot.storage.binding``).

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
    rows = (
        op.get_bind()
        .execute(
            sa.text("SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM conversations)")
        )
        .scalar()
    )
    if rows:
        op.create_table("lookups_unbound", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    """Revert this migration."""
    op.execute("DROP TABLE IF EXISTS lookups_unbound")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("bound")
