"""Exit leaves nothing: the ledger keeps the parting line apart and can sweep a left chat.

``message_ledger`` gains ``parting`` (the neutral line a wipe leaves) and a sealed ``address``
(with its row's ``dek``), so that a chat whose conversation is gone can still be wiped; the
outbox gains ``floor``, set before a send is first tried.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("message_ledger", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("parting", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("dek", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("address", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("floor", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("floor")
    with op.batch_alter_table("message_ledger", schema=None) as batch_op:
        batch_op.drop_column("address")
        batch_op.drop_column("dek")
        batch_op.drop_column("parting")
