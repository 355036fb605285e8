"""Digests sent: a team's weekly digest starts where its last one ended.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.Column("destinations", sa.Text),
        sa.ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
    )
    op.create_index("ix_digests_team", "digests", ["period", "team", "kind", "as_of"])


def downgrade() -> None:
    op.drop_index("ix_digests_team", table_name="digests")
    op.drop_table("digests")
