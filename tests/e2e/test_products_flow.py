"""In a real browser: a product manager drafts a product and submits it; a lead approves it."""

from __future__ import annotations

import pytest

from tests.e2e.harness import (
    DEFAULT_TIMEOUT_MS,
    assert_no_exception,
    choose,
    click_button,
    open_url,
    settle,
    sign_in,
)
from tests.e2e.test_flows import _scalar

pytestmark = pytest.mark.e2e


def test_a_product_manager_drafts_a_product_and_a_lead_approves_it(browser, page, console):
    sign_in(page, console.base_url, "pm")
    open_url(page, console.base_url, "products")
    page.get_by_text("新建产品").click()
    page.get_by_role("textbox", name="产品编码").fill("E2E-SCALE")
    page.get_by_role("textbox", name="产品名称").fill("E2E 洁牙套餐")
    page.get_by_role("textbox", name="服务项目（每行：编码 数量）").fill("I-OB-PRENATAL 2")
    click_button(page, "创建草稿")
    page.get_by_text("已创建草稿").wait_for()
    # The status filter keeps the statuses of the first visit; a fresh visit lists the new draft too.
    open_url(page, console.base_url, "products")
    choose(page, "查看产品", "E2E-SCALE")
    click_button(page, "提交审批")
    page.get_by_text("已提交审批").wait_for()
    assert_no_exception(page)

    lead = browser.new_context(viewport={"width": 1400, "height": 1000})
    lead.set_default_timeout(DEFAULT_TIMEOUT_MS)
    tab = lead.new_page()
    try:
        sign_in(tab, console.base_url, "lead")
        open_url(tab, console.base_url, "products")
        choose(tab, "查看产品", "E2E-SCALE")
        tab.get_by_role("textbox", name="审批意见").fill("价格与项目核对无误，同意上架。")
        tab.get_by_role("textbox", name="审批意见").press("Tab")
        settle(tab)
        click_button(tab, "批准上架")
        tab.get_by_text("已批准上架").wait_for()
        assert_no_exception(tab)
    finally:
        lead.close()
    assert _scalar(console, "SELECT status FROM products WHERE code = 'E2E-SCALE'") == "published"
