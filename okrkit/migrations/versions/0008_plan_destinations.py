"""A team's plan remembers where its messages go.

``plan_states.destinations`` holds the plan file's ``teams.<team>.destinations`` (webhook
URLs and ``mailto:`` addresses, :mod:`okrkit.notify`) as a JSON list (``NULL``: none), so
``okrkit digest`` / ``remind`` and ``okrkit export`` find them in a stored plan.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_states") as batch:
        batch.add_column(sa.Column("destinations", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_states") as batch:
        batch.drop_column("destinations")
