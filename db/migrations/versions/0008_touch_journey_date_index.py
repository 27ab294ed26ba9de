"""index touches by journey and scheduled day (the step-effectiveness funnel reads one journey's period)

Revision ID: 0008_touch_journey_date_index
Revises: 0007_merge_contexts
Create Date: 2026-11-23
"""
from __future__ import annotations

from alembic import op

revision = "0008_touch_journey_date_index"
down_revision = "0007_merge_contexts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_touches_journey_scheduled", "touches", ["journey_id", "scheduled_for"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_touches_journey_scheduled", table_name="touches")
