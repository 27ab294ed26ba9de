"""Alembic owns the schema: migrations reproduce the models exactly, on both databases."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from db.migrate import current_revisions, head_revisions
from db.models import Base


def test_migrated_database_matches_the_models_exactly(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(ctx, Base.metadata)
    assert differences == []


def test_fresh_database_is_at_the_newest_migration(engine):
    assert current_revisions(engine) == head_revisions()


def test_sqlite_runs_with_foreign_keys_and_wal(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_migrations_have_a_single_head():
    assert len(head_revisions()) == 1
