"""In a real browser: every KPI page renders its figures and charts with no exception box."""

from __future__ import annotations

import pytest

from tests.e2e.harness import assert_no_exception, existing_pages, open_url, settle, sign_in, url_path

pytestmark = pytest.mark.e2e

KPI_PAGES = [spec for spec in existing_pages() if spec.path.startswith("pages/kpi_")]
# The printable monthly report is tables and figures only; every other dashboard draws at least one chart.
WITHOUT_CHARTS = {"pages/kpi_report.py"}


def test_every_kpi_page_renders_its_charts_without_an_exception(page, console):
    assert KPI_PAGES
    sign_in(page, console.base_url, "lead")
    for spec in KPI_PAGES:
        open_url(page, console.base_url, url_path(spec.path))
        page.get_by_role("heading").first.wait_for()
        if spec.path not in WITHOUT_CHARTS:
            page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
            settle(page)
        assert_no_exception(page)
        assert "无权" not in page.locator('[data-testid="stMain"]').inner_text(), spec.path
