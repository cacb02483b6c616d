"""Sealed tallies: a count is found by a keyed lookup; its month, labels and number are sealed.

The new ``tallies`` table holds ``lookup`` (``HMAC(index key, "tally:" + month|dimension|value)``),
a wrapped data key and the sealed labels and count: nothing in it says which prefecture, language
or finding a row counts, nor how many. The rows written in clear before this migration are kept
aside in ``tallies_clear`` (here, with no keys at hand); ``open_database`` seals them into the new
table and drops ``tallies_clear`` right after (``bot.storage.tallies.seal_clear_tallies``). A
database with no counts yet has nothing to keep aside.

Going down, the sealed counts cannot be opened without the keys: they are dropped, and an empty
clear table (or the clear rows still waiting, if never sealed) takes their place.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _clear_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("month", "dimension", "value", name=op.f(f"uq_{name}_month")),
    )


def upgrade() -> None:
    """Apply this migration."""
    bind = op.get_bind()
    kept = bind.execute(sa.text("SELECT COUNT(*) FROM tallies")).scalar()
    if kept:
        _clear_table("tallies_clear")
        op.execute(
            "INSERT INTO tallies_clear (month, dimension, value, count) "
            "SELECT month, dimension, value, count FROM tallies"
        )
    op.drop_table("tallies")
    op.create_table(
        "tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(length=64), nullable=False),
        sa.Column("dek", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tallies")),
        sa.UniqueConstraint("lookup", name=op.f("uq_tallies_lookup")),
    )


def downgrade() -> None:
    """Revert this migration (the sealed counts are lost: see above)."""
    op.drop_table("tallies")
    _clear_table("tallies")
    if sa.inspect(op.get_bind()).has_table("tallies_clear"):
        op.execute(
            "INSERT INTO tallies (month, dimension, value, count) "
            "SELECT month, dimension, value, count FROM tallies_clear"
        )
        op.drop_table("tallies_clear")
