"""The chat that holds a case: /delete finds it after /exit, the idle wipe or a move.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_holder"), ["holder"], unique=False)


def downgrade() -> None:
    """Revert this migration.

    SQLite drops the column in place: rebuilding ``cases`` with foreign keys on would
    cascade-delete its consents, mail and keys.
    """
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_holder"))
        batch_op.drop_column("holder")
