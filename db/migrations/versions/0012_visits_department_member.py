"""index a department's visits by member, then date (segment sets and journey anchors read them in member order)

Revision ID: 0012_visits_department_member
Revises: 0008_touch_journey_date_index
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op

revision = "0012_visits_department_member"
down_revision = "0008_touch_journey_date_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_visits_department", table_name="visits")
    op.create_index("ix_visits_department_member", "visits", ["department_id", "member_id", "visit_date"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_visits_department_member", table_name="visits")
    op.create_index("ix_visits_department", "visits", ["department_id", "visit_date", "member_id"], unique=False)
