"""A revision per team and period; key results keep their range; periods a description.

``team_revisions`` records, for each team of a period (``''``: objectives without a team),
the plan revision in which that team's objectives, key results or reviews last changed,
so that two teams planning the same period do not conflict while a stale copy of one
team is still refused (``okrkit.store.teams``). A team without a row counts as changed in
the period's current revision (the safe side); the next save writes every team's row.

``key_results.min`` / ``max`` hold the metric's physical range (``NULL``: none);
``periods.description`` the plan's description.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_revisions",
        sa.Column("period", sa.String(64), primary_key=True),
        sa.Column("team", sa.String(200), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
    )
    with op.batch_alter_table("key_results") as batch:
        batch.add_column(sa.Column("min", sa.Float, nullable=True))
        batch.add_column(sa.Column("max", sa.Float, nullable=True))
    with op.batch_alter_table("periods") as batch:
        batch.add_column(sa.Column("description", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("periods") as batch:
        batch.drop_column("description")
    with op.batch_alter_table("key_results") as batch:
        batch.drop_column("max")
        batch.drop_column("min")
    op.drop_table("team_revisions")
