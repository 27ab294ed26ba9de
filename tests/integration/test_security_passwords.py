"""Passwords and keys: no default or demo sign-in outside a demo database, bcrypt only, strong passwords."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from core.auth.services import create_user, login_credentials, verify_password
from core.cli import app
from core.demo.users import DEMO_PASSWORD, DEMO_USERS, is_demo_database
from core.settings import load_settings
from db.models import User

runner = CliRunner()
KEY = "x" * 40


def test_a_freshly_migrated_database_has_no_users_and_prints_no_demo_sign_in(db_url, engine, Session, monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with Session() as s:
        assert s.scalars(select(User.username)).all() == []
    with Session() as s:
        assert login_credentials(s)["usernames"] == {}
    assert not is_demo_database(engine)
    out = runner.invoke(app, ["users", "demo-logins"]).output
    assert DEMO_PASSWORD not in out


def test_the_demo_password_opens_no_account_of_a_database_not_made_by_the_demo(session):
    """Operators may reuse the demo user names; the accounts they create answer only to their own passwords."""
    reused = [u for u in DEMO_USERS if len(u[0]) >= 3][:5]
    for username, name, role, _team, _branch in reused:
        create_user(session, None, username=username, display_name=name, role=role, password="Ward-7-Secure-Key")
    hashes = session.scalars(select(User.password_hash)).all()
    assert len(hashes) == 5
    assert not any(verify_password(DEMO_PASSWORD, h) for h in hashes)
    assert all(verify_password("Ward-7-Secure-Key", h) for h in hashes)


def test_passwords_are_kept_only_as_bcrypt_hashes(session):
    create_user(session, None, username="nurse", display_name="Nurse", role="advisor", password="Ward-7-Secure-Key")
    stored = session.scalar(select(User.password_hash).where(User.username == "nurse"))
    assert stored.startswith(("$2b$", "$2a$", "$2y$")) and "Ward-7-Secure-Key" not in stored
    row = session.scalar(select(User).where(User.username == "nurse"))
    assert not any("Ward-7-Secure-Key" in str(getattr(row, c.key)) for c in User.__table__.columns)


@pytest.mark.parametrize("password", [
    "Short1A",               # fewer than 10 characters
    "alllowercase123",       # no capital letter
    "ALLUPPERCASE123",       # no small letter
    "NoDigitsAtAllHere",     # no digit
    "Xnurse2026abc",         # contains the user name
])
def test_users_add_on_the_command_line_refuses_weak_passwords(db_url, session, monkeypatch, password):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    result = runner.invoke(app, ["users", "add", "nurse", "--role", "advisor"], input=f"{password}\n")
    assert result.exit_code == 2
    assert "weak" in result.output
    assert session.scalars(select(User.username)).all() == []


def test_the_session_cookie_lasts_8_hours_unless_configured():
    assert load_settings({"CARELOOP_COOKIE_KEY": KEY}).cookie_expiry_hours == 8.0
    assert load_settings({"CARELOOP_COOKIE_KEY": KEY, "CARELOOP_COOKIE_EXPIRY_HOURS": "2"}).cookie_expiry_hours == 2.0


def test_a_cookie_key_given_in_the_environment_is_never_demo_mode():
    assert load_settings({"CARELOOP_COOKIE_KEY": KEY}).demo_mode is False
