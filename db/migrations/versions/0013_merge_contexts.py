"""merge the journeys bulk plan, KPI rollup pairs and visits department index branches

Revision ID: 0013_merge_contexts
Revises: 0009_journeys_bulk_plan, 0010_kpis_rollup_pairs, 0012_visits_department_member
Create Date: 2026-12-02
"""
from __future__ import annotations

revision = "0013_merge_contexts"
down_revision = ("0009_journeys_bulk_plan", "0010_kpis_rollup_pairs", "0012_visits_department_member")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
