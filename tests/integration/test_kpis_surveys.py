"""Sending surveys to a set of members and recording responses that keep the send's journey, step, advisor."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.auth.model import Actor
from core.kpis import queries_funnel
from core.kpis.definitions import KpiFilter
from core.kpis.surveys import InvalidAnswer, record_response, send_survey
from db.models import AuditLog, Member
from db.models.kpis import SurveyResponse, SurveySend, SurveyTemplate
from tests.builders import make_member, make_user


@pytest.fixture
def setup(session):
    adv = make_user(session, "adv_s", "advisor")
    members = [make_member(session, advisor_id=adv) for _ in range(3)]
    session.add(SurveyTemplate(code="VISIT", name="门诊满意度", active=True))
    session.commit()
    lead = Actor(user_id=make_user(session, "lead_s", "lead"), username="lead_s", display_name="l", role="lead")
    return {"adv": adv, "members": members, "lead": lead}


def test_a_survey_goes_to_every_member_of_the_set_with_their_advisor(session, setup):
    n = send_survey(session, setup["lead"], "VISIT", select(Member.id).where(Member.id.in_(setup["members"][:2])),
                    sent_on=date(2026, 3, 2), channel="wecom", journey_id=5, step_id=9)
    assert n == 2
    sends = session.execute(select(SurveySend.member_id, SurveySend.advisor_id, SurveySend.step_id)).all()
    assert sorted(sends) == [(m, setup["adv"], 9) for m in setup["members"][:2]]
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == "survey")) == 1


def test_a_response_keeps_the_step_and_advisor_and_counts_in_satisfaction(session, setup):
    send_survey(session, setup["lead"], "VISIT", select(Member.id).where(Member.id.in_(setup["members"])),
                sent_on=date(2026, 3, 2), channel="sms", step_id=9)
    send_id = session.scalar(select(func.min(SurveySend.id)))
    session.commit()
    record_response(session, setup["lead"], send_id, responded_on=date(2026, 3, 3), csat=4, nps=10, text=" 很好 ")
    row = session.execute(select(SurveyResponse.step_id, SurveyResponse.advisor_id, SurveyResponse.text)).one()
    assert tuple(row) == (9, setup["adv"], "很好")
    sat = queries_funnel.satisfaction(session, KpiFilter(date(2026, 3, 1), date(2026, 3, 31)))
    assert (sat.csat, sat.nps, sat.sends, sat.answered_sends) == (4, 100, 3, 1)


@pytest.mark.parametrize(("csat", "nps", "text", "key"), [
    (6, None, None, "kpi.survey.bad_csat"), (0, None, None, "kpi.survey.bad_csat"),
    (None, 11, None, "kpi.survey.bad_nps"), (None, None, "  ", "kpi.survey.empty"),
])
def test_out_of_range_or_empty_answers_are_refused(session, setup, csat, nps, text, key):
    send_survey(session, setup["lead"], "VISIT", select(Member.id), sent_on=date(2026, 3, 2), channel="sms")
    send_id = session.scalar(select(func.min(SurveySend.id)))
    session.commit()
    with pytest.raises(InvalidAnswer) as err:
        record_response(session, setup["lead"], send_id, responded_on=date(2026, 3, 3), csat=csat, nps=nps, text=text)
    assert err.value.args[0] == key
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_unknown_survey_is_refused(session, setup):
    with pytest.raises(InvalidAnswer):
        send_survey(session, setup["lead"], "NOPE", select(Member.id), sent_on=date(2026, 3, 2), channel="sms")
