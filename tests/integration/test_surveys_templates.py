"""Survey templates created and edited, sent to a saved segment, waiting sends listed, answers recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.auth.model import Actor, PermissionDenied
from core.kpis import surveys
from core.kpis.surveys import InvalidAnswer
from core.segments.services import save_segment
from db.models import AuditLog
from db.models.kpis import SurveyResponse, SurveySend
from tests.builders import make_member, make_user


def actor(session, username: str, role: str) -> Actor:  # noqa: ANN001
    return Actor(user_id=make_user(session, username, role), username=username, display_name=username, role=role)


@pytest.fixture
def people(session):
    lead = actor(session, "lead_t", "lead")
    adv = actor(session, "adv_t", "advisor")
    other = actor(session, "adv_o", "advisor")
    women = [make_member(session, gender="F", advisor_id=adv.user_id, name="王小花") for _ in range(3)]
    men = [make_member(session, gender="M", advisor_id=other.user_id) for _ in range(2)]
    session.commit()
    return {"lead": lead, "adv": adv, "other": other, "women": women, "men": men}


def test_a_lead_creates_a_template_with_csat_nps_and_text_questions_and_edits_it(session, people):
    lead = people["lead"]
    tid = surveys.save_template(session, lead, code="OPD", name="门诊满意度",
                                questions=[("csat", "满意吗？"), ("nps", "推荐吗？"), ("text", "建议")])
    [t] = surveys.list_templates(session, lead)
    assert (t.code, t.name, t.active, [q.kind for q in t.questions]) == ("OPD", "门诊满意度", True,
                                                                         ["csat", "nps", "text"])
    surveys.save_template(session, lead, code="OPD", name="门诊满意度 v2", questions=[("nps", "推荐吗？")],
                          active=False, template_id=tid)
    [t] = surveys.list_templates(session, lead)
    assert (t.name, t.active, [q.prompt for q in t.questions]) == ("门诊满意度 v2", False, ["推荐吗？"])
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == "survey_template")) == 2


@pytest.mark.parametrize(("code", "name", "questions", "key"), [
    ("", "x", [("csat", "q")], "kpi.survey.need_name"),
    ("A", "x", [], "kpi.survey.need_question"),
    ("A", "x", [("stars", "q")], "kpi.survey.bad_kind"),
])
def test_incomplete_templates_are_refused(session, people, code, name, questions, key):
    with pytest.raises(InvalidAnswer) as err:
        surveys.save_template(session, people["lead"], code=code, name=name, questions=questions)
    assert err.value.args[0] == key


def test_a_second_template_cannot_take_a_code_in_use_and_advisors_cannot_edit(session, people):
    surveys.save_template(session, people["lead"], code="OPD", name="a", questions=[("csat", "q")])
    with pytest.raises(InvalidAnswer):
        surveys.save_template(session, people["lead"], code="OPD", name="b", questions=[("csat", "q")])
    with pytest.raises(PermissionDenied):
        surveys.save_template(session, people["adv"], code="X", name="b", questions=[("csat", "q")])


def test_sent_to_a_segment_waiting_sends_are_listed_and_an_advisor_records_own_members_answers(session, people):
    lead, adv, other = people["lead"], people["adv"], people["other"]
    tid = surveys.save_template(session, lead, code="OPD", name="门诊满意度", questions=[("csat", "q"), ("text", "t")])
    seg = save_segment(session, lead, name="女性", description=None,
                       rule={"field": "gender", "op": "=", "value": "F"})
    session.commit()
    assert surveys.send_to_segment(session, lead, tid, seg, sent_on=date(2026, 3, 2), channel="wecom") == 3
    assert session.scalar(select(func.count()).select_from(SurveySend)) == 3
    session.commit()
    mine = surveys.pending_sends(session, adv)
    assert len(mine) == 3 and all("王*" in p.member for p in mine)
    assert surveys.pending_sends(session, other) == []
    with pytest.raises(InvalidAnswer) as err:
        surveys.record_response(session, other, mine[0].send_id, responded_on=date(2026, 3, 3), csat=5)
    assert err.value.args[0] == "kpi.survey.not_yours"
    surveys.record_response(session, adv, mine[0].send_id, responded_on=date(2026, 3, 3), csat=5, text="很好")
    assert len(surveys.pending_sends(session, adv)) == 2
    assert len(surveys.pending_sends(session, lead, search="门诊")) == 2
    with pytest.raises(InvalidAnswer) as err:
        surveys.record_response(session, adv, mine[0].send_id, responded_on=date(2026, 3, 3), csat=4)
    assert err.value.args[0] == "kpi.survey.answered"
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
