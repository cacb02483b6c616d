"""Data keys apart: the keys of cases and conversations move to tables of their own.

A case's or conversation's wrapped data key sat in the row it sealed (``dek``), so every copy of
the row (an old page in SQLite's log, a dead tuple in PostgreSQL) held both the ciphertext and
its only key. Now they sit in ``case_keys`` and ``conversation_keys``, deleted with their row
(a cascade, and explicitly by the code), and the old ``dek`` columns go. The wrapped keys are
copied byte for byte: they stay bound to ``cases|id`` and ``conversations|id``.

The columns are dropped with SQLite's own ``ALTER TABLE ... DROP COLUMN`` (SQLite 3.35 or
newer; batch mode with ``recreate="never"``), not by copying the tables: with foreign keys on,
dropping and re-creating ``cases`` would delete its consents, mail and keys by cascade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OWNERS = (
    ("cases", "case_keys", "case_id"),
    ("conversations", "conversation_keys", "conversation_id"),
)


def upgrade() -> None:
    """Apply this migration."""
    for owner, table, column in OWNERS:
        op.create_table(
            table,
            sa.Column(column, sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("dek", sa.LargeBinary(), nullable=False),
            sa.ForeignKeyConstraint(
                [column],
                [f"{owner}.id"],
                name=op.f(f"fk_{table}_{column}_{owner}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(column, name=op.f(f"pk_{table}")),
        )
        op.execute(
            f"INSERT INTO {table} ({column}, dek) SELECT id, dek FROM {owner} "  # noqa: S608
            "WHERE dek IS NOT NULL AND length(dek) > 0"
        )
        with op.batch_alter_table(owner, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("dek")


def downgrade() -> None:
    """Revert this migration (the keys go back into their rows)."""
    for owner, table, column in OWNERS:
        with op.batch_alter_table(owner, schema=None, recreate="never") as batch_op:
            batch_op.add_column(sa.Column("dek", sa.LargeBinary(), nullable=True))
        op.execute(
            f"UPDATE {owner} SET dek = (SELECT dek FROM {table} "  # noqa: S608
            f"WHERE {table}.{column} = {owner}.id)"
        )
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"UPDATE {owner} SET dek = '' WHERE dek IS NULL")  # noqa: S608
            op.alter_column(owner, "dek", nullable=False)
        # On SQLite the column stays nullable: making it NOT NULL would copy the table, and
        # dropping the old ``cases`` would delete its consents and mail by cascade.
        op.drop_table(table)
