"""Sign-in checks, lockout, server-side sessions and user administration."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

import bcrypt
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.audit.services import diff, record
from core.auth.model import (
    LOCKOUT_DURATION,
    LOCKOUT_WINDOW,
    Actor,
    InvalidUser,
    WeakPassword,
    check_password_strength,
    check_role,
    check_username,
    is_locked,
    require_role,
    session_expired,
    should_lock,
)
from core.clock import utcnow
from core.demo.users import DEMO_MARKER, DEMO_PASSWORD
from db.models import AppSetting, Branch, LoginAttempt, User, UserSession


def _rounds() -> int:
    return int(os.environ.get("CARELOOP_BCRYPT_ROUNDS", "12"))


def hash_password(password: str) -> str:
    """A bcrypt hash of the password."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """True when the password matches the bcrypt hash."""
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


_DUMMY_HASH: dict[int, str] = {}


def equalize_failed_login(password: str) -> None:
    """Spend the time of one bcrypt check, so an unknown or locked user answers as slowly as a known one."""
    rounds = _rounds()
    if rounds not in _DUMMY_HASH:
        _DUMMY_HASH[rounds] = hash_password(secrets.token_hex(8))
    verify_password(password or "x", _DUMMY_HASH[rounds])


def actor_of(user: User) -> Actor:
    """The plain Actor value for a user row."""
    return Actor(user.id, user.username, user.display_name, user.role, user.branch_id, user.team,
                 user.lang or "zh_CN")


def login_credentials(session: Session) -> dict:
    """The credentials dict for streamlit-authenticator: active users that are not locked right now."""
    now = utcnow()
    with session.begin():
        users = session.execute(
            select(User.username, User.display_name, User.password_hash, User.role, User.locked_until)
            .where(User.active.is_(True))
        ).all()
    return {
        "usernames": {
            u.username: {"name": u.display_name, "password": u.password_hash, "roles": [u.role],
                         "email": f"{u.username}@careloop.local", "failed_login_attempts": 0}
            for u in users if not is_locked(u.locked_until, now)
        }
    }


def record_login_attempt(session: Session, username: str, success: bool) -> bool:
    """Record one sign-in attempt; lock the account after 5 failures in 15 minutes. Returns True if now locked."""
    now = utcnow()
    username = (username or "").strip().lower()[:64]
    with session.begin():
        session.add(LoginAttempt(username=username, at=now, success=success))
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            return False
        if success:
            user.failed_logins = 0
            record(session, user.username, "login", "user", user.id)
            return False
        last_success = session.scalar(
            select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.success.is_(True))
        )
        since = max(now - LOCKOUT_WINDOW, last_success or datetime.min)
        failures = session.scalar(
            select(func.count()).select_from(LoginAttempt)
            .where(LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at > since)
        ) or 0
        user.failed_logins = failures
        if should_lock(failures) and not is_locked(user.locked_until, now):
            user.locked_until = now + LOCKOUT_DURATION
            record(session, "system", "lock", "user", user.id, {"failures": failures})
            return True
        return is_locked(user.locked_until, now)


def user_is_locked(session: Session, username: str) -> bool:
    """True while the account is locked (unknown users are never 'locked')."""
    with session.begin():
        until = session.scalar(select(User.locked_until).where(User.username == username.strip().lower()))
    return is_locked(until, utcnow())


def token_hash(token: str) -> str:
    """The stored fingerprint of a session token (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, username: str, token: str) -> int:
    """Record a new server-side session for a successful sign-in; returns its id."""
    now = utcnow()
    with session.begin():
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise InvalidUser("auth.user_not_found", username=username)
        existing = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
        if existing is not None:
            return existing.id
        row = UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now, last_seen_at=now)
        session.add(row)
        session.flush()
        return row.id


def session_id_for_token(session: Session, token: str) -> int | None:
    """The server session a browser cookie points at, if any."""
    with session.begin():
        return session.scalar(select(UserSession.id).where(UserSession.token_hash == token_hash(token)))


class SessionEnded(Exception):
    """The server-side session is over (logout, timeout, password change, user disabled)."""


def check_session(session: Session, session_id: int, *, idle_minutes: int, max_hours: int) -> Actor:
    """The actor of a live session, re-read from the database on every run; raises SessionEnded."""
    now = utcnow()
    with session.begin():
        row = session.get(UserSession, session_id)
        if row is None or row.ended_at is not None:
            raise SessionEnded("ended")
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            row.ended_at, row.end_reason = now, "disabled"
            raise SessionEnded("disabled")
        reason = session_expired(row.created_at, row.last_seen_at, now, idle_minutes, max_hours)
        if reason:
            row.ended_at, row.end_reason = now, reason
            raise SessionEnded(reason)
        if (now - row.last_seen_at).total_seconds() > 30:
            row.last_seen_at = now
        return actor_of(user)


def end_sessions(session: Session, user_id: int, reason: str) -> int:
    """End every live session of a user (logout ends them everywhere, copied cookies included)."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount or 0


def logout(session: Session, actor: Actor) -> None:
    """Sign out: end all of the user's sessions and log it."""
    with session.begin():
        end_sessions(session, actor.user_id, "logout")
        record(session, actor, "logout", "user", actor.user_id)


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    team: str | None
    branch: str | None
    active: bool
    locked_until: datetime | None
    lang: str | None
    daily_capacity: int


def list_users(session: Session, actor: Actor) -> list[UserView]:
    """All staff users (admins only)."""
    require_role(actor, "admin")
    with session.begin():
        rows = session.execute(
            select(User, Branch.name).outerjoin(Branch, Branch.id == User.branch_id).order_by(User.username)
        ).all()
        return [UserView(u.id, u.username, u.display_name, u.role, u.team, b, u.active, u.locked_until,
                         u.lang, u.daily_capacity) for u, b in rows]


def _refuse_demo_password(session: Session, password: str) -> None:
    """The published demo password works only in a database that `careloop demo` created."""
    if password == DEMO_PASSWORD and session.scalar(
            select(AppSetting.key).where(AppSetting.key == DEMO_MARKER)) is None:
        raise WeakPassword("auth.demo_password")


def _branch_id(session: Session, branch_code: str | None) -> int | None:
    if not branch_code:
        return None
    bid = session.scalar(select(Branch.id).where(Branch.code == branch_code))
    if bid is None:
        raise InvalidUser("auth.unknown_branch", branch=branch_code)
    return bid


def create_user(
    session: Session, actor: Actor | None, *, username: str, display_name: str, role: str, password: str,
    team: str | None = None, branch_code: str | None = None, check_strength: bool = True,
) -> int:
    """Create a staff user (admins only; `actor=None` is the operator's CLI)."""
    if actor is not None:
        require_role(actor, "admin")
    username = username.strip().lower()
    check_username(username)
    check_role(role)
    if check_strength:
        check_password_strength(username, password)
    with session.begin():
        _refuse_demo_password(session, password)
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise InvalidUser("auth.user_exists", username=username)
        user = User(username=username, display_name=display_name.strip() or username, role=role, team=team,
                    branch_id=_branch_id(session, branch_code), password_hash=hash_password(password),
                    active=True, failed_logins=0, created_at=utcnow(), password_changed_at=utcnow())
        session.add(user)
        session.flush()
        record(session, actor.username if actor else "cli", "create", "user", user.id,
               {"username": username, "role": role, "team": team, "branch": branch_code})
        return user.id


def update_user(
    session: Session, actor: Actor, username: str, *, role: str | None = None, active: bool | None = None,
    display_name: str | None = None, team: str | None = None, branch_code: str | None = None,
    daily_capacity: int | None = None,
) -> None:
    """Change a user's role, team, branch, capacity or active flag; a role change or disabling ends their sessions."""
    require_role(actor, "admin")
    with session.begin():
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise InvalidUser("auth.user_not_found", username=username)
        old = {"role": user.role, "active": user.active, "display_name": user.display_name, "team": user.team,
               "branch_id": user.branch_id, "daily_capacity": user.daily_capacity}
        if role is not None:
            check_role(role)
            user.role = role
        if active is not None:
            if not active and user.id == actor.user_id:
                raise InvalidUser("auth.cannot_disable_self")
            user.active = active
        if (user.role != "admin" or not user.active) and old["role"] == "admin" and old["active"]:
            others = session.scalar(
                select(func.count()).select_from(User)
                .where(User.role == "admin", User.active.is_(True), User.id != user.id)
            )
            if not others:
                raise InvalidUser("auth.last_admin")
        if display_name is not None:
            user.display_name = display_name.strip() or user.display_name
        if team is not None:
            user.team = team or None
        if branch_code is not None:
            user.branch_id = _branch_id(session, branch_code)
        if daily_capacity is not None:
            user.daily_capacity = max(0, int(daily_capacity))
        new = {"role": user.role, "active": user.active, "display_name": user.display_name, "team": user.team,
               "branch_id": user.branch_id, "daily_capacity": user.daily_capacity}
        changes = diff(old, new)
        if not changes:
            return
        if "role" in changes or "active" in changes:
            end_sessions(session, user.id, "role_change" if user.active else "disabled")
        record(session, actor, "update", "user", user.id, changes)


def set_password(session: Session, actor: Actor | None, username: str, password: str) -> None:
    """Set a new password (the user themself or an admin); ends all of that user's sessions."""
    with session.begin():
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise InvalidUser("auth.user_not_found", username=username)
        if actor is not None and actor.user_id != user.id:
            require_role(actor, "admin")
        check_password_strength(user.username, password)
        _refuse_demo_password(session, password)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        user.locked_until = None
        user.failed_logins = 0
        end_sessions(session, user.id, "password_change")
        record(session, actor.username if actor else "cli", "password", "user", user.id)


def set_language(session: Session, actor: Actor, lang: str) -> None:
    """Remember the user's language choice."""
    if lang not in ("zh_CN", "en"):
        raise InvalidUser("auth.bad_language")
    with session.begin():
        user = session.get(User, actor.user_id)
        if user is not None and user.lang != lang:
            user.lang = lang


def branch_codes(session: Session) -> list[str]:
    """Codes of all branches, for pickers."""
    with session.begin():
        return list(session.scalars(select(Branch.code).order_by(Branch.code)))
