"""Write and read the audit log. There is deliberately no update or delete path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.auth.model import Actor, require_role
from core.clock import utcnow
from db.models import AuditLog


def _jsonable(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    entity: str,
    entity_id: object = None,
    changes: dict | None = None,
) -> None:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change)."""
    name = actor if isinstance(actor, str) else actor.username
    session.add(
        AuditLog(
            at=utcnow(),
            actor=name,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            changes=None if changes is None else json.dumps(
                {k: _jsonable(v) for k, v in changes.items()}, ensure_ascii=False, default=str
            ),
        )
    )


def diff(old: dict, new: dict) -> dict:
    """The fields that changed, as {field: [old, new]}."""
    return {k: [_jsonable(old.get(k)), _jsonable(v)] for k, v in new.items() if old.get(k) != v}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    changes: str | None


def list_entries(
    session: Session,
    actor: Actor,
    *,
    text: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 500,
) -> list[AuditEntry]:
    """Newest audit entries matching a free-text filter and a date range (admins only)."""
    require_role(actor, "admin")
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if text.strip():
        like = f"%{text.strip()}%"
        stmt = stmt.where(
            or_(AuditLog.actor.like(like), AuditLog.entity.like(like), AuditLog.action.like(like),
                AuditLog.entity_id.like(like))
        )
    if date_from:
        stmt = stmt.where(AuditLog.at >= datetime.combine(date_from, datetime.min.time()))
    if date_to:
        stmt = stmt.where(AuditLog.at < datetime.combine(date_to, datetime.max.time()))
    with session.begin():
        return [
            AuditEntry(r.id, r.at, r.actor, r.action, r.entity, r.entity_id, r.changes)
            for r in session.scalars(stmt)
        ]
