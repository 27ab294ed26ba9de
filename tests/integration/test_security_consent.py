"""A withdrawn consent stops every later system touch on that channel, in every journey the member is in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from core.journeys.scheduler import run
from core.journeys.senders import MemorySender
from db.models import Member
from db.models.journeys import Touch
from tests.builders import make_maternity, make_member, make_user
from tests.integration.test_journeys_support import make_journey

D = date(2026, 3, 2)
WITHDRAWN = D + timedelta(days=10)


def test_withdrawing_sms_consent_stops_sms_from_every_journey_from_that_day(session, Session):
    make_user(session, "adv_c")
    member = make_member(session, sms_consent=True, wecom_consent=False)
    make_maternity(session, member, edd=D + timedelta(days=90))
    for code, shift in (("prenatal_a", 0), ("prenatal_b", 3)):
        make_journey(session, code=code, entry_audience="pregnant", steps=[
            dict(offset_weeks=w, offset_days=shift, channel="sms") for w in range(27, 32)])
    for k in range(10):
        run(Session, D + timedelta(days=k), sender=MemorySender())
    with Session() as s:
        before = s.execute(select(Touch.journey_id).where(Touch.member_id == member, Touch.channel == "sms",
                                                          Touch.sent_on.is_not(None))).scalars().all()
    assert len(set(before)) == 2  # both journeys did reach the member by SMS while consent held

    with Session() as s:
        s.execute(update(Member).where(Member.id == member).values(
            sms_consent=False, sms_consent_at=datetime.combine(WITHDRAWN, datetime.min.time())))
        s.commit()
    for k in range(10, 35):
        run(Session, D + timedelta(days=k), sender=MemorySender())
    with Session() as s:
        later = s.execute(select(Touch.journey_id, Touch.sent_on).where(
            Touch.member_id == member, Touch.channel == "sms", Touch.sent_on >= WITHDRAWN)).all()
        held_back = s.execute(select(Touch.journey_id).where(
            Touch.member_id == member, Touch.scheduled_for >= WITHDRAWN, Touch.sent_on.is_(None))).scalars().all()
    assert later == []
    assert set(held_back) == set(before)  # the later steps of both journeys exist but were not sent
