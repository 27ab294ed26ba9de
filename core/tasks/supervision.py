"""Supervision of advisor activity (活动量管理): completion and on-time rates by advisor, team, branch, journey
and step; overdue tasks; weekly trend; drill-down and export.

Definitions (brief): a task is due in the period when its due date is in it (cancelled tasks excluded);
completion rate = done ÷ due; on-time rate = done by the end of the due date (hospital time) ÷ due;
overdue = still open after its due date.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import DateTime, String, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from core.audit.services import record
from core.auth.model import Actor, require_role
from db.models import Branch, Member, User
from db.models.journeys import Journey, JourneyStep, Task

READERS = ("supervisor", "lead", "admin")
DIMENSIONS = ("advisor", "team", "branch", "journey", "step")
UTC_OFFSET_HOURS = 8  # Asia/Shanghai has no daylight saving time


class day_end_utc(FunctionElement):  # noqa: N801 - reads like the SQL it stands for
    """The naive-UTC instant a hospital-local date ends (date + 1 day − 8 hours)."""

    type = DateTime()
    inherit_cache = True
    name = "day_end_utc"


@compiles(day_end_utc)
def _day_end_pg(element, compiler, **kw):  # noqa: ANN001, ANN202
    (when,) = list(element.clauses)
    return f"(CAST({compiler.process(when, **kw)} AS TIMESTAMP) + INTERVAL '{24 - UTC_OFFSET_HOURS} hours')"


@compiles(day_end_utc, "sqlite")
def _day_end_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    (when,) = list(element.clauses)
    return f"datetime({compiler.process(when, **kw)}, '+{24 - UTC_OFFSET_HOURS} hours')"


@dataclass(frozen=True)
class Rates:
    key: str
    label: str
    due: int
    done: int
    on_time: int
    overdue: int

    @property
    def completion_rate(self) -> float | None:
        return self.done / self.due if self.due else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


def _text(column):  # noqa: ANN001, ANN202
    return func.coalesce(cast(column, String(32)), "-")


def _dimension(by: str):  # noqa: ANN202
    """(key, label) expressions of a grouping dimension."""
    if by == "advisor":
        return _text(Task.advisor_id), User.display_name
    if by == "team":
        return func.coalesce(User.team, "-"), func.coalesce(User.team, "-")
    if by == "branch":
        return func.coalesce(Branch.code, "-"), func.coalesce(Branch.name, "-")
    if by == "journey":
        return _text(Task.journey_id), func.coalesce(Journey.name, "-")
    if by == "step":
        return _text(Task.step_id), func.coalesce(Journey.name, "-") + " · " + func.coalesce(JourneyStep.name, "-")
    raise ValueError(by)


def _base(query, actor: Actor):  # noqa: ANN001, ANN202
    query = (query.select_from(Task).join(User, User.id == Task.advisor_id)
             .outerjoin(Branch, Branch.id == User.branch_id).outerjoin(Journey, Journey.id == Task.journey_id)
             .outerjoin(JourneyStep, JourneyStep.id == Task.step_id))
    if actor.role == "supervisor" and actor.branch_id is not None:
        query = query.where(User.branch_id == actor.branch_id)
    return query


def _measures(today: date):  # noqa: ANN202
    done = Task.status == "done"
    return (
        func.count().label("due"),
        func.sum(case((done, 1), else_=0)).label("done"),
        func.sum(case((done & (Task.completed_at < day_end_utc(Task.due_date)), 1), else_=0)).label("on_time"),
        func.sum(case(((Task.status == "open") & (Task.due_date < today), 1), else_=0)).label("overdue"),
    )


def rates(session: Session, actor: Actor, start: date, end: date, by: str, today: date) -> list[Rates]:
    """Completion and on-time rates of tasks due in [start, end], grouped by a dimension."""
    require_role(actor, *READERS)
    if by not in DIMENSIONS:
        raise ValueError(by)
    key, label = _dimension(by)
    query = _base(select(key.label("key"), func.min(label).label("label"), *_measures(today)), actor).where(
        Task.due_date.between(start, end), Task.status != "cancelled").group_by(key).order_by(key)
    rows = session.execute(query).all()
    session.rollback()
    return [Rates(str(r.key), str(r.label), r.due, int(r.done or 0), int(r.on_time or 0), int(r.overdue or 0))
            for r in rows]


def totals(session: Session, actor: Actor, start: date, end: date, today: date) -> Rates:
    """The same figures for everything the actor supervises."""
    require_role(actor, *READERS)
    r = session.execute(_base(select(*_measures(today)), actor).where(
        Task.due_date.between(start, end), Task.status != "cancelled")).one()
    session.rollback()
    return Rates("all", "all", r.due, int(r.done or 0), int(r.on_time or 0), int(r.overdue or 0))


def weekly_trend(session: Session, actor: Actor, start: date, end: date, today: date) -> list[Rates]:
    """Rates per ISO week (key = the week's Monday) of due dates in [start, end]."""
    require_role(actor, *READERS)
    out = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        sunday = monday + timedelta(days=6)
        week = totals(session, actor, max(monday, start), min(sunday, end), today)
        out.append(Rates(monday.isoformat(), monday.isoformat(), week.due, week.done, week.on_time, week.overdue))
        monday += timedelta(days=7)
    return out


@dataclass(frozen=True)
class TaskLine:
    id: int
    due_date: date
    status: str
    outcome: str | None
    advisor: str
    team: str | None
    branch: str | None
    journey: str | None
    step: str | None
    member_id: int
    member: str | None
    completed_at: object
    note: str | None


def tasks(session: Session, actor: Actor, start: date, end: date, today: date, *, by: str | None = None,
          key: str | None = None, overdue_only: bool = False, limit: int = 1000) -> list[TaskLine]:
    """The tasks behind a figure (drill-down), or the overdue list."""
    require_role(actor, *READERS)
    query = _base(select(Task.id, Task.due_date, Task.status, Task.outcome, User.display_name, User.team,
                         Branch.name, Journey.name, JourneyStep.name, Task.member_id, Member.name,
                         Task.completed_at, Task.note).join(Member, Member.id == Task.member_id), actor)
    if overdue_only:
        query = query.where(Task.status == "open", Task.due_date < today)
    else:
        query = query.where(Task.due_date.between(start, end), Task.status != "cancelled")
    if by and key is not None:
        dim, _ = _dimension(by)
        query = query.where(dim == key)
    rows = session.execute(query.order_by(Task.due_date, Task.id).limit(limit)).all()
    session.rollback()
    from core.members.model import mask_name

    return [TaskLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], mask_name(r[10]), r[11], r[12])
            for r in rows]


def export_csv(session: Session, actor: Actor, start: date, end: date, today: date, by: str) -> str:
    """The rates table as CSV (UTF-8 with BOM for Excel); the export is audited."""
    table = rates(session, actor, start, end, by, today)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([by, "label", "due", "done", "on_time", "overdue", "completion_rate", "on_time_rate"])
    for r in table:
        writer.writerow([r.key, r.label, r.due, r.done, r.on_time, r.overdue,
                         f"{r.completion_rate:.4f}" if r.completion_rate is not None else "",
                         f"{r.on_time_rate:.4f}" if r.on_time_rate is not None else ""])
    with session.begin():
        record(session, actor, "export", "task_supervision", by,
               {"from": start.isoformat(), "to": end.isoformat(), "rows": len(table)})
    return "\ufeff" + buffer.getvalue()
