"""Exit rules of a journey: consent withdrawn, delivered elsewhere, refunded, a suppression, a segment rule —
their SQL, the settings service that edits them, and marking a member as delivered elsewhere by hand.

"Delivered elsewhere": the member's delivery date is recorded (by the HIS import or on the profile) but no
inpatient stay of hers at any of our branches surrounds it — admitted up to 7 days before, at the latest the
day after. The rule waits 3 days after the delivery for the stay to be imported before it decides.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.journeys import queries as q
from core.journeys.model import EDITOR_ROLES, JourneyError
from db.models import MaternityRecord, Visit
from db.models.journeys import Enrollment, Journey, Task, Touch

EXIT_CODES = ("consent_withdrawn", "delivered_elsewhere", "refunded", "suppressed", "segment")
IMPORT_GRACE_DAYS = 3
ADMITTED_BEFORE_DAYS = 7


def delivered_elsewhere(member_id: ColumnElement, on: date) -> ColumnElement:
    """True for a member whose delivery (at least 3 days before `on`) has no inpatient stay of ours around it."""
    mr = MaternityRecord.__table__.alias("delivered")
    stay = exists().where(Visit.member_id == mr.c.member_id, Visit.kind == "inpatient",
                          Visit.visit_date >= q.add_days(mr.c.delivery_date, -ADMITTED_BEFORE_DAYS),
                          Visit.visit_date <= q.add_days(mr.c.delivery_date, 1))
    return exists().where(mr.c.member_id == member_id, mr.c.delivery_date.is_not(None),
                          mr.c.delivery_date <= on - timedelta(days=IMPORT_GRACE_DAYS), ~stay)


def parse(rules_json: str | None) -> list[str]:
    """The stored exit rules (a JSON list of codes, `refunded:<product prefix>`, `suppressed[:<reason>]`)."""
    return list(json.loads(rules_json or "[]"))


def check_rules(rules: list[str], exit_segment_id: int | None) -> list[str]:
    """The rules when each is known and complete (a segment rule needs its segment), else JourneyError."""
    clean = []
    for rule in rules:
        code, _, param = rule.partition(":")
        if code not in EXIT_CODES:
            raise JourneyError("journeys.error.exit_rule", rule=rule)
        if code == "refunded" and not param.strip():
            raise JourneyError("journeys.error.exit_refund_prefix")
        if code == "segment" and exit_segment_id is None:
            raise JourneyError("journeys.error.exit_segment")
        clean.append(f"{code}:{param.strip()}" if param.strip() else code)
    return list(dict.fromkeys(clean))


def update_exit_rules(session: Session, actor: Actor, journey_id: int, rules: list[str],
                      exit_segment_id: int | None) -> None:
    """Set the journey's exit rules (checked at every run from the next one on); audited."""
    require_role(actor, *EDITOR_ROLES)
    clean = check_rules(rules, exit_segment_id)
    with session.begin():
        journey = session.get(Journey, journey_id)
        if journey is None:
            raise JourneyError("journeys.error.not_found")
        before = {"exit_rules": parse(journey.exit_rules), "exit_segment_id": journey.exit_segment_id}
        journey.exit_rules = json.dumps(clean)
        journey.exit_segment_id = exit_segment_id if any(r == "segment" for r in clean) else None
        record(session, actor, "update", "journey", journey_id,
               {"before": before, "after": {"exit_rules": clean, "exit_segment_id": journey.exit_segment_id}})


def mark_delivered_elsewhere(session: Session, actor: Actor, member_id: int, on: date) -> int:
    """A member told us she delivered at another hospital: she leaves every journey that exits on that rule,
    at once, and their unsent steps are skipped or cancelled. Returns the enrollments ended."""
    require_role(actor, "lead", "advisor", "supervisor", "admin")
    with session.begin():
        journeys = [jid for jid, rules in session.execute(select(Journey.id, Journey.exit_rules)).all()
                    if "delivered_elsewhere" in parse(rules)]
        live = and_(Enrollment.member_id == member_id, Enrollment.journey_id.in_(journeys),
                    Enrollment.exited_on.is_(None))
        ended = list(session.scalars(select(Enrollment.id).where(live)))
        if ended:
            session.execute(update(Enrollment).where(Enrollment.id.in_(ended))
                            .values(exited_on=on, exit_reason="delivered_elsewhere"))
            session.execute(update(Touch).where(Touch.enrollment_id.in_(ended), Touch.status == "scheduled")
                            .values(status="skipped", skip_reason="exited"))
            session.execute(update(Task).where(Task.enrollment_id.in_(ended), Task.status == "open")
                            .values(status="cancelled", cancel_reason="exited"))
        record(session, actor, "delivered_elsewhere", "member", member_id, {"enrollments": ended})
        return len(ended)
