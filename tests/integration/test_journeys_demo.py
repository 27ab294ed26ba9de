"""The demo seed: active templates, enrolled members, history with plausible rates, the next weeks planned."""

from datetime import date, timedelta

from sqlalchemy import func, select

from core.journeys import demo
from core.journeys.scheduler import run
from core.journeys.senders import MemorySender
from db.models.journeys import Enrollment, Journey, Task, Touch, TouchEvent
from tests.builders import make_branch, make_department, make_maternity, make_member, make_user

AS_OF = date(2026, 11, 23)


def test_demo_seed_builds_history_and_plans_and_is_stable(engine, Session, session):
    branch = make_branch(session)
    make_user(session, "lead_demo", "lead", branch_id=branch)
    for k in range(3):
        make_user(session, f"adv_demo{k}", branch_id=branch)
    for code in ("obstetrics", "ophthalmology", "dental"):
        make_department(session, code, code)
    for k in range(40):
        mid = make_member(session, branch_id=branch, sms_consent=k % 5 != 0)
        make_maternity(session, mid, edd=AS_OF + timedelta(days=-60 + 5 * k))
    demo.seed(engine, Session, seed=7, as_of=AS_OF)
    session.expire_all()
    assert session.scalar(select(func.count()).where(Journey.status == "active")) == 4
    assert session.scalar(select(func.count()).select_from(Enrollment)) >= 30
    past = session.scalar(select(func.count()).select_from(Touch).where(Touch.scheduled_for < AS_OF,
                                                                        Touch.status == "delivered"))
    future = session.scalar(select(func.count()).select_from(Touch).where(Touch.scheduled_for > AS_OF,
                                                                          Touch.status == "scheduled"))
    opened = session.scalar(select(func.count()).select_from(TouchEvent).where(TouchEvent.event == "opened"))
    assert past > 0 and future > 0 and 0 < opened < past
    done = session.scalar(select(func.count()).select_from(Task).where(Task.status == "done"))
    upcoming = session.scalar(select(func.count()).select_from(Task).where(Task.due_date > AS_OF,
                                                                          Task.status == "open"))
    assert done > 0 and upcoming > 0
    again = run(Session, AS_OF, sender=MemorySender())
    assert again.line() == "enrolled 0, exited 0, touches 0, tasks 0, skipped 0"
