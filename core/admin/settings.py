"""Operator settings (app_settings): the known keys, their checks, reading and audited writing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.clock import utcnow
from db.models import AppSetting


class InvalidSetting(ValueError):
    """A setting value failed its check; `key` is the catalogue key of the message."""

    def __init__(self, message_key: str, **params: object) -> None:
        super().__init__(message_key, params)
        self.key = message_key
        self.params = params


def _whole(lo: int, hi: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"\d+", value) or not lo <= int(value) <= hi:
            raise InvalidSetting("settings.error.whole", lo=lo, hi=hi)
        return str(int(value))
    return check


def _hours_range(value: str) -> str:
    value = value.strip()
    m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", value)
    if not m or value[:5] == value[6:]:
        raise InvalidSetting("settings.error.hours")
    return value


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: str
    check: Callable[[str], str]


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("journeys.cap_per_7_days", "3", _whole(0, 50)),
    SettingSpec("journeys.quiet_hours", "21:00-08:00", _hours_range),
)
_BY_KEY = {s.key: s for s in SETTINGS}


def current_settings(session: Session, actor: Actor) -> dict[str, str]:
    """Every known setting with its value in force (the default when never set)."""
    require_role(actor, "admin", "lead")
    with session.begin():
        stored = dict(session.execute(select(AppSetting.key, AppSetting.value)
                                      .where(AppSetting.key.in_(list(_BY_KEY)))).all())
    return {s.key: stored.get(s.key, s.default) for s in SETTINGS}


def set_setting(session: Session, actor: Actor, key: str, value: str) -> str:
    """Check and store one setting (administrators only); the change is audit-logged."""
    require_role(actor, "admin")
    spec = _BY_KEY.get(key)
    if spec is None:
        raise InvalidSetting("settings.error.unknown", key=key)
    clean = spec.check(value)
    with session.begin():
        row = session.get(AppSetting, key)
        old = row.value if row else spec.default
        if old == clean:
            return clean
        if row is None:
            session.add(AppSetting(key=key, value=clean, updated_at=utcnow()))
        else:
            row.value, row.updated_at = clean, utcnow()
        record(session, actor, "update", "setting", key, {"value": [old, clean]})
    return clean
