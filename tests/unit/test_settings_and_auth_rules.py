"""Settings fail at start with one sentence; password and lockout rules."""

from datetime import datetime, timedelta

import pytest

from core.auth.model import (
    Actor,
    PermissionDenied,
    WeakPassword,
    check_password_strength,
    is_locked,
    require_role,
    session_expired,
    should_lock,
)
from core.settings import SettingsError, load_settings, normalize_database_url

KEY = "x" * 40


def test_defaults_use_embedded_sqlite_and_chinese():
    s = load_settings({"CARELOOP_COOKIE_KEY": KEY})
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("data/careloop.db")
    assert s.lang == "zh_CN"


@pytest.mark.parametrize(("env", "fragment"), [
    ({"CARELOOP_DATABASE_URL": "mysql://x"}, "CARELOOP_DATABASE_URL must start with"),
    ({"CARELOOP_LANG": "fr"}, "CARELOOP_LANG must be one of"),
    ({"CARELOOP_COOKIE_KEY": "short"}, "needs at least 32"),
    ({"CARELOOP_SESSION_IDLE_MINUTES": "ten"}, "CARELOOP_SESSION_IDLE_MINUTES must be a whole number"),
    ({"CARELOOP_COOKIE_EXPIRY_HOURS": "soon"}, "CARELOOP_COOKIE_EXPIRY_HOURS must be a number"),
])
def test_malformed_settings_fail_with_one_clear_sentence(env, fragment):
    env = {"CARELOOP_COOKIE_KEY": KEY, **env}
    with pytest.raises(SettingsError, match=fragment) as info:
        load_settings(env)
    assert str(info.value).count(".") >= 1 and "\n" not in str(info.value)


def test_missing_cookie_key_is_refused_outside_demo_mode(monkeypatch, tmp_path):
    monkeypatch.setattr("core.settings.DEMO_KEY_FILE", tmp_path / "absent")
    with pytest.raises(SettingsError, match="CARELOOP_COOKIE_KEY is not set"):
        load_settings({})


def test_demo_mode_uses_the_generated_key(monkeypatch, tmp_path):
    key_file = tmp_path / "demo_cookie_key"
    key_file.write_text("d" * 48)
    monkeypatch.setattr("core.settings.DEMO_KEY_FILE", key_file)
    s = load_settings({})
    assert s.demo_mode and s.cookie_key == "d" * 48


def test_postgres_urls_use_psycopg():
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("password", ["short1A", "alllowercase123", "ALLUPPERCASE123", "NoDigitsHere!", "Lead1lead-2026"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(WeakPassword):
        check_password_strength("lead1", password)


def test_a_strong_password_passes():
    check_password_strength("lead1", "Strong-Passw0rd")


def test_five_failures_lock_and_the_lock_expires():
    now = datetime(2026, 11, 23, 10, 0)
    assert not should_lock(4) and should_lock(5)
    assert is_locked(now + timedelta(minutes=1), now)
    assert not is_locked(now - timedelta(seconds=1), now)


def test_sessions_end_when_idle_or_too_old():
    start = datetime(2026, 11, 23, 8, 0)
    assert session_expired(start, start + timedelta(minutes=10), start + timedelta(minutes=41), 30, 12) == "idle"
    assert session_expired(start, start + timedelta(hours=12), start + timedelta(hours=12, minutes=5), 30, 12) == "lifetime"
    assert session_expired(start, start, start + timedelta(minutes=29), 30, 12) is None


def test_roles_are_checked_server_side():
    with pytest.raises(PermissionDenied):
        require_role(Actor(1, "a", "a", "advisor"), "admin")
    with pytest.raises(PermissionDenied):
        require_role(None, "admin")
