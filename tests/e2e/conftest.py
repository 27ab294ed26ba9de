"""Browser fixtures: one console on a fresh demo database per run, one Chromium, a fresh context per test."""

from __future__ import annotations

import tempfile
from pathlib import Path

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test, save a full-page screenshot of its tab in <tmp>/careloop-e2e/."""
    outcome = yield
    report = outcome.get_result()
    tab = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and tab is not None and not tab.is_closed():
        folder = Path(tempfile.gettempdir()) / "careloop-e2e"
        folder.mkdir(exist_ok=True)
        shot = folder / f"{item.name}.png"
        try:
            tab.screenshot(path=str(shot), full_page=True)
            report.sections.append(("screenshot", str(shot)))
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the real failure
            report.sections.append(("screenshot", f"not saved: {exc}"))
