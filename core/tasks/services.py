"""The advisor worklist: my tasks today, overdue and next 7 days, with member facts, script and best price;
one-click outcomes and reassignment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, PermissionDenied, require_role
from core.clock import today, utcnow
from core.journeys.model import render
from core.journeys.render import product_facts
from core.journeys.surveys import send_task_survey
from core.members.model import age_on, life_stage, pii_level, pregnancy_week, shown_name, shown_phone
from db.models import MaternityRecord, Member, User
from db.models.journeys import SUPPRESSION_REASONS, TASK_OUTCOMES, Journey, JourneyStep, Task

MANAGERS = ("lead", "supervisor", "admin")
PAUSE_REASONS = SUPPRESSION_REASONS  # what an advisor may record to pause marketing to a member


class TaskError(ValueError):
    """A task action is not possible; `key` is a catalogue key."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class TaskCard:
    id: int
    bucket: str  # overdue | today | upcoming
    due_date: date
    member_id: int
    member_name: str | None
    phone: str | None
    age: int | None
    stage: str | None
    pregnancy_week: int | None
    journey: str | None
    step: str | None
    kind: str | None
    channel: str | None
    source: str
    script: str
    product_code: str | None
    product_name: str | None
    best_price_cents: int | None


def _bucket(due: date, on: date) -> str:
    return "overdue" if due < on else "today" if due == on else "upcoming"


def worklist(session: Session, actor: Actor, on: date, *, with_prices: bool = True) -> list[TaskCard]:
    """The actor's open tasks due up to 7 days ahead, overdue first."""
    require_role(actor, "advisor")
    rows = session.execute(
        select(Task, Member, MaternityRecord, Journey.name, JourneyStep, User.display_name)
        .join(Member, Member.id == Task.member_id)
        .outerjoin(MaternityRecord, MaternityRecord.member_id == Task.member_id)
        .outerjoin(Journey, Journey.id == Task.journey_id)
        .outerjoin(JourneyStep, JourneyStep.id == Task.step_id)
        .outerjoin(User, User.id == Task.advisor_id)
        .where(Task.advisor_id == actor.user_id, Task.status == "open", Task.due_date <= on + timedelta(days=7))
        .order_by(Task.due_date, Task.id).limit(500)
    ).all()
    cards = []
    for task, member, mr, journey_name, step, advisor_name in rows:
        level = pii_level(actor, actor.user_id)  # an assigned task opens the member to its advisor
        edd, delivered = (mr.expected_delivery_date, mr.delivery_date) if mr else (None, None)
        week = pregnancy_week(edd, delivered, on)
        product = step.product_code if step else None
        name, price = product_facts(session, member.id, product, step.channel if step else None, on) \
            if with_prices and product else (product, None)
        script_source = (step.script or step.template) if step else (task.note or "")
        script = render(script_source, {"name": member.name, "week": week, "advisor": advisor_name,
                                        "product": name, "price": None}) if script_source else ""
        cards.append(TaskCard(
            id=task.id, bucket=_bucket(task.due_date, on), due_date=task.due_date, member_id=member.id,
            member_name=shown_name(member.name, level), phone=shown_phone(member.phone, level),
            age=age_on(member.birth_date, on), stage=life_stage(edd, delivered, on), pregnancy_week=week,
            journey=journey_name, step=step.name if step else None, kind=step.kind if step else None,
            channel=task.channel, source=task.source, script=script, product_code=product, product_name=name,
            best_price_cents=price,
        ))
    session.rollback()
    order = {"overdue": 0, "today": 1, "upcoming": 2}
    return sorted(cards, key=lambda c: (order[c.bucket], c.due_date, c.id))


def _task_for(session: Session, actor: Actor, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise TaskError("tasks.error.not_found")
    if actor.role == "advisor" and task.advisor_id != actor.user_id:
        raise PermissionDenied("not your task")
    return task


def record_outcome(session: Session, actor: Actor, task_id: int, outcome: str, note: str | None = None) -> None:
    """Close an open task with its outcome (reached, unreachable, declined, appointment, purchased) and a note."""
    require_role(actor, "advisor", *MANAGERS)
    if outcome not in TASK_OUTCOMES:
        raise TaskError("tasks.error.outcome")
    with session.begin():
        task = _task_for(session, actor, task_id)
        if task.status != "open":
            raise TaskError("tasks.error.closed")
        task.status = "done"
        task.outcome = outcome
        task.note = (note or "").strip() or task.note
        task.completed_at = utcnow()
        task.completed_by = actor.user_id or None
        record(session, actor, "complete", "task", task_id, {"outcome": outcome, "note": task.note})
    send_task_survey(session, actor, task_id, today())


def reassign(session: Session, actor: Actor, task_id: int, advisor_id: int) -> None:
    """Hand an open task to another active advisor (an advisor only within their own branch)."""
    require_role(actor, "advisor", *MANAGERS)
    with session.begin():
        task = _task_for(session, actor, task_id)
        if task.status != "open":
            raise TaskError("tasks.error.closed")
        target = session.get(User, advisor_id)
        if target is None or target.role != "advisor" or not target.active:
            raise TaskError("tasks.error.advisor")
        if actor.role == "advisor" and target.branch_id != actor.branch_id:
            raise TaskError("tasks.error.branch")
        before = task.advisor_id
        task.advisor_id = advisor_id
        record(session, actor, "reassign", "task", task_id, {"advisor_id": [before, advisor_id]})


def colleagues(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Active advisors the actor may hand tasks to."""
    query = select(User.id, User.display_name).where(User.role == "advisor", User.active.is_(True),
                                                     User.id != actor.user_id)
    if actor.role == "advisor":
        query = query.where(User.branch_id == actor.branch_id) if actor.branch_id is not None \
            else query.where(User.branch_id.is_(None))
    rows = [(uid, name) for uid, name in session.execute(query.order_by(User.display_name)).all()]
    session.rollback()
    return rows


def pause_marketing(session: Session, actor: Actor, task_id: int, reason: str, on: date) -> None:
    """Record a suppression event (pregnancy loss, complaint, bereavement, own request) for the task's member:
    every unsent marketing step for them pauses at once; this task is closed as reached with the reason."""
    from core.journeys.services import record_suppression

    with session.begin():
        task = _task_for(session, actor, task_id)
        member_id = task.member_id
    session.rollback()
    record_suppression(session, actor, member_id, reason, on)
    if session.get(Task, task_id).status == "open":
        session.rollback()
        record_outcome(session, actor, task_id, "reached", reason)


def delivered_elsewhere(session: Session, actor: Actor, task_id: int, on: date) -> int:
    """The task's member delivered at another hospital: her journeys that exit on it end now (pending steps
    cancelled, this task included); returns the journeys ended."""
    from core.journeys.exits import mark_delivered_elsewhere

    with session.begin():
        member_id = _task_for(session, actor, task_id).member_id
    session.rollback()
    return mark_delivered_elsewhere(session, actor, member_id, on)
