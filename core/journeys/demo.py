"""Demo journeys (`careloop demo`): the four templates active, members enrolled by the real scheduler at
checkpoints over the past ~120 days, history filled in set-based with plausible delivery, open and reply rates
and task outcomes, a few suppressions, and a final run for the demo's today (next 8 weeks stay planned)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    Date,
    DateTime,
    Engine,
    and_,
    case,
    insert,
    literal,
    literal_column,
    not_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from core.journeys import queries as q
from core.journeys import scheduler
from core.journeys.senders import OutboundMessage
from core.journeys.templates import install
from db.models import User
from db.models.journeys import Enrollment, Journey, MemberSuppression, Task, Touch, TouchEvent

CHECKPOINTS = (120, 90, 60, 30)  # days before as_of when the scheduler ran in the demo's past


class _DemoGateway:
    """Accepts every message and keeps none (the demo has no real gateway)."""

    name = "demo"

    def send(self, messages: list[OutboundMessage], on: date) -> list[int]:
        return [m.touch_id for m in messages]


def _hours_after(column, hours: int, dialect: str):  # noqa: ANN001, ANN202
    """A naive-UTC instant `hours` after the start of a date column."""
    name = column.key
    if dialect == "sqlite":
        return literal_column(f"datetime({name}, '+{hours} hours')")
    return literal_column(f"(CAST({name} AS TIMESTAMP) + INTERVAL '{hours} hours')")


def _simulate_touches(session: Session, start: date, end: date, dialect: str) -> None:
    """Touches planned in [start, end] went out: ~96% delivered, ~55% of those opened, ~12% replied, 1% opt-out."""
    h = (Touch.id * 7919 + 13) % 100
    h2 = (Touch.id * 104729 + 7) % 100
    window = and_(q.waiting(Touch.status), Touch.scheduled_for.between(start, end))
    session.execute(update(Touch).where(window).values(
        status=case((h >= 96, "failed"), else_="delivered"), sent_on=Touch.scheduled_for,
        sent_at=_hours_after(Touch.scheduled_for, 1, dialect)))
    delivered = and_(Touch.status == "delivered", Touch.sent_on.between(start, end), Touch.delivered_at.is_(None))
    session.execute(update(Touch).where(delivered).values(
        delivered_at=_hours_after(Touch.scheduled_for, 1, dialect),
        opened_at=case((h2 < 55, _hours_after(Touch.scheduled_for, 3, dialect)), else_=None),
        clicked_at=case((h2 < 20, _hours_after(Touch.scheduled_for, 3, dialect)), else_=None),
        replied_at=case((h2 < 12, _hours_after(Touch.scheduled_for, 6, dialect)), else_=None),
        opted_out_at=case((h2 == 99, _hours_after(Touch.scheduled_for, 7, dialect)), else_=None),
    ))
    t = Touch.__table__
    for event, column in (("sent", t.c.sent_at), ("delivered", t.c.delivered_at), ("opened", t.c.opened_at),
                          ("clicked", t.c.clicked_at), ("replied", t.c.replied_at),
                          ("opted_out", t.c.opted_out_at)):
        prior = TouchEvent.__table__.alias("prior")
        logged = select(prior.c.id).where(prior.c.touch_id == t.c.id, prior.c.event == event).exists()
        session.execute(insert(TouchEvent).from_select(
            ["touch_id", "member_id", "event", "at"],
            select(t.c.id, t.c.member_id, literal(event), column)
            .where(t.c.sent_on.between(start, end), column.is_not(None), not_(logged))))


def _simulate_tasks(session: Session, start: date, end: date, dialect: str) -> None:
    """Tasks due in [start, end]: ~85% done (most on the day, some two days late), ~7% still open, the rest cancelled."""
    h = (Task.id * 7919 + 5) % 100
    outcome = case((h < 40, "reached"), (h < 55, "unreachable"), (h < 65, "declined"), (h < 77, "appointment"),
                   else_="purchased")
    late = (Task.id % 7) == 0
    session.execute(update(Task).where(Task.status == "open", Task.due_date.between(start, end), h < 85).values(
        status="done", outcome=outcome, completed_by=Task.advisor_id,
        completed_at=case((late, _hours_after(Task.due_date, 50, dialect)),
                          else_=_hours_after(Task.due_date, 3, dialect))))
    session.execute(update(Task).where(Task.status == "open", Task.due_date.between(start, end), h >= 92)
                    .values(status="cancelled", cancel_reason="demo"))


def seed(engine: Engine, session_factory: sessionmaker, *, seed: int, as_of: date) -> None:
    """Install the templates active and give them ~120 days of history plus the next 8 weeks of plans."""
    dialect = engine.dialect.name
    with session_factory() as session, session.begin():
        lead = session.scalar(select(User.id).where(User.role == "lead").order_by(User.id))
        install(session, status="active", owner_id=lead)
        session.execute(update(Journey).where(Journey.status == "active").values(approved_by=lead))
    gateway = _DemoGateway()
    days = [as_of - timedelta(days=d) for d in CHECKPOINTS]
    for k, day in enumerate(days):
        scheduler.run(session_factory, day, actor="demo", sender=gateway)
        until = days[k + 1] - timedelta(days=1) if k + 1 < len(days) else as_of - timedelta(days=1)
        with session_factory() as session, session.begin():
            _simulate_touches(session, day + timedelta(days=1), until, dialect)
            _simulate_tasks(session, day, until, dialect)
    with session_factory() as session, session.begin():
        obstetrics = select(Enrollment.member_id).join(Journey, Journey.id == Enrollment.journey_id).where(
            Journey.code == "obstetrics_27", ((Enrollment.member_id * 31 + seed) % 97) == 0)
        session.execute(insert(MemberSuppression).from_select(
            ["member_id", "reason", "starts_on", "note", "created_at"],
            select(obstetrics.subquery().c.member_id, literal("pregnancy_loss"),
                   literal(as_of - timedelta(days=10), Date), literal("演示数据"),
                   literal(datetime.combine(as_of - timedelta(days=10), time(2)), DateTime))))
    scheduler.run(session_factory, as_of, actor="demo", sender=gateway)
