"""AppTest of every KPI dashboard on the tiny hand-computed data: figures, filters, exports, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.kpis import rollups
from db.models import AuditLog
from tests.integration.test_kpis_journeys import build_journeys
from tests.ui.conftest import open_page, texts

PAGES = ["pages/kpi_reach.py", "pages/kpi_exposure.py", "pages/kpi_satisfaction.py", "pages/kpi_steps.py",
         "pages/kpi_conversion.py", "pages/kpi_uplift.py", "pages/kpi_private.py", "pages/kpi_tasks.py",
         "pages/kpi_report.py"]


@pytest.fixture
def kpi_db(ui_db, Session):
    with Session() as s:
        data = build_journeys(s)
        with s.begin():
            day = date(2026, 2, 15)
            while day <= date(2026, 4, 5):
                rollups.refresh_day(s, day)
                day += timedelta(days=1)
    return data


def prefix(page: str) -> str:
    return page.split("/")[1].removesuffix(".py")


def march(at, page: str):  # noqa: ANN001, ANN201
    """Set the page's period to March 2026 (custom dates)."""
    p = prefix(page)
    if p == "kpi_report":
        at.selectbox(key="kpi_report_month").set_value(date(2026, 3, 1)).run()
        return at
    at.selectbox(key=f"{p}_preset").set_value("custom").run()
    at.date_input(key=f"{p}_from").set_value(date(2026, 3, 1)).run()
    at.date_input(key=f"{p}_to").set_value(date(2026, 3, 31)).run()
    return at


def metric(at, name: str) -> str:  # noqa: ANN001
    return next(m.value for m in at.metric if m.label == name)


@pytest.mark.parametrize("page", PAGES)
def test_each_dashboard_renders_for_a_lead_with_the_period_set(kpi_db, page):
    at = march(open_page("lead1", page), page)
    assert not at.exception, at.exception
    assert "查询耗时" in texts(at) or page.endswith("kpi_report.py")


def test_reach_page_shows_march_reach_frequency_and_previous_period_delta(kpi_db):
    at = march(open_page("lead1", "pages/kpi_reach.py"), "pages/kpi_reach.py")
    assert metric(at, "触达客人数") == "3"
    assert metric(at, "服务频次") == "2.00"
    reach = next(m for m in at.metric if m.label == "触达客人数")
    assert reach.help.startswith("触达客人数：")
    assert len(at.get("vega_lite_chart")) >= 3


def test_reach_page_channel_and_branch_filters_cut_the_figures(kpi_db):
    page = "pages/kpi_reach.py"
    at = march(open_page("lead1", page), page)
    at.selectbox(key="kpi_reach_channel").set_value("sms").run()
    assert metric(at, "触达客人数") == "2"
    at.selectbox(key="kpi_reach_branch").set_value(kpi_db["pd"]).run()
    assert metric(at, "触达客人数") == "0"
    at.selectbox(key="kpi_reach_branch").set_value(kpi_db["hq"]).run()
    assert metric(at, "触达客人数") == "2"
    at.selectbox(key="kpi_reach_journey").set_value(kpi_db["j2"]).run()
    assert metric(at, "触达客人数") == "1"
    assert not at.exception


def test_a_period_ending_before_it_starts_is_refused_in_one_sentence(kpi_db):
    page = "pages/kpi_reach.py"
    at = march(open_page("lead1", page), page)
    at.date_input(key="kpi_reach_to").set_value(date(2026, 2, 1)).run()
    assert "结束日期早于开始日期" in texts(at)


def test_excel_export_is_audited(kpi_db, Session):
    page = "pages/kpi_reach.py"
    at = march(open_page("lead1", page), page)
    buttons = [b for b in at.get("download_button")]
    assert buttons
    with Session() as s:
        before = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "export"))
    buttons[0].click().run()
    with Session() as s:
        after = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "export"))
    assert after == before + 1


def test_monthly_report_previews_the_headline_kpis_of_the_month(kpi_db):
    page = "pages/kpi_report.py"
    at = march(open_page("lead1", page), page)
    assert not at.exception
    frame = at.dataframe[0].value
    values = dict(zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True))
    assert values["触达客人数"] == "3"
    assert values["到院转化率"] == "60.0%"
    assert values["私域会员占比"] == "50.0%"
    assert len(at.get("download_button")) >= 2


@pytest.mark.parametrize("page", ["pages/kpi_steps.py", "pages/kpi_uplift.py"])
def test_journey_pages_show_the_chosen_journey(kpi_db, page):
    at = march(open_page("lead1", page), page)
    p = prefix(page)
    at.selectbox(key=f"{p}_journey_pick").set_value(kpi_db["j1"]).run()
    assert not at.exception
    assert len(at.dataframe) >= 1
    if page.endswith("kpi_uplift.py"):
        assert at.metric[0].value == "2" and at.metric[1].value == "1"
    else:
        frame = at.dataframe[0].value
        assert list(frame.iloc[:, 1]) == ["孕早期提醒", "月子推荐"]


def test_satisfaction_and_private_pages_show_hand_computed_figures(kpi_db):
    at = march(open_page("lead1", "pages/kpi_satisfaction.py"), "pages/kpi_satisfaction.py")
    assert metric(at, "满意度 CSAT") == "3.67"
    assert metric(at, "问卷回收率") == "75.0%"
    at = march(open_page("lead1", "pages/kpi_private.py"), "pages/kpi_private.py")
    assert metric(at, "私域消费占比") == "70.4%"
    assert metric(at, "全体多科室率") == "50.0%"
    at.toggle(key="kpi_private_households").set_value(True).run()
    assert metric(at, "家庭关键人触达率") == "—"
    assert not at.exception
    at = march(open_page("sup1", "pages/kpi_tasks.py"), "pages/kpi_tasks.py")
    assert metric(at, "任务完成率") == "50.0%"
    at = march(open_page("pm1", "pages/kpi_exposure.py"), "pages/kpi_exposure.py")
    assert metric(at, "曝光增量") == "120.0%"
    at = march(open_page("lead1", "pages/kpi_conversion.py"), "pages/kpi_conversion.py")
    assert metric(at, "到院转化率") == "60.0%"
    at.selectbox(key="kpi_conversion_channel").set_value("meituan").run()
    assert metric(at, "到院转化率") == "50.0%"
    assert not at.exception


def test_advisors_are_refused_the_kpi_pages(kpi_db):
    with pytest.raises(ValueError):
        open_page("adv1", "pages/kpi_reach.py")


def test_segment_filter_cuts_the_reach_page(kpi_db, Session):
    import json
    from datetime import datetime

    from db.models.segments import Segment

    now = datetime(2026, 3, 1)
    with Session() as s:
        seg = Segment(name="私域会员", rule=json.dumps({"field": "private_domain", "op": "=", "value": True}),
                      created_by="t", created_at=now, updated_at=now)
        s.add(seg)
        s.commit()
        seg_id = seg.id
    page = "pages/kpi_reach.py"
    at = march(open_page("lead1", page), page)
    at.selectbox(key="kpi_reach_segment").set_value(seg_id).run()
    assert metric(at, "触达客人数") == "2"
    assert not at.exception


def test_department_filter_cuts_the_conversion_page(kpi_db, Session):
    from tests.builders import make_department

    with Session() as s:
        dental = make_department(s, "dental")
    page = "pages/kpi_conversion.py"
    at = march(open_page("lead1", page), page)
    at.selectbox(key="kpi_conversion_department").set_value(dental).run()
    assert metric(at, "线索数") == "2"
    assert not at.exception
