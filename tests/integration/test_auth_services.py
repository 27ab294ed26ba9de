"""Lockout, server-side sessions and user administration against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.auth.model import InvalidUser, PermissionDenied, WeakPassword
from core.auth.services import (
    SessionEnded,
    actor_of,
    check_session,
    create_user,
    login_credentials,
    logout,
    record_login_attempt,
    set_password,
    start_session,
    update_user,
    user_is_locked,
)
from db.models import AuditLog, User, UserSession
from tests.builders import make_user

LIMITS = {"idle_minutes": 30, "max_hours": 12}


def _actor(session, username):
    return actor_of(session.scalar(select(User).where(User.username == username)))


def test_five_failures_lock_the_account_and_hide_it_from_the_login(session, Session):
    make_user(session, "nurse", "advisor")
    for _ in range(4):
        assert record_login_attempt(Session(), "nurse", False) is False
    assert record_login_attempt(Session(), "nurse", True) is False  # a success resets the window
    for _ in range(4):
        record_login_attempt(Session(), "nurse", False)
    assert record_login_attempt(Session(), "nurse", False) is True
    assert user_is_locked(Session(), "nurse")
    assert "nurse" not in login_credentials(Session())["usernames"]
    with Session() as s:
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "lock"))


def test_failures_for_unknown_users_lock_nothing(Session):
    for _ in range(6):
        assert record_login_attempt(Session(), "ghost", False) is False
    assert not user_is_locked(Session(), "ghost")


def test_a_session_ends_on_logout_everywhere_including_copied_cookies(session, Session):
    make_user(session, "lead9", "lead")
    sid1 = start_session(Session(), "lead9", "cookie-token-1")
    sid2 = start_session(Session(), "lead9", "cookie-token-2")
    assert start_session(Session(), "lead9", "cookie-token-1") == sid1  # the same cookie maps to one session
    actor = check_session(Session(), sid1, **LIMITS)
    logout(Session(), actor)
    for sid in (sid1, sid2):
        with pytest.raises(SessionEnded):
            check_session(Session(), sid, **LIMITS)


def test_idle_sessions_end(session, Session):
    make_user(session, "sup9", "supervisor")
    sid = start_session(Session(), "sup9", "tok")
    with Session() as s:
        row = s.get(UserSession, sid)
        row.last_seen_at -= timedelta(minutes=31)
        s.commit()
    with pytest.raises(SessionEnded, match="idle"):
        check_session(Session(), sid, **LIMITS)


def test_a_password_change_ends_all_sessions_and_needs_a_strong_password(session, Session):
    make_user(session, "adv9", "advisor")
    sid = start_session(Session(), "adv9", "tok")
    with pytest.raises(WeakPassword):
        set_password(Session(), None, "adv9", "weak")
    set_password(Session(), None, "adv9", "Much-Str0nger-pw")
    with pytest.raises(SessionEnded):
        check_session(Session(), sid, **LIMITS)


def test_a_demoted_user_is_re_read_on_the_next_check(session, Session):
    make_user(session, "boss", "admin")
    make_user(session, "lead7", "lead")
    admin = _actor(session, "boss")
    sid = start_session(Session(), "lead7", "tok")
    update_user(Session(), admin, "lead7", role="advisor")
    with pytest.raises(SessionEnded):
        check_session(Session(), sid, **LIMITS)
    sid2 = start_session(Session(), "lead7", "tok2")
    assert check_session(Session(), sid2, **LIMITS).role == "advisor"


def test_only_admins_manage_users_and_the_last_admin_stays(session, Session):
    make_user(session, "boss", "admin")
    make_user(session, "lead7", "lead")
    with pytest.raises(PermissionDenied):
        create_user(Session(), _actor(session, "lead7"), username="x1x", display_name="x", role="advisor",
                    password="Strong-Passw0rd")
    with pytest.raises(InvalidUser) as info:
        update_user(Session(), _actor(session, "boss"), "boss", role="lead")
    assert info.value.key == "auth.last_admin"


def test_creating_a_user_is_audited_without_the_password(session, Session):
    make_user(session, "boss", "admin")
    create_user(Session(), _actor(session, "boss"), username="Nurse.Li", display_name="李护士", role="advisor",
                password="Strong-Passw0rd")
    with Session() as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "create"))
        assert entry.actor == "boss" and "nurse.li" in entry.changes and "Passw0rd" not in entry.changes
        assert s.scalar(select(User.password_hash).where(User.username == "nurse.li")).startswith("$2")


def test_the_demo_password_is_refused_outside_a_demo_database(session, Session):
    from core.demo.users import DEMO_PASSWORD

    make_user(session, "boss", "admin")
    with pytest.raises(WeakPassword) as info:
        create_user(Session(), _actor(session, "boss"), username="nurse", display_name="n", role="advisor",
                    password=DEMO_PASSWORD)
    assert info.value.args[0] == "auth.demo_password"
    with pytest.raises(WeakPassword):
        set_password(Session(), None, "boss", DEMO_PASSWORD)
