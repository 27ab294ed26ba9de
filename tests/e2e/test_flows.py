"""In a real browser: the everyday jobs of each role, end to end, on the demo hospital group."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.harness import (
    assert_no_exception,
    choose,
    click_button,
    main_text,
    open_url,
    settle,
    sign_in,
)

pytestmark = pytest.mark.e2e


def _scalar(console, sql: str, **params):
    engine = create_engine(console.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def test_a_lead_builds_a_segment_and_saves_it(page, console):
    sign_in(page, console.base_url, "lead")
    open_url(page, console.base_url, "segments")
    click_button(page, "添加条件")
    page.locator('[data-testid="stMetric"]').filter(has_text="匹配会员").wait_for()
    page.get_by_role("textbox", name="名称").fill("E2E 浏览器人群")
    page.get_by_role("textbox", name="名称").press("Tab")
    settle(page)
    click_button(page, "另存为新人群")
    page.get_by_text("已保存人群“E2E 浏览器人群”").wait_for()
    assert_no_exception(page)
    assert _scalar(console, "SELECT count(*) FROM segments WHERE name = :n", n="E2E 浏览器人群") == 1


def test_an_advisor_quotes_a_price_and_completes_a_task(page, console):
    member = _scalar(console, "SELECT m.external_id FROM members m JOIN users u ON u.id = m.advisor_id "
                              "WHERE u.username = 'advisor' ORDER BY m.id LIMIT 1")
    sign_in(page, console.base_url, "advisor")
    open_url(page, console.base_url, "quote")
    page.get_by_role("textbox", name="查找会员").fill(member)
    page.get_by_role("textbox", name="查找会员").press("Enter")
    settle(page)
    choose(page, "产品", "", kind="stMultiSelect")
    page.keyboard.press("Escape")
    click_button(page, "计算最优价")
    page.locator('[data-testid="stMetric"]').filter(has_text="应付").wait_for()
    click_button(page, "保存报价")
    page.get_by_text("已保存到会员档案").wait_for()
    assert_no_exception(page)

    open_url(page, console.base_url, "worklist")
    done_before = _scalar(console, "SELECT count(*) FROM tasks t JOIN users u ON u.id = t.advisor_id "
                                   "WHERE u.username = 'advisor' AND t.status = 'done'")
    click_button(page, "完成")
    page.get_by_text("已记录结果").wait_for()
    assert_no_exception(page)
    assert _scalar(console, "SELECT count(*) FROM tasks t JOIN users u ON u.id = t.advisor_id "
                            "WHERE u.username = 'advisor' AND t.status = 'done'") == done_before + 1


def test_a_supervisor_opens_supervision(page, console):
    sign_in(page, console.base_url, "supervisor")
    open_url(page, console.base_url, "supervision")
    page.get_by_role("heading", name="活动量督导").wait_for()
    page.locator('[data-testid="stVegaLiteChart"], [data-testid="stDataFrame"]').first.wait_for()
    assert_no_exception(page)
    assert "无权" not in main_text(page)
