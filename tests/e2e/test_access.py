"""In a real browser: signed out, every page shows only the sign-in; signed in, each role sees only its pages."""

from __future__ import annotations

import pytest

from core.auth.pages import pages_for
from tests.e2e.harness import (
    ROLE_USERS,
    existing_pages,
    main_text,
    open_url,
    settle,
    sign_in,
    sign_out,
    url_path,
)

pytestmark = pytest.mark.e2e

DATA_ELEMENTS = ('[data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stMetric"], '
                 '[data-testid="stVegaLiteChart"], [data-testid="stSidebarNav"], [data-testid="stExpander"]')


def _nav_paths(page) -> set[str]:
    links = page.locator('[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]')
    links.first.wait_for()
    return {(links.nth(i).get_attribute("href") or "").rstrip("/").rsplit("/", 1)[-1] for i in range(links.count())}


def test_a_signed_out_browser_sees_only_the_sign_in_on_every_page_url(page, console):
    for spec in existing_pages():
        open_url(page, console.base_url, url_path(spec.path))
        text = main_text(page)
        assert "请先登录" in text or "用户名" in text, (spec.path, text[:200])
        assert page.locator(DATA_ELEMENTS).count() == 0, spec.path
        assert "你好" not in text and "M000" not in text, spec.path


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_each_role_signs_in_sees_only_its_pages_and_signs_out(page, console, role):
    sign_in(page, console.base_url, ROLE_USERS[role])
    base = console.base_url.rsplit("/", 1)[-1]
    expected = {url_path(spec.path) for spec in pages_for(role) if spec in existing_pages()}
    shown = {"" if path == base else path for path in _nav_paths(page)}
    assert shown == expected
    sign_out(page)
    open_url(page, console.base_url, "profile")
    assert "请先登录" in main_text(page) or "用户名" in main_text(page)
    assert page.locator(DATA_ELEMENTS).count() == 0


def test_a_role_opening_a_page_it_may_not_see_by_url_is_refused(page, console):
    sign_in(page, console.base_url, ROLE_USERS["advisor"])
    open_url(page, console.base_url, "audit")
    settle(page)
    # Navigation knows no such page for an advisor: Streamlit shows the home page instead (or the page refuses).
    text = main_text(page)
    assert "无权" in text or text.startswith("你好")
    assert "审计日志" not in text and page.locator('[data-testid="stDataFrame"]').count() == 0
