"""Initial schema: periods, objectives, key results, milestones, check-ins, reviews, revisions.

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PERIOD = sa.String(64)
_ID = sa.String(200)


def upgrade() -> None:
    op.create_table(
        "periods",
        sa.Column("period", _PERIOD, primary_key=True),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("cadence_days", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "objectives",
        sa.Column("period", _PERIOD, primary_key=True),
        sa.Column("objective_id", _ID, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("level", sa.String(32)),
        sa.Column("parent_id", _ID),
        sa.Column("team", _ID),
        sa.Column("owner", sa.Text),
        sa.Column("kind", sa.String(32)),
        sa.Column("weight", sa.Float),
        sa.ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
    )
    op.create_table(
        "key_results",
        sa.Column("period", _PERIOD, primary_key=True),
        sa.Column("kr_id", _ID, primary_key=True),
        sa.Column("objective_id", _ID, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("metric", sa.Text),
        sa.Column("unit", sa.String(64)),
        sa.Column("direction", sa.String(32)),
        sa.Column("baseline", sa.Float),
        sa.Column("target", sa.Float),
        sa.Column("weight", sa.Float),
        sa.Column("owner", sa.Text),
        sa.Column("due", sa.Date),
        sa.ForeignKeyConstraint(
            ["period", "objective_id"],
            ["objectives.period", "objectives.objective_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "milestones",
        sa.Column("period", _PERIOD, primary_key=True),
        sa.Column("kr_id", _ID, primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("target", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(
            ["period", "kr_id"], ["key_results.period", "key_results.kr_id"], ondelete="CASCADE"
        ),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", _PERIOD, nullable=False),
        sa.Column("kr_id", _ID, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("status", sa.String(32)),
        sa.Column("note", sa.Text),
        sa.Column("blockers", sa.Text),
        sa.Column("achievements", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.ForeignKeyConstraint(["period"], ["periods.period"]),
    )
    op.create_index("ix_checkins_period_kr_date", "checkins", ["period", "kr_id", "date"])
    op.create_table(
        "reviews",
        sa.Column("period", _PERIOD, primary_key=True),
        sa.Column("objective_id", _ID, primary_key=True),
        sa.Column("lessons", sa.Text),
        sa.Column("next_actions", sa.Text),
        sa.Column("score_override", sa.Float),
        sa.Column("override_reason", sa.Text),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["period", "objective_id"],
            ["objectives.period", "objectives.objective_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "plan_revisions",
        sa.Column("period", _PERIOD, primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("saved_at", sa.DateTime, nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("plan_yaml", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(["period"], ["periods.period"]),
    )


def downgrade() -> None:
    for table in (
        "plan_revisions",
        "reviews",
        "checkins",
        "milestones",
        "key_results",
        "objectives",
        "periods",
    ):
        op.drop_table(table)
