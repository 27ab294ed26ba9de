"""Time in one place: UTC instants in the database, local dates for the hospital."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current instant as a naive UTC datetime (how the database stores instants)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date at the hospital (Asia/Shanghai)."""
    return datetime.now(LOCAL_TZ).date()


def to_local(instant: datetime | None) -> datetime | None:
    """A stored naive-UTC instant as hospital-local time."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)
