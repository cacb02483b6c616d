"""The desk's day-one commands: a case's chat muted (``/mute``), volunteers away (``/away``).

``cases.muted`` keeps a muted chat's messages out of the desk's topic; ``desk_away`` lists the
volunteers (by the keyed pseudonym of their Telegram user id, as ``staff``) who are not pinged.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("muted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "desk_away",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_desk_away")),
    )


def downgrade() -> None:
    """Revert this migration (SQLite drops the column in place, as 0005 explains)."""
    op.drop_table("desk_away")
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("muted")
