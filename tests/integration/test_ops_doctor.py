"""`careloop doctor`: connection, migration level, cookie key and table counts; non-zero exit when wrong."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core.cli import app
from core.ops.services import doctor
from db.engine import make_engine
from tests.builders import make_member, make_user

runner = CliRunner()
GOOD_KEY = "k" * 40


@pytest.fixture(autouse=True)
def _no_demo_key(monkeypatch, tmp_path):
    """The project's data/demo_cookie_key must not stand in for the key under test."""
    monkeypatch.setattr("core.settings.DEMO_KEY_FILE", tmp_path / "no_demo_cookie_key")
    monkeypatch.delenv("CARELOOP_COOKIE_KEY", raising=False)


def test_a_healthy_database_passes_every_check_and_counts_its_tables(db_url, session, monkeypatch):
    make_user(session, "nurse")
    make_member(session)
    make_member(session)
    session.commit()
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    monkeypatch.setenv("CARELOOP_COOKIE_KEY", GOOD_KEY)
    report = doctor()
    assert report.ok, report.checks
    assert report.counts["members"] == 2 and report.counts["users"] == 1 and report.counts["audit_log"] >= 0
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "members" in result.output and "everything is fine" in result.output


@pytest.mark.parametrize("key", ["", "short-key-of-20-char"])
def test_a_missing_or_short_cookie_key_fails_the_doctor(db_url, monkeypatch, key):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    monkeypatch.setenv("CARELOOP_COOKIE_KEY", key)
    report = doctor()
    failed = [c.name for c in report.checks if not c.ok]
    assert failed == ["ops.check.cookie_key"]
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL cookie key" in result.output and "CARELOOP_COOKIE_KEY" in result.output


def test_an_unmigrated_database_fails_the_migration_check(tmp_path, monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("CARELOOP_COOKIE_KEY", GOOD_KEY)
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL migrations" in result.output and "careloop db upgrade" in result.output


def test_a_database_behind_the_code_fails_the_migration_check(db_url, monkeypatch):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version")
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('0001_foundation')")
    engine.dispose()
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    monkeypatch.setenv("CARELOOP_COOKIE_KEY", GOOD_KEY)
    report = doctor()
    migrations = next(c for c in report.checks if c.name == "ops.check.migrations")
    assert not migrations.ok and migrations.detail == "ops.detail.migrations_behind"
    assert migrations.params["current"] == "0001_foundation"


def test_an_unreachable_database_fails_the_connection_check(monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("CARELOOP_COOKIE_KEY", GOOD_KEY)
    report = doctor()
    assert not report.ok
    database = next(c for c in report.checks if c.name == "ops.check.database")
    assert not database.ok and database.params["message"]
    assert runner.invoke(app, ["doctor"]).exit_code == 1


def test_bad_settings_are_reported_not_raised(monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", "mysql://nope")
    report = doctor()
    assert not report.ok and report.checks[0].name == "ops.check.settings"
    assert "must start with sqlite" in report.checks[0].params["message"]
