"""The RFM page: refresh, the R×F heatmaps, a named cell's members, hand-over to the segment builder."""

from __future__ import annotations

from datetime import timedelta

from core.clock import today
from tests.builders import make_member, make_visit
from tests.ui.conftest import open_page, texts

PAGE = "pages/rfm.py"


def _facts(Session):  # noqa: N803
    with Session() as s:
        for i in range(10):
            mid = make_member(s, name=f"李{i}")
            for k in range(i % 4 + 1):
                make_visit(s, mid, today() - timedelta(days=5 + 40 * i + k), amount_cents=10_000 * (i + 1))


def test_lead_refreshes_and_sees_the_grid_and_a_segment(ui_db, Session):
    _facts(Session)
    at = open_page("lead1", PAGE)
    assert "尚未计算 RFM" in texts(at)
    at.button(key="rfm_refresh").click().run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 2
    at.selectbox(key="rfm_segment").set_value("champions").run()
    assert "重要价值客户：" in texts(at)
    assert len(at.dataframe) == 2
    at.button(key="rfm_open_builder").click().run()
    assert not at.exception
    assert any(m.label == "匹配会员" for m in at.metric)


def test_product_manager_reads_the_grid_without_member_names(ui_db, Session):
    from core.auth.model import SYSTEM
    from core.rfm.services import refresh

    _facts(Session)
    with Session() as s:
        refresh(s, SYSTEM)
    at = open_page("pm1", PAGE)
    assert not at.exception
    assert len(at.button) == 0 or all(b.key != "rfm_refresh" for b in at.button)
    at.selectbox(key="rfm_segment").set_value("lost").run()
    assert "已流失客户：" in texts(at)
    assert len(at.dataframe) == 1  # the summary only, no member sample
