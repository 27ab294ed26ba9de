"""The SOP calendar page, continued: month and week views, exit rules, a step condition from a saved segment
or the rule builder, a survey step's linked survey; the worklist's "delivered elsewhere"."""

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from core.auth.model import Actor
from core.clock import today
from core.segments.services import save_segment
from db.models import User
from db.models.journeys import Enrollment, Journey, JourneyStep, Task
from db.models.kpis import SurveyTemplate
from tests.builders import make_maternity, make_member
from tests.ui.conftest import open_page, texts
from tests.ui.test_journeys_page import _save, _seed

LEAD = Actor(user_id=0, username="lead", display_name="lead", role="lead")
WOMEN = {"field": "gender", "op": "=", "value": "F"}


def test_the_operations_calendar_has_a_month_and_a_week_view(ui_db, Session):
    _seed(Session)
    at = open_page("lead1", "pages/journeys.py")
    at.radio(key="journeys_view").set_value("week").run()
    assert not at.exception
    start = today() - timedelta(days=today().weekday())
    assert f"{start.isoformat()} 至 {(start + timedelta(days=6)).isoformat()}" in texts(at)
    at.radio(key="journeys_view").set_value("month").run()
    assert not at.exception
    assert f"{today().replace(day=1).isoformat()} 至" in texts(at)


def test_the_lead_sets_exit_rules_including_delivered_elsewhere(ui_db, Session):
    ids = _seed(Session)
    at = open_page("lead1", "pages/journeys.py")
    at.multiselect(key="journeys_exit_rules").set_value(["consent_withdrawn", "delivered_elsewhere", "refunded"])
    at.text_input(key="journeys_exit_prefix").set_value("OB-")
    next(b for b in at.button if b.label == "保存退出规则").click().run()
    assert not at.exception
    with Session() as s:
        rules = json.loads(s.get(Journey, ids["obstetrics_27"]).exit_rules)
    assert rules == ["consent_withdrawn", "delivered_elsewhere", "refunded:OB-"]


def test_a_step_condition_comes_from_a_saved_segment_and_a_survey_step_links_its_survey(ui_db, Session):
    ids = _seed(Session)
    with Session() as s:
        segment = save_segment(s, LEAD, name="女性会员", description=None, rule=WOMEN)
        s.add(SurveyTemplate(code="csat_ob", name="产科满意度", active=True))
        s.commit()
        survey = s.scalar(select(SurveyTemplate.id))
        step = s.scalar(select(JourneyStep.id).where(JourneyStep.journey_id == ids["obstetrics_27"],
                                                     JourneyStep.position == 1))
    at = open_page("lead1", "pages/journeys.py")
    at.selectbox(key="journeys_step").set_value(step).run()
    at.selectbox(key=f"journeys_condition_seg_{step}").set_value(segment)
    at.selectbox(key=f"journeys_survey_{step}").set_value(survey)
    _save(at)
    assert not at.exception
    with Session() as s:
        saved = s.scalar(select(JourneyStep).where(JourneyStep.lineage_id == step,
                                                   JourneyStep.retired_in_version.is_(None)))
        assert json.loads(saved.condition_rule) == WOMEN
        assert saved.survey_id == survey


def test_the_rule_builder_opens_with_the_step_condition(ui_db, Session):
    ids = _seed(Session)
    with Session() as s:
        step = s.scalar(select(JourneyStep).where(JourneyStep.journey_id == ids["obstetrics_27"],
                                                  JourneyStep.position == 1))
        step.condition_rule = json.dumps(WOMEN)
        s.commit()
        step_id = step.id
    at = open_page("lead1", "pages/journeys.py")
    at.selectbox(key="journeys_step").set_value(step_id).run()
    at.button(key=f"journeys_builder_{step_id}").click().run()
    assert not at.exception
    assert "segments.title" not in texts(at)
    assert any(b.key and b.key.startswith("segments_") for b in at.button)


def test_the_advisor_marks_a_member_delivered_elsewhere_from_the_worklist(ui_db, Session):
    ids = _seed(Session)
    with Session() as s:
        s.get(Journey, ids["obstetrics_27"]).exit_rules = json.dumps(["delivered_elsewhere"])
        adv1 = s.scalar(select(User.id).where(User.username == "adv1"))
        mid = make_member(s, name="王芳", advisor_id=adv1)
        make_maternity(s, mid, edd=today() + timedelta(days=20))
        enrollment = Enrollment(journey_id=ids["obstetrics_27"], member_id=mid, enrolled_on=today(),
                                source="manual", is_control=False)
        s.add(enrollment)
        s.flush()
        task = Task(member_id=mid, advisor_id=adv1, due_date=today(), status="open", source="step",
                    enrollment_id=enrollment.id, journey_id=ids["obstetrics_27"], channel="phone",
                    created_at=datetime(2026, 1, 1))
        s.add(task)
        s.commit()
        task_id, enrollment_id = task.id, enrollment.id
    at = open_page("adv1", "pages/worklist.py")
    at.button(key=f"worklist_elsewhere_{task_id}").click().run()
    assert not at.exception
    assert "已标记为在外院分娩" in texts(at)
    with Session() as s:
        assert s.get(Enrollment, enrollment_id).exit_reason == "delivered_elsewhere"
        assert s.get(Task, task_id).status == "cancelled"


def test_the_workload_forecast_flags_advisor_days_over_capacity_before_approval(ui_db, Session):
    from tests.integration.test_journeys_support import make_journey

    with Session() as s:
        adv1 = s.scalars(select(User).where(User.username == "adv1")).one()
        adv1.daily_capacity = 1
        for u in s.scalars(select(User).where(User.role == "advisor", User.username != "adv1")):
            u.active = False
        s.commit()
        for _ in range(3):
            make_maternity(s, make_member(s), edd=today() + timedelta(days=140))
        jid, _ = make_journey(s, code="draft_calls", status="in_review", entry_audience="pregnant", steps=[
            dict(offset_weeks=22, offset_days=0, executor="advisor", channel="phone", template=None)])
    at = open_page("lead1", "pages/journeys.py")
    at.selectbox(key="journeys_selected").set_value(jid).run()
    assert not at.exception
    assert "有 1 个顾问日超出容量。" in texts(at)
    flagged = next(d.value for d in at.dataframe if "新增任务" in d.value.columns)
    assert flagged.to_dict("records")[0]["新增任务"] == 3
