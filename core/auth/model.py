"""Roles, the acting user, permission checks and password rules (no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

ROLES = ("admin", "lead", "product_manager", "supervisor", "advisor")
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)
USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,32}$")


class PermissionDenied(Exception):
    """The acting user's role or scope does not allow this."""


class WeakPassword(ValueError):
    """The password does not meet the policy."""


class InvalidUser(ValueError):
    """A user field is invalid; args[0] is a catalogue key, args[1] its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member on whose behalf a service runs."""

    user_id: int
    username: str
    display_name: str
    role: str
    branch_id: int | None = None
    team: str | None = None
    lang: str = "zh_CN"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


SYSTEM = Actor(user_id=0, username="system", display_name="system", role="admin")


def require_role(actor: Actor | None, *roles: str) -> Actor:
    """Return the actor when their role is one of `roles`, else raise PermissionDenied."""
    if actor is None:
        raise PermissionDenied("not signed in")
    if actor.role not in roles:
        raise PermissionDenied(f"role {actor.role} may not do this (needs one of {', '.join(roles)})")
    return actor


def check_password_strength(username: str, password: str) -> None:
    """Raise WeakPassword unless the password has ≥10 chars, upper, lower, digit, and no username."""
    if (
        len(password) < 10
        or not re.search(r"[a-z]", password)
        or not re.search(r"[A-Z]", password)
        or not re.search(r"\d", password)
        or (username and username.lower() in password.lower())
    ):
        raise WeakPassword("auth.weak_password")


def check_username(username: str) -> None:
    """Raise InvalidUser when a username is not 3–32 simple lower-case characters."""
    if not USERNAME_RE.match(username or ""):
        raise InvalidUser("auth.bad_username")


def check_role(role: str) -> None:
    """Raise InvalidUser for a role that does not exist."""
    if role not in ROLES:
        raise InvalidUser("auth.unknown_role", role=role)


def should_lock(failures_in_window: int) -> bool:
    """Five failures inside the window lock the account."""
    return failures_in_window >= LOCKOUT_FAILURES


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """True while a lock is in force."""
    return locked_until is not None and locked_until > now


def session_expired(created_at: datetime, last_seen_at: datetime, now: datetime,
                    idle_minutes: int, max_hours: int) -> str | None:
    """Why a session has ended by time ('idle' or 'lifetime'), or None when it is still alive."""
    if now - last_seen_at > timedelta(minutes=idle_minutes):
        return "idle"
    if now - created_at > timedelta(hours=max_hours):
        return "lifetime"
    return None
