"""The staff step-up: enrolled volunteers (``staff``) and one-time enrolment codes.

``staff`` is found by the keyed pseudonym of a volunteer's Telegram user id; what else it keeps
(the PIN's Argon2id key, the step-up, the throttle, the private chat id) is sealed with the row's
own data key. ``staff_enrolments`` keeps only a keyed hash of each code and when it expires; a
code is deleted when used.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dek", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("key", name=op.f("uq_staff_key")),
    )
    op.create_table(
        "staff_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_enrolments")),
        sa.UniqueConstraint("lookup", name=op.f("uq_staff_enrolments_lookup")),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("staff_enrolments")
    op.drop_table("staff")
