"""Rollups of work that is still changing: tasks per due day, touches per step and scheduled day, leads per day.

Tasks get done, cancelled or reassigned and touches get delivered, opened and answered for a while after
their day, so each refresh rebuilds every due day and scheduled day from `RECENT_DAYS` before the refreshed
day on (and the future ones) in one GROUP BY; older days are final unless `careloop kpi refresh --full`.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import String, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from core.kpis.definitions import DEFAULT_CONVERSION_DAYS
from core.kpis.queries_touches import STAGES, step_flags, task_flags
from db.models import Member
from db.models.journeys import Task, Touch
from db.models.kpis import KpiStepDay, KpiTaskDay

RECENT_DAYS = 60


def _branch():  # noqa: ANN202
    return func.coalesce(Member.branch_id, 0).label("branch_id")


def refresh_tasks(session: Session, since: date | None) -> None:
    """Rebuild `kpi_task_days` for due days from `since` (every day when None)."""
    t = KpiTaskDay.__table__
    session.execute(delete(t).where(t.c.day >= since) if since else delete(t))
    rows = (select(Task.due_date.label("day"), func.coalesce(Task.advisor_id, 0).label("advisor_id"), _branch(),
                   func.coalesce(Task.journey_id, 0).label("journey_id"),
                   func.coalesce(Task.channel, literal("", String)).label("channel"), *task_flags())
            .select_from(Task.__table__.outerjoin(Member, Member.id == Task.member_id))
            .where(Task.status != "cancelled", *([Task.due_date >= since] if since else [])).subquery("rows"))
    keys = [rows.c.day, rows.c.advisor_id, rows.c.branch_id, rows.c.journey_id, rows.c.channel]
    session.execute(insert(t).from_select(
        ["day", "advisor_id", "branch_id", "journey_id", "channel", "due", "done_by_due", "done_late", "open"],
        select(*keys, func.count(), func.sum(rows.c.ok), func.sum(rows.c.late), func.sum(rows.c.open))
        .group_by(*keys)))


def refresh_steps(session: Session, since: date | None) -> None:
    """Rebuild `kpi_step_days` for scheduled days from `since` (every day when None)."""
    t = KpiStepDay.__table__
    session.execute(delete(t).where(t.c.day >= since) if since else delete(t))
    rows = (select(Touch.journey_id, Touch.scheduled_for.label("day"), Touch.step_id, _branch(), Touch.channel,
                   *step_flags(DEFAULT_CONVERSION_DAYS))
            .select_from(Touch.__table__.outerjoin(Member, Member.id == Touch.member_id))
            .where(*([Touch.scheduled_for >= since] if since else [])).subquery("rows"))
    keys = [rows.c.journey_id, rows.c.day, rows.c.step_id, rows.c.branch_id, rows.c.channel]
    session.execute(insert(t).from_select(
        ["journey_id", "day", "step_id", "branch_id", "channel", *STAGES],
        select(*keys, *(func.sum(rows.c[s]) for s in STAGES)).group_by(*keys)))


def refresh_leads(session: Session, since: date | None) -> None:
    """Rebuild `kpi_lead_days` for creation days from `since` (every day when None); arrivals come from the
    leads' arrival day, so this runs after `rollup_pairs.refresh_arrivals`."""
    from core.kpis.queries_funnel import lead_flags
    from db.models.kpis import KpiLeadDay, Lead

    t = KpiLeadDay.__table__
    session.execute(delete(t).where(t.c.day >= since) if since else delete(t))
    rows = (select(Lead.created_on.label("day"), Lead.channel, Lead.product_category,
                   func.coalesce(Lead.department_id, 0).label("department_id"), _branch(), *lead_flags())
            .select_from(Lead.__table__.outerjoin(Member, Member.id == Lead.member_id))
            .where(*([Lead.created_on >= since] if since else [])).subquery("rows"))
    keys = [rows.c.day, rows.c.channel, rows.c.product_category, rows.c.department_id, rows.c.branch_id]
    session.execute(insert(t).from_select(
        ["day", "channel", "product_category", "department_id", "branch_id", "leads", "appointments", "arrived"],
        select(*keys, func.count(), func.sum(rows.c.appointed), func.sum(rows.c.arrived)).group_by(*keys)))


def refresh_work(session: Session, day: date | None) -> None:
    """Rebuild the task, step and lead rollups from `RECENT_DAYS` before `day` on (everything when None)."""
    since = None if day is None else day - timedelta(days=RECENT_DAYS)
    refresh_tasks(session, since)
    refresh_steps(session, since)
    refresh_leads(session, since)
