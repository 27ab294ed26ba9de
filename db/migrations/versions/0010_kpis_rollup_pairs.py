"""kpis: rollups counted per day and pointer (reach, spend, visits) and leads' arrival day, so a year reads little

Revision ID: 0010_kpis_rollup_pairs
Revises: 0008_touch_journey_date_index
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_kpis_rollup_pairs"
down_revision = "0008_touch_journey_date_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_reach_pairs",
        sa.Column("grouping", sa.String(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("prev", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("touches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grouping", "day", "branch_id", "channel", "journey_id", "prev",
                                name=op.f("pk_kpi_reach_pairs")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "kpi_spend_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("spend_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "branch_id", "since", name=op.f("pk_kpi_spend_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "kpi_visit_days",
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("departments", sa.SmallInteger(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("prev_visit", sa.Date(), nullable=True),
        sa.Column("multi_from", sa.Date(), nullable=True),
        sa.Column("prev_multi_from", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("member_id", "day", name=op.f("pk_kpi_visit_days")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("kpi_visit_days", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_visit_days_day", ["day", "member_id"], unique=False)
    op.create_table(
        "kpi_visit_pairs",
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("a", sa.Date(), nullable=False),
        sa.Column("b", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "day", "branch_id", "since", "a", "b", name=op.f("pk_kpi_visit_pairs")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("arrived_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_leads_day_arrival",
                              ["created_on", "channel", "product_category", "arrived_on", "member_id"], unique=False)
    op.create_table(
        "kpi_task_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("done_by_due", sa.Integer(), nullable=False),
        sa.Column("done_late", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "advisor_id", "branch_id", "journey_id", "channel",
                                name=op.f("pk_kpi_task_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "kpi_step_days",
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("scheduled", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("replied", sa.Integer(), nullable=False),
        sa.Column("converted", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("journey_id", "day", "step_id", "branch_id", "channel", name=op.f("pk_kpi_step_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "kpi_lead_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("product_category", sa.String(length=32), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.Column("appointments", sa.Integer(), nullable=False),
        sa.Column("arrived", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", "product_category", "department_id", "branch_id",
                                name=op.f("pk_kpi_lead_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "kpi_rollup_states",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_kpi_rollup_states")),
    )


def downgrade() -> None:
    op.drop_table("kpi_rollup_states")
    op.drop_table("kpi_step_days")
    op.drop_table("kpi_lead_days")
    op.drop_table("kpi_task_days")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_day_arrival")
        batch_op.drop_column("arrived_on")
    op.drop_table("kpi_visit_pairs")
    with op.batch_alter_table("kpi_visit_days", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_visit_days_day")
    op.drop_table("kpi_visit_days")
    op.drop_table("kpi_spend_days")
    op.drop_table("kpi_reach_pairs")
