"""Key results remember their source.

``key_results.source`` holds a key result's source (how it measures itself) as the JSON
text of :meth:`okrkit.sources.Source.to_mapping` (``NULL``: typed in by hand). A pulled
check-in's provenance is JSON text in the existing ``checkins.source`` column
(:mod:`okrkit.pull`), so check-ins need no new column.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("key_results") as batch:
        batch.add_column(sa.Column("source", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("key_results") as batch:
        batch.drop_column("source")
