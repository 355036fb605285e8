"""Check-ins remember their source; the read index also covers ``recorded_at``.

``checkins.source`` is the file (or app) an import came from. The index on
``(period, kr_id, date)`` is widened with ``recorded_at`` so that picking the effective
(latest) row of each KR and date reads the index instead of sorting the table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("checkins", sa.Column("source", sa.Text, nullable=True))
    op.drop_index("ix_checkins_period_kr_date", table_name="checkins")
    op.create_index("ix_checkins_effective", "checkins", ["period", "kr_id", "date", "recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_checkins_effective", table_name="checkins")
    op.create_index("ix_checkins_period_kr_date", "checkins", ["period", "kr_id", "date"])
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("source")
