"""A very large plan on PostgreSQL rebuilds the touch and task indexes around it: the rows are the same as with
the indexes in place, the indexes are back after the run, and a reader holding the tables makes the run plan
without the rebuild instead of waiting."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from core.journeys import plan
from core.journeys.scheduler import run
from core.journeys.senders import MemorySender
from db.models.journeys import Task, Touch
from tests.builders import make_branch, make_maternity, make_member, make_user
from tests.integration.test_journeys_support import make_journey

D = date(2026, 3, 2)


def _setup(session):
    branch = make_branch(session)
    make_user(session, "adv", branch_id=branch)
    for k in range(6):
        make_maternity(session, make_member(session, branch_id=branch), edd=D + timedelta(days=100 + 20 * k))
    make_journey(session, entry_audience="pregnant", steps=[
        dict(offset_weeks=w, offset_days=0) for w in (8, 20, 28, 36)] + [
        dict(offset_weeks=30, offset_days=0, executor="advisor", channel="phone", template=None)])


def _rows(session):
    touches = session.execute(select(Touch.enrollment_id, Touch.step_id, Touch.scheduled_for, Touch.status)
                              .order_by(Touch.enrollment_id, Touch.step_id)).all()
    tasks = session.execute(select(Task.enrollment_id, Task.step_id, Task.due_date, Task.status)
                            .order_by(Task.enrollment_id, Task.step_id)).all()
    return [tuple(r) for r in touches], [tuple(r) for r in tasks]


def _indexes(session):
    if session.get_bind().dialect.name != "postgresql":
        return set()
    return set(session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename IN ('touches', 'tasks')")))


def test_a_bulk_plan_writes_the_same_rows_and_keeps_every_index(session, Session, monkeypatch):
    _setup(session)
    before = _indexes(session)
    session.rollback()
    monkeypatch.setattr(plan, "BULK_ROWS", 1)

    summary = run(Session, D, sender=MemorySender())

    touches, tasks = _rows(session)
    assert summary.touches + summary.tasks + summary.skipped == len(touches) + len(tasks) > 0
    assert _indexes(session) == before
    assert run(Session, D, sender=MemorySender()).line() == "enrolled 0, exited 0, touches 0, tasks 0, skipped 0"


def test_a_reader_holding_the_tables_makes_the_run_plan_without_the_rebuild(session, Session, engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("the rebuild is PostgreSQL's")
    _setup(session)
    session.rollback()
    monkeypatch.setattr(plan, "BULK_ROWS", 1)
    monkeypatch.setattr(plan, "LOCK_WAIT", "200ms")
    with engine.connect() as reader:
        reader.execute(select(func.count()).select_from(Touch))  # holds ACCESS SHARE until it ends
        summary = run(Session, D, sender=MemorySender())
        reader.rollback()
    assert summary.touches > 0
    assert session.scalar(select(func.count()).select_from(Touch)) > 0
