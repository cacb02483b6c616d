"""The union desk: a case's topic, reply mode, sealed address and preferences; the mailbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 15:24:42.080457
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "mailbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_mailbox_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox")),
    )
    with op.batch_alter_table("mailbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mailbox_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("reply_mode", sa.String(length=16), nullable=False, server_default="here")
        )
        batch_op.add_column(sa.Column("prefs", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("address", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_cases_thread_id"), ["thread_id"])


def downgrade() -> None:
    """Undo this migration."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cases_thread_id"), type_="unique")
        batch_op.drop_column("announced_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("thread_id")
        batch_op.drop_column("address")
        batch_op.drop_column("prefs")
        batch_op.drop_column("reply_mode")
        batch_op.drop_column("urgent")
        batch_op.drop_column("topic")

    with op.batch_alter_table("mailbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mailbox_case_id"))

    op.drop_table("mailbox")
