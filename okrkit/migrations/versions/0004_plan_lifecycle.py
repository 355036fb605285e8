"""A plan's lifecycle per team and period: its state and header, sign-offs, amendments, and
the final scores frozen when it was closed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_states",
        sa.Column("period", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(200), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("project", sa.Text),
        sa.Column("sponsor", sa.Text),
        sa.Column("contributors", sa.Text),  # JSON list
        sa.Column("next_review", sa.Date),
        sa.Column("roles", sa.Text, nullable=False),  # JSON list
        sa.Column("changes_after_approval", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
    )
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("signed_at", sa.DateTime, nullable=False),
        sa.Column("note", sa.Text),
        sa.ForeignKeyConstraint(["period", "team"], ["plan_states.period", "plan_states.team"],
                                ondelete="CASCADE"),
    )
    op.create_table(
        "amendments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("amended_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("what", sa.Text),
        sa.ForeignKeyConstraint(["period", "team"], ["plan_states.period", "plan_states.team"],
                                ondelete="CASCADE"),
    )
    op.create_table(
        "final_scores",
        sa.Column("period", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),  # "key_result" / "objective"
        sa.Column("item_id", sa.String(200), primary_key=True),
        sa.Column("score", sa.Float),
        sa.Column("final_score", sa.Float),
        sa.Column("band", sa.String(16)),
        sa.Column("outcome", sa.String(32)),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.ForeignKeyConstraint(["period", "team"], ["plan_states.period", "plan_states.team"],
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    for table in ("final_scores", "amendments", "signoffs", "plan_states"):
        op.drop_table(table)
