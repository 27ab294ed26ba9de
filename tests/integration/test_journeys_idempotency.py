"""Running a day twice, at once, or after a crash ends with the same rows; consent and caps always hold."""

import threading
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from core.journeys import scheduler
from core.journeys.scheduler import run
from core.journeys.senders import MemorySender
from db.models import AppSetting, MaternityRecord, Member, User
from db.models.journeys import Enrollment, Journey, JourneyRun, JourneyStep, Task, Touch, TouchEvent
from tests.builders import make_maternity, make_member, make_user
from tests.integration.test_journeys_support import make_journey

D = date(2026, 3, 2)


def _setup(session, n=6):
    make_user(session, "adv_a")
    for k in range(n):
        mid = make_member(session, sms_consent=k % 3 != 0)
        make_maternity(session, mid, edd=D + timedelta(days=90 + 11 * k))
    make_journey(session, entry_audience="pregnant", steps=[
        dict(offset_weeks=w, offset_days=0) for w in (26, 27, 28, 30, 32, 34)] + [
        dict(offset_weeks=29, offset_days=0, executor="advisor", channel="phone", template=None)])


def _snapshot(session):
    session.expire_all()
    return (
        sorted(tuple(r) for r in session.execute(select(Enrollment.member_id, Enrollment.enrolled_on))),
        sorted(tuple(r) for r in session.execute(select(Touch.member_id, Touch.step_id, Touch.occurrence,
                                                        Touch.scheduled_for, Touch.status, Touch.skip_reason))),
        sorted(tuple(r) for r in session.execute(select(Task.member_id, Task.step_id, Task.due_date, Task.status,
                                                        Task.source))),
        len(session.scalars(select(TouchEvent.id)).all()),
    )


def test_two_runs_at_once_create_everything_exactly_once(session, Session):
    _setup(session)
    errors = []

    def go():
        try:
            run(Session, D, sender=MemorySender())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    runs = session.execute(select(JourneyRun.touches, JourneyRun.tasks).order_by(JourneyRun.id)).all()
    assert len(runs) == 2
    assert sorted(runs)[0] == (0, 0)  # the second run found nothing left to do
    once = _snapshot(session)
    assert len(once[1]) == len({(m, s, o) for m, s, o, *_ in once[1]})


def test_a_run_killed_half_way_then_run_again_equals_one_clean_run(session, Session, monkeypatch, engine):
    _setup(session)
    real_release = scheduler._release

    def crash(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(scheduler, "_release", crash)
    with pytest.raises(RuntimeError):
        run(Session, D, sender=MemorySender())
    assert _snapshot(session)[1] == []
    monkeypatch.setattr(scheduler, "_release", real_release)
    run(Session, D, sender=MemorySender())
    after_crash = _snapshot(session)
    for table in (TouchEvent, Touch, Task, Enrollment, JourneyRun):
        session.execute(delete(table))
    session.commit()
    run(Session, D, sender=MemorySender())
    assert _snapshot(session) == after_crash


members = st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(60, 250)), min_size=1, max_size=6)
step_lists = st.lists(st.tuples(st.integers(12, 36), st.integers(0, 6), st.sampled_from(["sms", "wecom", "moments"]),
                                st.booleans(), st.integers(0, 5)), min_size=1, max_size=8)


@given(people=members, steps=step_lists, cap=st.integers(1, 4), action=st.sampled_from(["task", "skip"]))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_consent_and_caps_are_never_breached(Session, people, steps, cap, action):
    with Session() as s:
        for table in (TouchEvent, Touch, Task, Enrollment, JourneyRun, JourneyStep):
            s.execute(delete(table))
        s.execute(delete(Journey))
        s.execute(delete(MaternityRecord))
        s.execute(delete(Member))
        s.execute(delete(AppSetting).where(AppSetting.key == "journeys.cap_per_7_days"))
        s.add(AppSetting(key="journeys.cap_per_7_days", value=str(cap), updated_at=D))
        s.commit()
        if not s.scalar(select(User.id).where(User.username == "adv_h")):
            make_user(s, "adv_h")
        for sms, wecom, days in people:
            mid = make_member(s, sms_consent=sms, wecom_consent=wecom)
            make_maternity(s, mid, edd=D + timedelta(days=days))
        make_journey(s, code="h", entry_audience="pregnant", no_consent_action=action, steps=[
            dict(offset_weeks=w, offset_days=d, channel=ch, is_marketing=mk, late_days=late,
                 kind="product_recommendation" if mk else "service_reminder")
            for w, d, ch, mk, late in steps])
    for k in range(0, 12):
        run(Session, D + timedelta(days=k), sender=MemorySender())
    with Session() as s:
        sent = s.execute(select(Touch.member_id, Touch.sent_on, Touch.channel, Member.sms_consent,
                                Member.wecom_consent).join(Member, Member.id == Touch.member_id)
                         .where(Touch.sent_on.is_not(None))).all()
        for member_id, sent_on, channel, sms, wecom in sent:
            assert channel != "sms" or sms
            assert channel not in ("wecom", "wecom_group", "moments") or wecom
            window = [o for m, o, *_ in sent if m == member_id and sent_on - timedelta(days=6) <= o <= sent_on]
            assert len(window) <= cap
        skipped = s.execute(select(Touch.skip_reason).where(Touch.status == "skipped")).scalars().all()
        assert all(reason for reason in skipped)
