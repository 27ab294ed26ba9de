"""The SOP calendar page: timeline, step edit with validation, status changes, preview, the lead's run."""

from datetime import date, timedelta

from sqlalchemy import select

from core.journeys.templates import install
from db.models.journeys import Journey, JourneyRun, JourneyStep
from tests.builders import make_department, make_maternity, make_member
from tests.ui.conftest import open_page, texts


def _seed(Session, status="active"):
    with Session() as s:
        for code in ("obstetrics", "ophthalmology", "dental"):
            make_department(s, code, code)
        mid = make_member(s)
        make_maternity(s, mid, edd=date.today() + timedelta(days=150))
        ids = install(s, status=status)
        s.commit()
    return ids


def _save(at):
    """Submit the step form (form widgets keep their new values only until the submit)."""
    next(b for b in at.button if b.label == "保存步骤").click().run()


def test_the_lead_sees_the_timeline_and_moves_a_step(ui_db, Session):
    ids = _seed(Session)
    at = open_page("lead1", "pages/journeys.py")
    assert not at.exception
    assert at.selectbox(key="journeys_selected").value == ids["obstetrics_27"] and "27" in texts(at)
    with Session() as s:
        nt = s.scalar(select(JourneyStep).where(JourneyStep.journey_id == ids["obstetrics_27"],
                                                JourneyStep.name.like("NT%")))
    at.selectbox(key="journeys_step").set_value(nt.id).run()
    at.number_input(key=f"journeys_weeks_{nt.id}").set_value(12)
    _save(at)
    assert not at.exception
    with Session() as s:
        moved = s.get(JourneyStep, nt.id)
    assert moved.offset_weeks == 12  # nothing was scheduled from it yet: edited in place


def test_a_bad_placeholder_is_refused_with_a_reason(ui_db, Session):
    ids = _seed(Session)
    at = open_page("pm1", "pages/journeys.py")
    with Session() as s:
        first = s.scalar(select(JourneyStep.id).where(JourneyStep.journey_id == ids["obstetrics_27"],
                                                      JourneyStep.position == 1))
    at.selectbox(key="journeys_step").set_value(first).run()
    at.text_area(key=f"journeys_template_{first}").set_value("{姓名}您好")
    _save(at)
    assert "占位符 {姓名} 不可用" in texts(at)
    with Session() as s:
        assert "{name}" in s.get(JourneyStep, first).template


def test_a_new_step_is_added_to_a_draft_and_the_lead_approves_it(ui_db, Session):
    ids = _seed(Session, status="draft")
    at = open_page("pm1", "pages/journeys.py")
    jid = ids["obstetrics_27"]
    at.selectbox(key="journeys_step").set_value(0).run()
    at.text_input(key="journeys_name_0").set_value("孕33周胎动宣教")
    at.number_input(key="journeys_weeks_0").set_value(33)
    at.text_area(key="journeys_template_0").set_value("{name}您好，孕{week}周请每天数胎动。")
    _save(at)
    assert "步骤已保存" in texts(at)
    at.button(key="journeys_to_in_review").click().run()
    with Session() as s:
        assert s.get(Journey, jid).status == "in_review"
        assert s.scalar(select(JourneyStep.offset_weeks).where(JourneyStep.name == "孕33周胎动宣教")) == 33
    lead = open_page("lead1", "pages/journeys.py")
    lead.button(key="journeys_to_active").click().run()
    with Session() as s:
        assert s.get(Journey, jid).status == "active"


def test_preview_lists_real_dates_and_the_lead_runs_the_scheduler(ui_db, Session, tmp_path, monkeypatch):
    _seed(Session)
    monkeypatch.setenv("CARELOOP_OUTBOX_DIR", str(tmp_path))
    at = open_page("lead1", "pages/journeys.py")
    assert len(at.dataframe) >= 2
    at.button(key="journeys_run").click().run()
    assert not at.exception
    assert at.dataframe[-1].value.to_dict("records")[0]["enrolled"] == 1
    with Session() as s:
        assert s.scalar(select(JourneyRun.actor)) == "lead1"


def test_a_supervisor_sees_the_calendar_but_cannot_run_it(ui_db, Session):
    _seed(Session)
    at = open_page("sup1", "pages/journeys.py")
    assert not at.exception
    assert "只有会员中心负责人可以运行调度" in texts(at)
    assert not [b for b in at.button if b.key == "journeys_run"]
