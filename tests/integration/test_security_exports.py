"""Every export of member data is audit-logged (who, what, how many rows) and masks phones without the right."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from core.auth.model import Actor
from core.kpis.services import record_export
from core.segments.export import export_members
from core.tasks.supervision import export_csv
from db.models import AuditLog
from tests.builders import make_member, make_user

AS_OF = date(2026, 6, 15)
WOMEN = {"all": [{"field": "gender", "op": "=", "value": "F"}]}


def _actor(session, username: str, role: str) -> Actor:
    uid = make_user(session, username, role)
    return Actor(user_id=uid, username=username, display_name=username, role=role)


def _exports(session) -> list[AuditLog]:
    session.rollback()
    return session.scalars(select(AuditLog).where(AuditLog.action == "export").order_by(AuditLog.id)).all()


def test_a_segment_export_is_audited_with_its_rule_and_row_count_and_masks_phones(session):
    lead = _actor(session, "lead9", "lead")
    for _ in range(3):
        make_member(session, gender="F")
    make_member(session, gender="M")
    data = export_members(session, lead, WOMEN, as_of=AS_OF, fmt="csv", segment_id=None)
    text = data.decode("utf-8-sig")
    assert "+86138" not in text  # a lead's export carries masked phone numbers only
    (entry,) = _exports(session)
    changes = json.loads(entry.changes)
    assert entry.actor == "lead9" and entry.entity == "segment"
    assert str(changes["rows"]).strip('"') == "3" and "gender" in str(changes["rule"])


def test_a_supervision_export_is_audited(session):
    supervisor = _actor(session, "sup9", "supervisor")
    export_csv(session, supervisor, date(2026, 6, 1), AS_OF, AS_OF, "advisor")
    (entry,) = _exports(session)
    assert entry.actor == "sup9" and entry.entity == "task_supervision"
    assert "rows" in json.loads(entry.changes)


def test_a_kpi_table_export_is_audited(session):
    lead = _actor(session, "lead8", "lead")
    record_export(session, lead, "reach", 42)
    (entry,) = _exports(session)
    assert entry.actor == "lead8" and entry.entity == "kpi_view" and entry.entity_id == "reach"
    assert "42" in entry.changes
