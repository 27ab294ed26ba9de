"""The daily run on both databases: materialization, idempotency, anchors, suppression, consent, caps."""

from datetime import date, timedelta

from sqlalchemy import func, select

from core.journeys.scheduler import run
from core.journeys.senders import MemorySender
from db.models import MaternityRecord
from db.models.journeys import Enrollment, MemberSuppression, Task, Touch
from tests.builders import make_branch, make_maternity, make_member, make_user
from tests.integration.test_journeys_support import make_journey

D = date(2026, 3, 2)


def _rows(session):
    touches = session.execute(select(Touch.enrollment_id, Touch.step_id, Touch.occurrence, Touch.scheduled_for,
                                     Touch.status, Touch.skip_reason, Touch.sent_on)
                              .order_by(Touch.enrollment_id, Touch.step_id)).all()
    tasks = session.execute(select(Task.enrollment_id, Task.step_id, Task.occurrence, Task.due_date, Task.status,
                                   Task.advisor_id, Task.source).order_by(Task.enrollment_id, Task.step_id)).all()
    return [tuple(r) for r in touches], [tuple(r) for r in tasks]


def _pregnant(session, edd, **member):
    mid = make_member(session, **member)
    make_maternity(session, mid, edd=edd)
    return mid


def test_run_enrolls_pregnant_members_and_plans_their_steps(session, Session):
    branch = make_branch(session)
    make_user(session, "adv_a", branch_id=branch)
    edd = D + timedelta(days=140)  # week 20 on D
    m = _pregnant(session, edd, branch_id=branch)
    make_journey(session, entry_audience="pregnant", steps=[
        dict(offset_weeks=20, offset_days=0),
        dict(offset_weeks=24, offset_days=0, executor="advisor", channel="phone", template=None),
        dict(offset_weeks=12, offset_days=0),  # before enrollment: never planned
    ])
    sender = MemorySender()
    summary = run(Session, D, sender=sender)
    assert (summary.enrolled, summary.exited) == (1, 0)
    touches, tasks = _rows(session)
    assert [(t[3], t[4]) for t in touches] == [(D, "sent")]
    assert [(t[3], t[4]) for t in tasks] == [(D + timedelta(weeks=4), "open")]
    assert sender.sent[0].member_id == m
    assert summary.line() == "enrolled 1, exited 0, touches 1, tasks 1, skipped 0"


def test_second_run_of_same_day_creates_nothing(session, Session):
    make_branch(session)
    make_user(session, "adv_a")
    for k in range(5):
        _pregnant(session, D + timedelta(days=100 + 9 * k))
    make_journey(session, entry_audience="pregnant", steps=[
        dict(offset_weeks=w, offset_days=0) for w in (24, 26, 28, 30, 32)] + [
        dict(offset_weeks=30, offset_days=0, executor="advisor", channel="phone", template=None)])
    first = run(Session, D, sender=MemorySender())
    before = _rows(session)
    second = run(Session, D, sender=MemorySender())
    assert first.touches > 0
    assert second.line() == "enrolled 0, exited 0, touches 0, tasks 0, skipped 0"
    session.expire_all()
    assert _rows(session) == before


def test_a_corrected_due_date_moves_unsent_steps_and_keeps_sent_ones(session, Session):
    make_user(session, "adv_a")
    m = _pregnant(session, D + timedelta(days=140))
    make_journey(session, entry_audience="pregnant", steps=[dict(offset_weeks=20, offset_days=0),
                                                            dict(offset_weeks=30, offset_days=0)])
    run(Session, D, sender=MemorySender())
    record = session.get(MaternityRecord, m)
    record.expected_delivery_date = D + timedelta(days=133)  # a week earlier
    session.commit()
    summary = run(Session, D + timedelta(days=1), sender=MemorySender())
    touches, _ = _rows(session)
    assert [(t[3], t[4]) for t in touches] == [(D, "sent"), (D + timedelta(days=70 - 7), "scheduled")]
    assert summary.touches == 1


def test_a_pregnancy_loss_suppresses_every_marketing_step_at_once(session, Session):
    make_user(session, "adv_a")
    m = _pregnant(session, D + timedelta(days=140))
    make_journey(session, entry_audience="pregnant", steps=[
        dict(offset_weeks=24, offset_days=0, is_marketing=True, kind="product_recommendation"),
        dict(offset_weeks=26, offset_days=0, runs_when_suppressed=True),
        dict(offset_weeks=28, offset_days=0, is_marketing=True, executor="advisor", channel="wecom", template=None),
    ])
    run(Session, D, sender=MemorySender())
    session.add(MemberSuppression(member_id=m, reason="pregnancy_loss", starts_on=D + timedelta(days=2),
                                  created_at=D))
    session.commit()
    run(Session, D + timedelta(days=2), sender=MemorySender())
    touches, tasks = _rows(session)
    assert [(t[4], t[5]) for t in touches] == [("suppressed", "pregnancy_loss"), ("scheduled", None)]
    assert [t[4] for t in tasks] == ["cancelled"]


def test_no_sms_without_consent_becomes_a_task_with_the_reason(session, Session):
    make_user(session, "adv_a")
    _pregnant(session, D + timedelta(days=140), sms_consent=False)
    make_journey(session, entry_audience="pregnant", steps=[dict(offset_weeks=20, offset_days=0)])
    sender = MemorySender()
    summary = run(Session, D, sender=sender)
    touches, tasks = _rows(session)
    assert sender.sent == []
    assert [(t[4], t[5]) for t in touches] == [("skipped", "no_sms_consent")]
    assert [(t[4], t[6]) for t in tasks] == [("open", "consent")]
    assert (summary.tasks, summary.skipped) == (1, 1)


def test_the_cap_holds_back_touches_beyond_three_a_week(session, Session):
    make_user(session, "adv_a")
    _pregnant(session, D + timedelta(days=140))
    make_journey(session, entry_audience="pregnant",
                 steps=[dict(offset_weeks=20, offset_days=0, late_days=10) for _ in range(5)])
    run(Session, D, sender=MemorySender())
    touches, _ = _rows(session)
    assert sorted(t[4] for t in touches) == ["scheduled", "scheduled", "sent", "sent", "sent"]
    for k in range(1, 9):
        run(Session, D + timedelta(days=k), sender=MemorySender())
    touches, _ = _rows(session)
    assert sorted(t[6] for t in touches) == [D, D, D, D + timedelta(days=7), D + timedelta(days=7)]


def test_tasks_go_to_the_owner_else_round_robin_within_the_branch(session, Session):
    hq = make_branch(session, "HQ")
    pd = make_branch(session, "PD", "浦东")
    a1 = make_user(session, "adv_1", branch_id=hq)
    a2 = make_user(session, "adv_2", branch_id=hq)
    b1 = make_user(session, "adv_3", branch_id=pd)
    owned = _pregnant(session, D + timedelta(days=140), branch_id=hq, advisor_id=b1)
    others = [_pregnant(session, D + timedelta(days=140), branch_id=hq) for _ in range(4)]
    make_journey(session, entry_audience="pregnant",
                 steps=[dict(offset_weeks=21, offset_days=0, executor="advisor", channel="phone", template=None)])
    run(Session, D, sender=MemorySender())
    owner = dict(session.execute(select(Task.member_id, Task.advisor_id)).all())
    assert owner[owned] == b1
    assert {owner[m] for m in others} == {a1, a2}


def test_holdout_members_get_no_marketing_steps(session, Session):
    make_user(session, "adv_a")
    for _ in range(40):
        _pregnant(session, D + timedelta(days=140))
    make_journey(session, entry_audience="pregnant", holdout_pct=50, steps=[
        dict(offset_weeks=20, offset_days=0, is_marketing=True, kind="product_recommendation"),
        dict(offset_weeks=20, offset_days=1)])
    run(Session, D, sender=MemorySender())
    control = session.scalar(select(func.count()).where(Enrollment.is_control.is_(True)))
    marketing = session.scalar(select(func.count()).select_from(Touch).join(Enrollment, Enrollment.id == Touch.enrollment_id)
                               .where(Enrollment.is_control.is_(True), Touch.step_id == 1))
    assert 0 < control < 40
    assert marketing == 0


def test_a_step_condition_skips_members_who_do_not_meet_it(session, Session):
    import json

    from tests.builders import make_order

    make_user(session, "adv_a")
    bought = _pregnant(session, D + timedelta(days=140))
    other = _pregnant(session, D + timedelta(days=140))
    make_order(session, bought, D - timedelta(days=30), product_code="PP-CONFINE")
    rule = {"not": {"field": "orders.product_code", "op": "=", "value": "PP-CONFINE"}}
    make_journey(session, entry_audience="pregnant", steps=[
        dict(offset_weeks=20, offset_days=0, is_marketing=True, kind="product_recommendation",
             condition_rule=json.dumps(rule))])
    sender = MemorySender()
    run(Session, D, sender=sender)
    status = dict(session.execute(select(Touch.member_id, Touch.skip_reason)).all())
    assert status == {bought: "condition", other: None}
    assert [m.member_id for m in sender.sent] == [other]


def test_a_new_scaling_supersedes_the_recall_of_the_previous_one(session, Session):
    from tests.builders import make_order

    make_user(session, "adv_a")
    m = make_member(session)
    make_order(session, m, D - timedelta(days=100), product_code="DEN-SCALING")
    make_journey(session, anchor="purchase", anchor_product_code="DEN-SCALING", entry_audience="dental_scaling",
                 steps=[dict(offset_days=180, is_marketing=True, kind="product_recommendation")])
    run(Session, D, sender=MemorySender())
    make_order(session, m, D + timedelta(days=5), product_code="DEN-SCALING")
    run(Session, D + timedelta(days=5), sender=MemorySender())
    touches, _ = _rows(session)
    assert sorted((t[3], t[4], t[5]) for t in touches) == [
        (D + timedelta(days=80), "skipped", "superseded"), (D + timedelta(days=185), "scheduled", None)]
