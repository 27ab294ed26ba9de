"""Exit rule "delivered elsewhere" and survey steps that send their linked survey, on both databases."""

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.auth.model import Actor
from core.journeys import exits
from core.journeys.model import JourneyError
from core.journeys.scheduler import run
from core.journeys.senders import MemorySender
from core.tasks import services as tasks
from db.models.journeys import Enrollment, Journey, Task, Touch
from db.models.kpis import SurveySend, SurveyTemplate
from tests.builders import make_branch, make_maternity, make_member, make_user, make_visit
from tests.integration.test_journeys_support import make_journey

D = date(2026, 3, 2)
LEAD = Actor(user_id=0, username="lead", display_name="lead", role="lead")


def _delivered(session, delivered, *, stay=None):
    mid = make_member(session)
    make_maternity(session, mid, edd=delivered, delivered=delivered, discharged=delivered + timedelta(days=3))
    if stay is not None:
        make_visit(session, mid, stay, kind="inpatient", amount_cents=800_000)
    session.add(Enrollment(journey_id=session.scalar(select(Journey.id)), member_id=mid, enrolled_on=D - timedelta(
        days=200), source="manual", is_control=False))
    session.commit()
    return mid


def _exit_reason(session, member_id):
    return session.execute(select(Enrollment.exited_on, Enrollment.exit_reason)
                           .where(Enrollment.member_id == member_id)).one()


def test_a_delivery_with_no_stay_of_ours_exits_the_journey_and_one_with_a_stay_does_not(session, Session):
    make_journey(session, anchor="delivery", exit_rules=json.dumps(["delivered_elsewhere"]),
                 steps=[dict(offset_days=30)])
    ours = _delivered(session, D - timedelta(days=10), stay=D - timedelta(days=11))
    elsewhere = _delivered(session, D - timedelta(days=10))
    too_recent = _delivered(session, D - timedelta(days=1))  # the stay may not be imported yet

    summary = run(Session, D, sender=MemorySender())

    assert summary.exited == 1
    assert _exit_reason(session, elsewhere) == (D, "delivered_elsewhere")
    assert _exit_reason(session, ours) == (None, None)
    assert _exit_reason(session, too_recent) == (None, None)
    left = session.execute(select(Touch.status, Touch.skip_reason).join(
        Enrollment, Enrollment.id == Touch.enrollment_id).where(Enrollment.member_id == elsewhere)).all()
    assert all(status != "scheduled" for status, _ in left)


def test_marking_a_member_delivered_elsewhere_ends_her_journeys_and_cancels_what_was_planned(session, Session):
    branch = make_branch(session)
    make_user(session, "adv", branch_id=branch)
    make_journey(session, anchor="delivery", exit_rules=json.dumps(["delivered_elsewhere"]),
                 steps=[dict(offset_days=30), dict(offset_days=40, executor="advisor", channel="phone", template=None)])
    mid = _delivered(session, D - timedelta(days=1), stay=D - timedelta(days=2))
    session.commit()
    run(Session, D, sender=MemorySender())
    assert session.scalar(select(func.count()).select_from(Touch).where(Touch.status == "scheduled")) == 1
    session.rollback()

    assert exits.mark_delivered_elsewhere(session, LEAD, mid, D) == 1

    session.expire_all()
    assert _exit_reason(session, mid) == (D, "delivered_elsewhere")
    assert session.scalar(select(func.count()).select_from(Touch).where(Touch.status == "scheduled")) == 0
    assert session.scalar(select(Task.status)) == "cancelled"
    assert run(Session, D + timedelta(days=1), sender=MemorySender()).enrolled == 0


@pytest.mark.parametrize("rules, segment, key", [
    (["nonsense"], None, "journeys.error.exit_rule"),
    (["refunded:"], None, "journeys.error.exit_refund_prefix"),
    (["segment"], None, "journeys.error.exit_segment"),
])
def test_exit_rules_are_checked_when_saved(session, rules, segment, key):
    jid, _ = make_journey(session)
    with pytest.raises(JourneyError) as caught:
        exits.update_exit_rules(session, LEAD, jid, rules, segment)
    assert caught.value.key == key


def test_exit_rules_are_saved_cleaned(session):
    jid, _ = make_journey(session)
    exits.update_exit_rules(session, LEAD, jid, ["consent_withdrawn", "delivered_elsewhere", "refunded: OB-",
                                                 "consent_withdrawn"], None)
    assert json.loads(session.scalar(select(Journey.exit_rules))) == [
        "consent_withdrawn", "delivered_elsewhere", "refunded:OB-"]


def _survey(session, code="csat_discharge"):
    row = SurveyTemplate(code=code, name="出院满意度", active=True)
    session.add(row)
    session.commit()
    return row.id


def test_a_survey_step_sends_its_survey_once_when_its_touch_is_sent(session, Session):
    survey = _survey(session)
    make_journey(session, anchor="discharge", steps=[
        dict(offset_days=7, kind="survey", survey_id=survey, template="{name}您好，请为我们的服务打分"),
        dict(offset_days=7, kind="service_reminder")])
    for _ in range(2):
        mid = make_member(session)
        make_maternity(session, mid, delivered=D - timedelta(days=10), discharged=D - timedelta(days=7))
        session.add(Enrollment(journey_id=session.scalar(select(Journey.id)), member_id=mid,
                               enrolled_on=D - timedelta(days=8), source="manual", is_control=False))
    session.commit()

    run(Session, D, sender=MemorySender())
    run(Session, D, sender=MemorySender())

    sends = session.execute(select(SurveySend.template_id, SurveySend.sent_on, SurveySend.step_id)).all()
    assert len(sends) == 2
    assert {(t, on) for t, on, _ in sends} == {(survey, D)}


def test_completing_a_survey_task_with_the_member_reached_sends_the_survey(session):
    survey = _survey(session)
    branch = make_branch(session)
    adv = make_user(session, "adv", branch_id=branch)
    _, (step,) = make_journey(session, anchor="discharge", steps=[
        dict(offset_days=3, kind="survey", survey_id=survey, executor="advisor", channel="phone", template=None)])
    reached, unreachable = make_member(session, advisor_id=adv), make_member(session, advisor_id=adv)
    ids = []
    for mid in (reached, unreachable):
        row = Task(member_id=mid, advisor_id=adv, due_date=D, status="open", source="step", step_id=step,
                   journey_id=session.scalar(select(Journey.id)), channel="phone", created_at=datetime(2026, 1, 1))
        session.add(row)
        session.commit()
        ids.append(row.id)
    advisor = Actor(user_id=adv, username="adv", display_name="adv", role="advisor", branch_id=branch)

    tasks.record_outcome(session, advisor, ids[0], "reached", "满意")
    tasks.record_outcome(session, advisor, ids[1], "unreachable")

    sends = session.execute(select(SurveySend.member_id, SurveySend.step_id, SurveySend.advisor_id)).all()
    assert sends == [(reached, step, adv)]


def test_messages_price_plain_members_with_one_quote_and_others_with_their_own(session):
    from collections import namedtuple

    from core.journeys.render import messages_for, plain_members
    from core.pricing.wallet import issue_coupon
    from tests.integration.test_pricing_quotes import ADVISOR, DAY, build_offers

    build_offers(session)
    plain_a, plain_b, holder = make_member(session), make_member(session), make_member(session)
    issue_coupon(session, ADVISOR, holder, "CP-50", DAY)
    _, (step,) = make_journey(session, steps=[dict(template="{name}：洁牙 {product} {price}",
                                                   product_code="DEN-SCALING", kind="product_recommendation")])
    Row = namedtuple("Row", "id member_id step_id channel product_code")
    rows = [Row(k, m, step, "sms", "DEN-SCALING") for k, m in enumerate((plain_a, plain_b, holder), start=1)]

    assert plain_members(session, [plain_a, plain_b, holder]) == {plain_a, plain_b}
    texts = [m.text for m in messages_for(session, rows, DAY)]
    assert "298" in texts[0] and "298" in texts[1]
    assert "248" in texts[2]
