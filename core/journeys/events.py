"""Load delivery, open, click, reply and opt-out events from a gateway export (CSV or JSON lines)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import Member
from db.models.journeys import TOUCH_EVENTS, Touch, TouchEvent

COLUMN = {"delivered": "delivered_at", "opened": "opened_at", "clicked": "clicked_at", "replied": "replied_at",
          "opted_out": "opted_out_at", "sent": "sent_at"}
CHUNK = 2000


@dataclass(frozen=True)
class EventImport:
    read: int
    loaded: int
    unknown_touch: int
    invalid: int

    def line(self) -> str:
        return f"read {self.read}, loaded {self.loaded}, unknown touches {self.unknown_touch}, invalid {self.invalid}"


def _parse_at(raw: str) -> datetime:
    """An ISO instant; with an offset it is converted to naive UTC, without one it is taken as UTC."""
    value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    if value.tzinfo is not None:
        from datetime import UTC

        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def read_events(path: Path) -> tuple[list[tuple[int, str, datetime]], int]:
    """(touch_id, event, at) rows from a CSV with a header or a JSON-lines file; and the count of bad lines."""
    rows, bad = [], 0
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".json"):
        records = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                bad += 1
    else:
        records = list(csv.DictReader(text.splitlines()))
    for record in records:
        try:
            event = str(record["event"]).strip().lower()
            if event not in TOUCH_EVENTS:
                raise ValueError(event)
            rows.append((int(record["touch_id"]), event, _parse_at(str(record["at"]))))
        except (KeyError, ValueError, TypeError):
            bad += 1
    return rows, bad


def import_events(session: Session, path: Path) -> EventImport:
    """Store each new event once and stamp the first instant of each kind on its touch."""
    rows, bad = read_events(path)
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TouchEvent).on_conflict_do_nothing()
    loaded = unknown = 0
    with session.begin():
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            ids = sorted({r[0] for r in chunk})
            members = dict(session.execute(select(Touch.id, Touch.member_id).where(Touch.id.in_(ids))).all())
            values = [{"touch_id": t, "member_id": members[t], "event": e, "at": at}
                      for t, e, at in chunk if t in members]
            unknown += len(chunk) - len(values)
            if values:
                before = session.scalar(select(func.count()).select_from(TouchEvent)
                                        .where(TouchEvent.touch_id.in_(ids)))
                session.execute(ins, values)
                after = session.scalar(select(func.count()).select_from(TouchEvent)
                                       .where(TouchEvent.touch_id.in_(ids)))
                loaded += after - before
            for event, column in COLUMN.items():
                first = (select(func.min(TouchEvent.at)).where(TouchEvent.touch_id == Touch.id,
                                                              TouchEvent.event == event).scalar_subquery())
                session.execute(update(Touch).where(Touch.id.in_(ids), getattr(Touch, column).is_(None))
                                .values({column: first}))
            session.execute(update(Touch).where(Touch.id.in_(ids), Touch.status == "sent",
                                                Touch.delivered_at.is_not(None)).values(status="delivered"))
            for channel, consent in (("sms", "sms_consent"), ("wecom", "wecom_consent")):
                opted = select(Touch.member_id).where(
                    Touch.id.in_(ids), Touch.opted_out_at.is_not(None),
                    Touch.channel.in_(("sms",) if channel == "sms" else ("wecom", "wecom_group", "moments")))
                session.execute(update(Member).where(and_(Member.id.in_(opted), getattr(Member, consent).is_(True)))
                                .values({consent: False}))
    return EventImport(len(rows) + bad, loaded, unknown, bad)
