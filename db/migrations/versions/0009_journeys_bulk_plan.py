"""journeys bulk plan: touches get one partial index of rows waiting to be sent instead of (status, day) and
(journey, step); tasks lose the foreign keys the scheduler's INSERT … SELECT already guarantees

Materializing 200,000 enrollments × 27 steps wrote every touch into six indexes and checked five parent rows
per task (on PostgreSQL a trigger call each: ~100 s for 1.2M tasks). The daily run only reads touches still
scheduled; the step funnel reads (journey, day). Tasks are written from enrollments, steps and active advisors
in the same statement, as touches always were.

Revision ID: 0009_journeys_bulk_plan
Revises: 0008_touch_journey_date_index
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_journeys_bulk_plan"
down_revision = "0008_touch_journey_date_index"
branch_labels = None
depends_on = None

TASK_FKS = (
    ("fk_tasks_enrollment_id_enrollments", "enrollments", "enrollment_id"),
    ("fk_tasks_journey_id_journeys", "journeys", "journey_id"),
    ("fk_tasks_step_id_journey_steps", "journey_steps", "step_id"),
    ("fk_tasks_member_id_members", "members", "member_id"),
    ("fk_tasks_advisor_id_users", "users", "advisor_id"),
)


def upgrade() -> None:
    op.drop_index("ix_touches_status_date", table_name="touches")
    op.drop_index("ix_touches_journey_step", table_name="touches")
    op.create_index("ix_touches_due", "touches", ["scheduled_for"], unique=False,
                    sqlite_where=sa.text("status = 'scheduled'"), postgresql_where=sa.text("status = 'scheduled'"))
    with op.batch_alter_table("tasks") as batch_op:
        for name, _parent, _column in TASK_FKS:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch_op:
        for name, parent, column in TASK_FKS:
            batch_op.create_foreign_key(name, parent, [column], ["id"])
    op.drop_index("ix_touches_due", table_name="touches")
    op.create_index("ix_touches_journey_step", "touches", ["journey_id", "step_id"], unique=False)
    op.create_index("ix_touches_status_date", "touches", ["status", "scheduled_for"], unique=False)
