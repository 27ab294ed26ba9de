"""Operator settings: checked, stored, audited, and read by the scheduler's rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.admin.settings import InvalidSetting, current_settings, set_setting
from core.auth.model import Actor, PermissionDenied
from core.journeys.scheduler import load_rules
from db.models import AuditLog

ADMIN = Actor(1, "admin", "admin", "admin")


def test_defaults_then_a_checked_change_is_audited_and_used_by_the_scheduler(Session):
    assert current_settings(Session(), ADMIN) == {"journeys.cap_per_7_days": "3", "journeys.quiet_hours": "21:00-08:00"}
    set_setting(Session(), ADMIN, "journeys.cap_per_7_days", " 5 ")
    set_setting(Session(), ADMIN, "journeys.quiet_hours", "22:00-07:30")
    with Session() as s:
        rules = load_rules(s)
        assert rules.cap == 5 and rules.quiet == (22 * 60, 7 * 60 + 30)
        entry = s.scalar(select(AuditLog).where(AuditLog.entity == "setting", AuditLog.entity_id == "journeys.cap_per_7_days"))
        assert '"3"' in entry.changes and '"5"' in entry.changes


@pytest.mark.parametrize(("key", "value", "message"), [
    ("journeys.cap_per_7_days", "-1", "settings.error.whole"),
    ("journeys.cap_per_7_days", "three", "settings.error.whole"),
    ("journeys.quiet_hours", "9pm-8am", "settings.error.hours"),
    ("journeys.quiet_hours", "08:00-08:00", "settings.error.hours"),
    ("no.such.key", "1", "settings.error.unknown"),
])
def test_bad_values_are_refused_with_a_reason(Session, key, value, message):
    with pytest.raises(InvalidSetting) as info:
        set_setting(Session(), ADMIN, key, value)
    assert info.value.key == message
    assert current_settings(Session(), ADMIN)["journeys.cap_per_7_days"] == "3"


def test_only_admins_change_settings(Session):
    with pytest.raises(PermissionDenied):
        set_setting(Session(), Actor(2, "lead", "lead", "lead"), "journeys.cap_per_7_days", "4")
