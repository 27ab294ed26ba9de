"""The operations calendar and the workload forecast on both databases."""

from datetime import date, timedelta

from core.journeys.calendar import day_items, scheduled_by_day, workload_forecast
from core.journeys.scheduler import run
from core.journeys.senders import MemorySender
from db.models import User
from tests.builders import make_maternity, make_member, make_user
from tests.integration.test_journeys_support import make_journey

D = date(2026, 3, 2)


def test_calendar_counts_touches_and_tasks_per_day_and_channel(session, Session):
    make_user(session, "adv_a")
    for _ in range(3):
        make_maternity(session, make_member(session), edd=D + timedelta(days=140))
    make_journey(session, code="ob", entry_audience="pregnant", steps=[
        dict(offset_weeks=21, offset_days=0),
        dict(offset_weeks=21, offset_days=0, executor="advisor", channel="phone", template=None)])
    run(Session, D, sender=MemorySender())
    counts = scheduled_by_day(session, D, D + timedelta(days=30))
    assert [(c.day, c.kind, c.channel, c.count) for c in counts] == [
        (D + timedelta(days=7), "task", "phone", 3), (D + timedelta(days=7), "touch", "sms", 3)]
    assert len(day_items(session, D + timedelta(days=7))) == 6


def test_forecast_adds_a_draft_journeys_tasks_and_flags_days_over_capacity(session, Session):
    adv = make_user(session, "adv_a")
    user = session.get(User, adv)
    user.daily_capacity = 2
    session.commit()
    for _ in range(3):
        make_maternity(session, make_member(session), edd=D + timedelta(days=140))
    jid, _ = make_journey(session, code="draft", status="draft", entry_audience="pregnant", steps=[
        dict(offset_weeks=22, offset_days=0, executor="advisor", channel="phone", template=None)])
    rows = workload_forecast(session, jid, D)
    assert [(r.advisor_id, r.day, r.existing, r.added, r.over) for r in rows] == [
        (adv, D + timedelta(days=14), 0, 3, True)]
