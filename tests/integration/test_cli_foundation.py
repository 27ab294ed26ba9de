"""The command line of the foundation: migrations, demo loading once, users."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from core.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_db_upgrade_then_demo_loads_once_and_prints_the_logins(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    monkeypatch.setattr("core.settings.DEMO_KEY_FILE", tmp_path / "demo_cookie_key")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(app, ["demo", "--members", "500", "--seed", "3", "--as-of", "2026-11-23"])
    assert first.exit_code == 0, first.output
    assert "demo loaded: 500 members" in first.output
    assert (tmp_path / "demo_cookie_key").read_text().strip()
    again = runner.invoke(app, ["demo", "--members", "500", "--if-empty"])
    assert again.exit_code == 0 and "nothing loaded" in again.output
    refused = runner.invoke(app, ["demo", "--members", "500"])
    assert refused.exit_code == 2
    logins = runner.invoke(app, ["users", "demo-logins"])
    assert "CareLoop2026" in logins.output and "lead" in logins.output


def test_a_non_demo_database_prints_no_demo_logins(db_url, monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    out = runner.invoke(app, ["users", "demo-logins"]).output
    assert "CareLoop2026" not in out


def test_users_add_reads_the_password_from_stdin_and_refuses_weak_ones(db_url, monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    weak = runner.invoke(app, ["users", "add", "nurse", "--role", "advisor"], input="password\n")
    assert weak.exit_code == 2 and "too weak" in weak.output
    ok = runner.invoke(app, ["users", "add", "nurse", "--role", "advisor"], input="Strong-Passw0rd\n")
    assert ok.exit_code == 0, ok.output
    listed = runner.invoke(app, ["users", "list"]).output
    assert "nurse" in listed and "advisor" in listed


def test_a_bad_database_url_is_one_sentence_not_a_traceback():
    env = {**os.environ, "CARELOOP_DATABASE_URL": "mysql://nope"}
    result = subprocess.run([sys.executable, "-m", "core.cli", "db", "current"], env=env, capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("careloop: CARELOOP_DATABASE_URL must start with sqlite:/// or postgresql://, "
                                     "not 'mysql'.")
