"""What the SOP calendar shows: scheduled touches and tasks per day, channel and journey; the items of one
day; and the workload a journey will add per advisor per day, against each advisor's daily capacity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, literal, not_, select, union_all
from sqlalchemy.orm import Session

from core.journeys import queries as q
from core.journeys.model import yearly_anchor
from db.models import Member, User
from db.models.journeys import Enrollment, Journey, JourneyStep, Task, Touch

FORECAST_WEEKS = 8


@dataclass(frozen=True)
class DayCount:
    day: date
    journey: str
    channel: str
    kind: str  # touch | task
    count: int


def scheduled_by_day(session: Session, start: date, end: date) -> list[DayCount]:
    """Touches (scheduled or sent) and tasks (open or done) per day, journey and channel in [start, end]."""
    journey_ids = list(session.scalars(select(Journey.id)))  # (journey, day) is the index touches have
    touches = (
        select(Touch.scheduled_for.label("day"), Journey.name.label("journey"), Touch.channel.label("channel"),
               literal("touch").label("kind"), func.count().label("n"))
        .join(Journey, Journey.id == Touch.journey_id)
        .where(Touch.journey_id.in_(journey_ids), Touch.scheduled_for.between(start, end),
               Touch.status.in_(("scheduled", "sent", "delivered")))
        .group_by(Touch.scheduled_for, Journey.name, Touch.channel)
    )
    tasks = (
        select(Task.due_date.label("day"), Journey.name.label("journey"), Task.channel.label("channel"),
               literal("task").label("kind"), func.count().label("n"))
        .outerjoin(Journey, Journey.id == Task.journey_id)
        .where(Task.due_date.between(start, end), Task.status.in_(("open", "done")))
        .group_by(Task.due_date, Journey.name, Task.channel)
    )
    rows = session.execute(union_all(touches, tasks)).all()
    session.rollback()
    return sorted((DayCount(_as_date(r.day), r.journey or "-", r.channel or "phone", r.kind, int(r.n))
                   for r in rows),
                  key=lambda c: (c.day, c.kind, c.journey, c.channel))


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class DayItem:
    kind: str
    id: int
    journey: str | None
    step: str | None
    channel: str | None
    status: str
    member_id: int


def day_items(session: Session, day: date, limit: int = 500) -> list[DayItem]:
    """The touches and tasks of one day (member ids only; no personal data on the calendar)."""
    touches = session.execute(
        select(Touch.id, Journey.name, JourneyStep.name, Touch.channel, Touch.status, Touch.member_id)
        .join(Journey, Journey.id == Touch.journey_id).join(JourneyStep, JourneyStep.id == Touch.step_id)
        .where(Touch.scheduled_for == day).order_by(Touch.id).limit(limit)).all()
    tasks = session.execute(
        select(Task.id, Journey.name, JourneyStep.name, Task.channel, Task.status, Task.member_id)
        .outerjoin(Journey, Journey.id == Task.journey_id).outerjoin(JourneyStep, JourneyStep.id == Task.step_id)
        .where(Task.due_date == day).order_by(Task.id).limit(limit)).all()
    session.rollback()
    return [DayItem("touch", *r) for r in touches] + [DayItem("task", *r) for r in tasks]


@dataclass(frozen=True)
class Workload:
    advisor_id: int
    advisor: str
    day: date
    existing: int
    added: int
    capacity: int

    @property
    def total(self) -> int:
        return self.existing + self.added

    @property
    def over(self) -> bool:
        return self.total > self.capacity


def _candidates(journey: Journey, on: date):
    """Members the journey covers now: its live enrollments and the current matches of its entry audience."""
    enrolled = select(Enrollment.member_id.label("member_id")).where(Enrollment.journey_id == journey.id,
                                                                     Enrollment.exited_on.is_(None))
    if journey.entry_audience:
        return union_all(enrolled, q.audience_members(journey.entry_audience, on)).subquery("cand")
    return enrolled.subquery("cand")


def workload_forecast(session: Session, journey_id: int, start: date, weeks: int = FORECAST_WEEKS) -> list[Workload]:
    """Per advisor and day for `weeks` from `start`: open tasks already scheduled, and the tasks this journey's
    advisor steps would add for the members it covers that do not have them yet."""
    from core.journeys.scheduler import _anchor_value, _Journey

    end = start + timedelta(days=7 * weeks - 1)
    journey = session.get(Journey, journey_id)
    steps = session.scalars(select(JourneyStep).where(JourneyStep.journey_id == journey_id,
                                                      JourneyStep.retired_in_version.is_(None),
                                                      JourneyStep.executor == "advisor")).all()
    existing = dict(((adv, _as_date(day)), n) for adv, day, n in session.execute(
        select(Task.advisor_id, Task.due_date, func.count()).where(Task.status == "open",
                                                                   Task.due_date.between(start, end))
        .group_by(Task.advisor_id, Task.due_date)).all())
    added: dict[tuple[int, date], int] = {}
    if journey is not None and steps:
        cand = _candidates(journey, start)
        members = select(cand.c.member_id).distinct().subquery("cand_members")
        m = Member.__table__
        spec = _Journey(journey.id, journey.anchor, journey.anchor_department_id, journey.anchor_product_code,
                        journey.anchor_month, journey.anchor_day, None, None, (), None, 0, "task")
        advisor = q.assigned_advisor(q.advisor_pools(session), m.c.id, m.c.branch_id, m.c.advisor_id)
        for step in steps:
            anchor = step.anchor or journey.anchor
            offset = 7 * (step.offset_weeks or 0) + step.offset_days
            if anchor == "yearly":
                when = yearly_anchor(start.year, journey.anchor_month or 1, journey.anchor_day or 1)
                due = literal(when + timedelta(days=offset))
            elif anchor == "enrollment":
                enrolled_on = (select(Enrollment.enrolled_on).where(Enrollment.journey_id == journey.id,
                                                                    Enrollment.member_id == m.c.id)
                               .scalar_subquery())
                due = q.add_days(func.coalesce(enrolled_on, literal(start)), offset)
            else:
                due = q.add_days(_anchor_value(anchor, spec, m.c.id), offset + q.base_offset(anchor))
            lineage = step.lineage_id or step.id
            has = select(Task.id).join(Enrollment, Enrollment.id == Task.enrollment_id).where(
                Enrollment.member_id == m.c.id, Enrollment.journey_id == journey.id,
                Task.step_lineage_id == lineage).exists()
            picked = (select(advisor.label("adv"), due.label("due")).select_from(
                members.join(m, m.c.id == members.c.member_id)).where(not_(has))).subquery("picked")
            rows = session.execute(
                select(picked.c.adv, picked.c.due, func.count()).where(
                    and_(picked.c.adv.is_not(None), picked.c.due.between(start, end)))
                .group_by(picked.c.adv, picked.c.due)).all()
            for adv, day, n in rows:
                key = (adv, _as_date(day))
                added[key] = added.get(key, 0) + n
    people = {uid: (name, cap) for uid, name, cap in session.execute(
        select(User.id, User.display_name, User.daily_capacity).where(User.role == "advisor"))}
    session.rollback()
    out = []
    for adv, day in sorted(set(existing) | set(added)):
        if adv not in people:
            continue
        name, cap = people[adv]
        out.append(Workload(adv, name, day, existing.get((adv, day), 0), added.get((adv, day), 0), cap or 0))
    return out
