"""merge the context migrations (imports, segments, products, journeys, kpis) into one head

Revision ID: 0007_merge_contexts
Revises: 0002_imports, 0003_segments, 0004_products, 0005_journeys, 0006_kpis
Create Date: 2026-11-23
"""
from __future__ import annotations

revision = "0007_merge_contexts"
down_revision = ("0002_imports", "0003_segments", "0004_products", "0005_journeys", "0006_kpis")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
