"""KPIs on journeys: reach, frequency, task completion, step effectiveness and journey uplift.

Reach and frequency read the daily rollup (core.kpis.rollups) by default; `reach_facts` gives the raw
facts they are defined on, and `use_rollup=False` computes from them directly (tests compare both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Float,
    Select,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from core.kpis import definitions as d
from core.kpis.definitions import KpiFilter
from core.kpis.sql import add_days, as_int, local_date, member_scope, month_of, utc_bounds, week_of
from db.models import Order, Visit
from db.models.journeys import Enrollment, JourneyStep, Task, Touch
from db.models.kpis import Appointment, KpiReachDay, KpiReachPair, KpiStepDay, KpiTaskDay

TASK_CHANNEL_DEFAULT = "phone"


def reach_facts(first: date, last: date) -> Select:
    """(member_id, channel, journey_id, day) of every delivered touch and every task completed with a
    reaching outcome (reached, declined, appointment, purchased) on the local days first..last."""
    start, end = utc_bounds(first, last)
    delivered = select(
        Touch.member_id, Touch.channel, Touch.journey_id, local_date(Touch.delivered_at).label("day"),
    ).where(Touch.delivered_at >= start, Touch.delivered_at < end)
    reaching = select(
        Task.member_id, func.coalesce(Task.channel, TASK_CHANNEL_DEFAULT).label("channel"),
        func.coalesce(Task.journey_id, 0).label("journey_id"), local_date(Task.completed_at).label("day"),
    ).where(Task.status == "done", Task.outcome.in_(d.REACHING_OUTCOMES),
            Task.completed_at >= start, Task.completed_at < end)
    return union_all(delivered, reaching)


def _cuts(f: KpiFilter, src, segment: Select | None) -> list:  # noqa: ANN001
    conds = member_scope(f, src.c.member_id, segment)
    if f.channel:
        conds.append(src.c.channel == f.channel)
    if f.journey_id is not None:
        conds.append(src.c.journey_id == f.journey_id)
    return conds


def _pointer(f: KpiFilter, by: str | None = None):  # noqa: ANN202
    """The rollup pointer column whose grouping matches the filter (and an optional breakdown)."""
    channel = bool(f.channel) or by == "channel"
    journey = f.journey_id is not None or by == "journey_id"
    r = KpiReachDay
    return r.prev_cj if channel and journey else r.prev_channel if channel else r.prev_journey if journey else r.prev_any


def _pairs(f: KpiFilter, by: str | None = None):  # noqa: ANN202
    """The reach aggregate and the conditions selecting the grouping and cuts of the filter (and breakdown)."""
    p = KpiReachPair.__table__
    channel = bool(f.channel) or by == "channel"
    journey = f.journey_id is not None or by == "journey_id"
    grouping = "cj" if channel and journey else "c" if channel else "j" if journey else "a"
    conds = [p.c.grouping == grouping, p.c.day.between(f.date_from, f.date_to)]
    if f.branch_id is not None:
        conds.append(p.c.branch_id == f.branch_id)
    if f.channel:
        conds.append(p.c.channel == f.channel)
    if f.journey_id is not None:
        conds.append(p.c.journey_id == f.journey_id)
    return p, conds


def _first_in(pointer, start):  # noqa: ANN001, ANN202
    return or_(pointer.is_(None), pointer < start)


@dataclass(frozen=True)
class Reach:
    reached: int
    touches: int

    @property
    def frequency(self) -> float | None:
        return d.frequency(self.touches, self.reached)


def reach(session: Session, f: KpiFilter, segment: Select | None = None, *, use_rollup: bool = True) -> Reach:
    """Reach: distinct members with ≥ 1 delivered touch or a task completed with a reaching outcome in the
    period; touches: those delivered touches and reaching tasks (frequency = touches ÷ reach)."""
    if use_rollup and segment is None:
        p, conds = _pairs(f)
        n, touches = session.execute(
            select(func.sum(case((p.c.prev < f.date_from, p.c.members), else_=0)), func.sum(p.c.touches))
            .where(*conds)).one()
        return Reach(as_int(n), as_int(touches))
    if use_rollup:
        r = KpiReachDay.__table__
        conds = [r.c.day.between(f.date_from, f.date_to), *_cuts(f, r, segment)]
        first = _first_in(_pointer(f), f.date_from)
        n, touches = session.execute(
            select(func.sum(case((first, 1), else_=0)), func.sum(r.c.touches)).where(*conds)).one()
        return Reach(as_int(n), as_int(touches))
    src = reach_facts(f.date_from, f.date_to).subquery()
    n, touches = session.execute(
        select(func.count(distinct(src.c.member_id)), func.count()).where(*_cuts(f, src, segment))).one()
    return Reach(as_int(n), as_int(touches))


def reach_by(session: Session, f: KpiFilter, by: str, segment: Select | None = None, *,
             use_rollup: bool = True) -> list[dict]:
    """Reach and touches per `by`: channel, journey_id, day, week or month (exact distinct members)."""
    if use_rollup and segment is None:
        p, conds = _pairs(f, by)
        if by in ("channel", "journey_id"):
            key = p.c[by]
            rows = session.execute(
                select(key.label("key"), func.sum(case((p.c.prev < f.date_from, p.c.members), else_=0)),
                       func.sum(p.c.touches)).where(*conds).group_by(key).order_by(key)).all()
        else:
            # a row is its member's first in a bucket when its pointer lies before the bucket (or the period)
            start_of = {"day": lambda c: c, "week": week_of}.get(by)
            later = (p.c.prev >= start_of(p.c.day)) if start_of else (month_of(p.c.prev) == month_of(p.c.day))
            per_day = (select(p.c.day, func.sum(case((or_(p.c.prev < f.date_from, ~later), p.c.members),
                                                     else_=0)).label("n"), func.sum(p.c.touches).label("t"))
                       .where(*conds).group_by(p.c.day).subquery())
            key = {"day": per_day.c.day, "week": week_of(per_day.c.day), "month": month_of(per_day.c.day)}[by]
            rows = session.execute(
                select(key.label("key"), func.sum(per_day.c.n), func.sum(per_day.c.t)).group_by(key).order_by(key)
            ).all()
    elif use_rollup:
        r = KpiReachDay.__table__
        pointer = _pointer(f, by)
        conds = [r.c.day.between(f.date_from, f.date_to), *_cuts(f, r, segment)]
        if by in ("channel", "journey_id"):
            key, first = r.c[by], _first_in(pointer, f.date_from)
            rows = session.execute(
                select(key.label("key"), func.sum(case((first, 1), else_=0)), func.sum(r.c.touches))
                .where(*conds).group_by(key).order_by(key)
            ).all()
        else:
            # first per day in day order (no sort), then days into weeks or months: a row is the member's first
            # in its bucket when its pointer lies before the bucket (or before the period)
            start_of = {"day": lambda c: c, "week": week_of}.get(by)
            later = (pointer >= start_of(r.c.day)) if start_of else (month_of(pointer) == month_of(r.c.day))
            per_day = (select(r.c.day, func.sum(case((or_(pointer.is_(None), pointer < f.date_from, ~later), 1),
                                                     else_=0)).label("n"), func.sum(r.c.touches).label("t"))
                       .where(*conds).group_by(r.c.day).subquery())
            key = {"day": per_day.c.day, "week": week_of(per_day.c.day), "month": month_of(per_day.c.day)}[by]
            rows = session.execute(
                select(key.label("key"), func.sum(per_day.c.n), func.sum(per_day.c.t)).group_by(key).order_by(key)
            ).all()
    else:
        src = reach_facts(f.date_from, f.date_to).subquery()
        key = {"day": src.c.day, "week": week_of(src.c.day), "month": month_of(src.c.day)}.get(by)
        key = src.c[by] if key is None else key
        rows = session.execute(
            select(key.label("key"), func.count(distinct(src.c.member_id)), func.count())
            .where(*_cuts(f, src, segment)).group_by(key).order_by(key)
        ).all()
    return [{by: k, "reached": as_int(n), "touches": as_int(t), "frequency": d.frequency(as_int(t), as_int(n))}
            for k, n, t in rows]


def frequency_distribution(session: Session, f: KpiFilter, segment: Select | None = None, *,
                           use_rollup: bool = True) -> list[dict]:
    """How many reached members got 1, 2, 3, 4–5, 6–10, 11+ touches in the period."""
    if use_rollup:
        r = KpiReachDay.__table__
        per_member = (select(r.c.member_id, func.sum(r.c.touches).label("n"))
                      .where(r.c.day.between(f.date_from, f.date_to), *_cuts(f, r, segment))
                      .group_by(r.c.member_id).subquery())
    else:
        src = reach_facts(f.date_from, f.date_to).subquery()
        per_member = (select(src.c.member_id, func.count().label("n")).where(*_cuts(f, src, segment))
                      .group_by(src.c.member_id).subquery())
    whens = [((per_member.c.n == low) if high == low else
              (per_member.c.n >= low) if high is None else per_member.c.n.between(low, high),
              literal(d.frequency_bucket(low))) for low, high in d.FREQUENCY_BUCKETS]
    bucket = case(*whens, else_=literal("0"))
    rows = dict(session.execute(select(bucket, func.count()).group_by(bucket)).all())
    return [{"bucket": d.frequency_bucket(low), "members": as_int(rows.get(d.frequency_bucket(low)))}
            for low, _ in d.FREQUENCY_BUCKETS]


@dataclass(frozen=True)
class TaskCompletion:
    due: int
    done_by_due: int
    done_late: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return d.task_completion_rate(self.done_by_due, self.due)


def _task_conditions(f: KpiFilter, segment: Select | None) -> list:
    conds = [Task.due_date.between(f.date_from, f.date_to), Task.status != "cancelled",
             *member_scope(f, Task.member_id, segment)]
    if f.journey_id is not None:
        conds.append(Task.journey_id == f.journey_id)
    if f.channel:
        conds.append(Task.channel == f.channel)
    return conds


def _task_columns(as_of: date):  # noqa: ANN202
    done = Task.status == "done"
    on_time = and_(done, local_date(Task.completed_at) <= Task.due_date)
    return (func.count(), func.sum(case((on_time, 1), else_=0)),
            func.sum(case((and_(done, ~on_time), 1), else_=0)),
            func.sum(case((and_(Task.status == "open", Task.due_date < as_of), 1), else_=0)))


def task_flags() -> list:
    """Per task: 1 when done by its due date, done late, still open (the task rollup's columns)."""
    done = Task.status == "done"
    on_time = and_(done, local_date(Task.completed_at) <= Task.due_date)
    return [case((on_time, 1), else_=0).label("ok"), case((and_(done, ~on_time), 1), else_=0).label("late"),
            case((Task.status == "open", 1), else_=0).label("open")]


def _task_rollup(f: KpiFilter, as_of: date, by_advisor: bool):  # noqa: ANN202
    r = KpiTaskDay
    conds = [r.day.between(f.date_from, f.date_to)]
    if f.branch_id is not None:
        conds.append(r.branch_id == f.branch_id)
    if f.journey_id is not None:
        conds.append(r.journey_id == f.journey_id)
    if f.channel:
        conds.append(r.channel == f.channel)
    cols = (func.sum(r.due), func.sum(r.done_by_due), func.sum(r.done_late),
            func.sum(case((r.day < as_of, r.open), else_=0)))
    stmt = select(func.nullif(r.advisor_id, 0), *cols) if by_advisor else select(*cols)
    stmt = stmt.where(*conds)
    return stmt.group_by(r.advisor_id) if by_advisor else stmt


def task_completion(session: Session, f: KpiFilter, as_of: date, segment: Select | None = None, *,
                    use_rollup: bool = True) -> TaskCompletion:
    """Tasks completed on or before their due date ÷ tasks due in the period (cancelled excluded);
    overdue = tasks due in the period still open after their due date (as of `as_of`)."""
    if use_rollup and segment is None:
        return TaskCompletion(*(as_int(v) for v in session.execute(_task_rollup(f, as_of, False)).one()))
    row = session.execute(select(*_task_columns(as_of)).where(*_task_conditions(f, segment))).one()
    return TaskCompletion(*(as_int(v) for v in row))


def task_completion_by_advisor(session: Session, f: KpiFilter, as_of: date,
                               segment: Select | None = None, *, use_rollup: bool = True) -> list[dict]:
    """Task completion per advisor (活动量): due, done by due date, done late, overdue, rate."""
    if use_rollup and segment is None:
        rows = session.execute(_task_rollup(f, as_of, True)).all()
    else:
        rows = session.execute(
            select(Task.advisor_id, *_task_columns(as_of)).where(*_task_conditions(f, segment))
            .group_by(Task.advisor_id)
        ).all()
    rows = sorted(rows, key=lambda r: (r[0] is not None, r[0] or 0))  # tasks without an advisor first
    return [{"advisor_id": a, "due": as_int(n), "done_by_due": as_int(ok), "done_late": as_int(late),
             "overdue": as_int(od), "completion_rate": d.task_completion_rate(as_int(ok), as_int(n))}
            for a, n, ok, late, od in rows]


def step_flags(window_days: int) -> list:
    """Per touch: 1 when scheduled, sent, delivered, opened, replied, converted (a paid order or an appointment made
    within `window_days` of the scheduled day, for sent touches), opted out — the step funnel's columns."""
    day = Touch.scheduled_for
    ordered = exists().where(Order.member_id == Touch.member_id, Order.status == "paid",
                             Order.ordered_at >= day, Order.ordered_at <= add_days(day, window_days))
    booked = exists().where(Appointment.member_id == Touch.member_id, Appointment.created_on >= day,
                            Appointment.created_on <= add_days(day, window_days))
    converted = and_(Touch.sent_at.is_not(None), or_(ordered, booked))

    def flag(cond, name: str):  # noqa: ANN001, ANN202
        return case((cond, 1), else_=0).label(name)

    return [literal(1).label("scheduled"), flag(Touch.sent_at.is_not(None), "sent"),
            flag(Touch.delivered_at.is_not(None), "delivered"), flag(Touch.opened_at.is_not(None), "opened"),
            flag(Touch.replied_at.is_not(None), "replied"), flag(converted, "converted"),
            flag(Touch.opted_out_at.is_not(None), "opted_out")]


STAGES = ("scheduled", "sent", "delivered", "opened", "replied", "converted", "opted_out")


def step_funnel(session: Session, journey_id: int, f: KpiFilter, window_days: int = d.DEFAULT_CONVERSION_DAYS,
                segment: Select | None = None, *, use_rollup: bool = True) -> list[dict]:
    """Per step of a journey, touches scheduled in the period: scheduled → sent → delivered → opened →
    replied → converted (a paid order or an appointment made within `window_days` of the scheduled day,
    counted for sent touches), and opt-outs after the touch."""
    if use_rollup and segment is None and window_days == d.DEFAULT_CONVERSION_DAYS:
        r = KpiStepDay
        conds = [r.journey_id == journey_id, r.day.between(f.date_from, f.date_to)]
        if f.branch_id is not None:
            conds.append(r.branch_id == f.branch_id)
        if f.channel:
            conds.append(r.channel == f.channel)
        per_step = (select(r.step_id, *(func.sum(getattr(r, s)).label(s) for s in STAGES))
                    .where(*conds).group_by(r.step_id).subquery())
    else:
        flags = (select(Touch.step_id, *step_flags(window_days))
                 .where(Touch.journey_id == journey_id, Touch.scheduled_for.between(f.date_from, f.date_to),
                        *member_scope(f, Touch.member_id, segment),
                        *([Touch.channel == f.channel] if f.channel else [])).subquery())
        per_step = (select(flags.c.step_id, *(func.sum(flags.c[s]).label(s) for s in STAGES))
                    .group_by(flags.c.step_id).subquery())
    rows = session.execute(
        select(JourneyStep.id, JourneyStep.position, JourneyStep.name, JourneyStep.kind, JourneyStep.channel,
               *(per_step.c[s] for s in STAGES))
        .join(per_step, per_step.c.step_id == JourneyStep.id)
        .order_by(JourneyStep.position, JourneyStep.id)
    ).all()
    out = []
    for sid, pos, name, kind, channel, *counts in rows:
        sch, sent, dlv, opn, rep, conv, opt = (as_int(v) for v in counts)
        out.append({"step_id": sid, "position": pos, "name": name, "kind": kind, "channel": channel,
                    "scheduled": sch, "sent": sent, "delivered": dlv, "opened": opn, "replied": rep,
                    "converted": conv, "opted_out": opt, "delivery_rate": d.ratio(dlv, sent),
                    "open_rate": d.ratio(opn, dlv), "conversion_rate": d.ratio(conv, sent),
                    "opt_out_rate": d.ratio(opt, dlv)})
    return out


@dataclass(frozen=True)
class Uplift:
    treated: int
    control: int
    conversion: d.Difference
    arrival: d.Difference
    spend_cents: d.Difference


def journey_uplift(session: Session, journey_id: int, f: KpiFilter, window_days: int = 30,
                   segment: Select | None = None) -> Uplift:
    """Members enrolled in the period, treated vs hold-out control: conversion (a paid order), arrival (a
    visit) and spend within `window_days` of enrollment (enrolled_on ≤ day ≤ +N), with difference and 95% CI."""
    e = Enrollment
    end = add_days(e.enrolled_on, window_days)
    converted = case((exists().where(Order.member_id == e.member_id, Order.status == "paid",
                                     Order.ordered_at >= e.enrolled_on, Order.ordered_at <= end), 1), else_=0)
    arrived = case((exists().where(Visit.member_id == e.member_id, Visit.visit_date >= e.enrolled_on,
                                   Visit.visit_date <= end), 1), else_=0)
    visit_spend = (select(func.coalesce(func.sum(Visit.amount_cents), 0))
                   .where(Visit.member_id == e.member_id, Visit.visit_date >= e.enrolled_on, Visit.visit_date <= end)
                   .scalar_subquery())
    order_spend = (select(func.coalesce(func.sum(Order.amount_cents), 0))
                   .where(Order.member_id == e.member_id, Order.status == "paid", Order.ordered_at >= e.enrolled_on,
                          Order.ordered_at <= end).scalar_subquery())
    per = (select(e.is_control, converted.label("c"), arrived.label("a"),
                  cast(visit_spend + order_spend, Float).label("s"))
           .where(e.journey_id == journey_id, e.enrolled_on.between(f.date_from, f.date_to),
                  *member_scope(f, e.member_id, segment)).subquery())
    rows = session.execute(
        select(per.c.is_control, func.count(), func.sum(per.c.c), func.sum(per.c.a), func.sum(per.c.s),
               func.sum(per.c.s * per.c.s)).group_by(per.c.is_control)
    ).all()
    g = {bool(ctrl): (as_int(n), as_int(c), as_int(a), float(s or 0), float(ss or 0)) for ctrl, n, c, a, s, ss in rows}
    t, c = g.get(False, (0, 0, 0, 0.0, 0.0)), g.get(True, (0, 0, 0, 0.0, 0.0))
    return Uplift(
        treated=t[0], control=c[0],
        conversion=d.proportion_difference(t[1], t[0], c[1], c[0]),
        arrival=d.proportion_difference(t[2], t[0], c[2], c[0]),
        spend_cents=d.mean_difference(t[3], t[4], t[0], c[3], c[4], c[0]),
    )
