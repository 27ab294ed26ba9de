"""AppTest of the surveys page: a lead creates a template and sends it to a segment; an advisor records answers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.auth.model import Actor
from core.kpis import surveys
from db.models import User
from db.models.kpis import SurveyResponse, SurveySend
from tests.builders import make_member
from tests.ui.conftest import open_page, texts

PAGE = "pages/surveys.py"


def press(at, label: str):  # noqa: ANN001, ANN201
    next(b for b in at.button if b.label == label).click().run()
    return at


def test_a_lead_creates_a_template_with_the_default_questions(ui_db, Session):
    at = open_page("lead1", PAGE)
    assert not at.exception, at.exception
    at.text_input(key="surveys_code_new").input("OPD")
    at.text_input(key="surveys_name_new").input("门诊满意度")
    press(at, "保存模板")
    assert not at.exception, at.exception
    assert "模板已保存。" in texts(at)
    with Session() as s:
        lead = s.scalar(select(User).where(User.username == "lead1"))
        [t] = surveys.list_templates(s, Actor(lead.id, "lead1", "lead1", "lead"))
    assert [q.kind for q in t.questions] == ["csat", "nps", "text"]


def test_a_lead_sends_a_template_to_a_saved_segment(ui_db, Session):
    from core.segments.services import save_segment

    with Session() as s:
        lead_id = s.scalar(select(User.id).where(User.username == "lead1"))
        lead = Actor(lead_id, "lead1", "lead1", "lead")
        for _ in range(2):
            make_member(s, gender="F")
        surveys.save_template(s, lead, code="OPD", name="门诊满意度", questions=[("csat", "q")])
        save_segment(s, lead, name="女性", description=None, rule={"field": "gender", "op": "=", "value": "F"})
        s.commit()
    at = open_page("lead1", PAGE)
    press(at, "发送")
    assert not at.exception, at.exception
    assert "已向 2 位会员发送问卷。" in texts(at)
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(SurveySend)) == 2


def test_an_advisor_records_a_members_answers_and_sees_no_template_editor(ui_db, Session):
    with Session() as s:
        adv = s.scalar(select(User.id).where(User.username == "adv1"))
        lead = Actor(s.scalar(select(User.id).where(User.username == "lead1")), "lead1", "lead1", "lead")
        member = make_member(s, advisor_id=adv, name="王小花")
        surveys.save_template(s, lead, code="OPD", name="门诊满意度", questions=[("csat", "q"), ("text", "t")])
        surveys.send_survey(s, lead, "OPD", select_member(member),
                            sent_on=date(2026, 3, 2), channel="wecom")
    at = open_page("adv1", PAGE)
    assert not at.exception, at.exception
    assert len(at.tabs) == 1
    at.radio(key="surveys_csat").set_value(4)
    at.text_area(key="surveys_text").input("很耐心")
    press(at, "保存回答")
    assert not at.exception, at.exception
    assert "回答已保存。" in texts(at)
    with Session() as s:
        assert s.execute(select(SurveyResponse.csat, SurveyResponse.text)).one() == (4, "很耐心")


def select_member(member_id: int):  # noqa: ANN201
    from db.models import Member

    return select(Member.id).where(Member.id == member_id)
