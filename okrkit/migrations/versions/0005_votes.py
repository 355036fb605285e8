"""Workshop confidence votes, per period, team, round, participant and objective.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vote_rounds",
        sa.Column("period", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(200), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("revealed", sa.Boolean, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
    )
    op.create_table(
        "votes",
        sa.Column("period", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(200), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("participant", sa.String(200), primary_key=True),
        sa.Column("objective_id", sa.String(200), primary_key=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("cast_at", sa.DateTime, nullable=False),
        sa.ForeignKeyConstraint(["period", "team", "round"],
                                ["vote_rounds.period", "vote_rounds.team", "vote_rounds.round"],
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("votes")
    op.drop_table("vote_rounds")
