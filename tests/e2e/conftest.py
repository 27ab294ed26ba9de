"""Browser fixtures: one console on a fresh demo database per run, one Chromium, a fresh context per test."""

from __future__ import annotations

import pytest

from tests.e2e.harness import DEFAULT_TIMEOUT_MS, chromium, running_console


@pytest.fixture(scope="session")
def console(tmp_path_factory):
    """`streamlit run app.py` on 127.0.0.1 over a 3,000-member demo database (seed 7)."""
    with running_console(tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, console):
    """A new browser context (no cookies) and tab."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()
