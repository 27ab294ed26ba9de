"""`careloop kpi refresh` and `careloop kpi --json` on the tiny hand-computed data set."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from core.cli import app
from core.kpis.definitions import HEADLINE_KEYS
from db.models import AuditLog
from db.models.kpis import KpiRefresh
from tests.integration.test_kpis_journeys import build_journeys


@pytest.fixture
def cli_db(db_url, session, monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    return build_journeys(session)


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


def test_kpi_json_prints_the_headline_kpis_with_stable_keys(cli_db, session):
    refreshed = run("kpi", "refresh")
    assert refreshed.exit_code == 0, refreshed.output
    reach_rows = int(refreshed.output.split(" reach rows")[0].rsplit(" ", 1)[1])
    # member-day-channel-journey rows: A 20 Feb, A 2 Mar ×2 (two journeys), A 10 Mar, B 4 Mar, C 6 Mar,
    # C 25 Mar, C 1 Apr (delivered 31 Mar 16:30 UTC = 1 Apr local)
    assert reach_rows == 8
    assert session.scalar(select(func.count()).select_from(KpiRefresh)) > 40
    result = run("kpi", "--from", "2026-03-01", "--to", "2026-03-31", "--json")
    assert result.exit_code == 0, result.output
    values = json.loads(result.output)
    assert list(values) == list(HEADLINE_KEYS)
    assert values["reach"] == 3 and values["frequency"] == 2
    assert values["exposure_uplift_pct"] == pytest.approx(120)
    assert values["csat"] == pytest.approx(11 / 3) and values["nps"] == pytest.approx(100 / 3)
    assert values["survey_response_rate"] == 0.75
    assert values["task_completion_rate"] == 0.5
    assert values["arrival_conversion_rate"] == pytest.approx(0.6)
    assert values["repurchase_rate"] == pytest.approx(1 / 3)
    assert values["private_domain_member_share"] == 0.5
    assert values["private_domain_spend_share"] == pytest.approx(40500 / 57500)
    assert values["multi_department_rate_private"] == 0.5 and values["multi_department_rate_all"] == 0.5
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == "kpi_rollups")) == 1


def test_kpi_json_for_one_branch(cli_db):
    run("kpi", "refresh", "--date", "2026-03-02")
    result = run("kpi", "--from", "2026-03-01", "--to", "2026-03-31", "--branch", "HQ", "--json")
    assert result.exit_code == 0, result.output
    values = json.loads(result.output)
    assert values["private_domain_member_share"] == pytest.approx(1 / 3)
    assert values["reach"] == 1  # only 2 March was refreshed: member A's touches that day


def test_kpi_refuses_a_period_that_ends_before_it_starts(cli_db):
    result = run("kpi", "--from", "2026-03-31", "--to", "2026-03-01", "--json")
    assert result.exit_code == 2
    assert "before" in result.output


def test_kpi_refuses_an_unknown_branch(cli_db):
    result = run("kpi", "--from", "2026-03-01", "--to", "2026-03-31", "--branch", "NOPE")
    assert result.exit_code == 2


def test_import_views_stores_valid_lines_and_lists_the_refused_ones(cli_db, session, tmp_path):
    csv_file = tmp_path / "views.csv"
    csv_file.write_text(
        "content_code,channel,viewed_on,member_external_id\n"
        "C1,wecom,2026-03-05,\n"
        "C1,official_account,2026-03-05,\n"
        "C9,wecom,2026-03-05,\n"
        "C2,tiktok,2026-03-05,\n"
        "C2,sms,2026-13-05,\n", encoding="utf-8")
    result = run("kpi", "import-views", str(csv_file))
    assert result.exit_code == 0, result.output
    assert "2 views stored, 3 lines refused" in result.output
    assert run("kpi", "refresh", "--full").exit_code == 0
    values = json.loads(run("kpi", "--from", "2026-03-01", "--to", "2026-03-31", "--json").output)
    assert values["exposure_uplift_pct"] == pytest.approx(7 / 6 * 100)  # C1 5→6 private, 3→4 baseline; C2 1/2
