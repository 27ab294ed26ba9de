"""The KPI demo: a content library, a year of views with ~66% exposure uplift, surveys, leads, rollups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.demo import services as demo_services
from core.kpis import queries_funnel
from core.kpis.definitions import KpiFilter
from core.kpis.demo import CONTENTS
from db.models.kpis import Appointment, Content, KpiContentDay, KpiRefresh, Lead, SurveyResponse

AS_OF = date(2026, 11, 20)
YEAR = KpiFilter(AS_OF - timedelta(days=364), AS_OF)


def test_demo_fills_a_year_of_plausible_kpi_facts(engine, Session, monkeypatch):
    monkeypatch.setattr(demo_services, "EXTENSIONS", ("core.kpis.demo",))
    demo_services.build_demo(engine, Session, members=1500, seed=3, as_of=AS_OF)
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(Content)) == len(CONTENTS)
        assert s.scalar(select(func.count()).select_from(Lead)) >= 300
        assert s.scalar(select(func.count()).select_from(Appointment).where(Appointment.status == "arrived")) > 0
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) > 50
        assert s.scalar(select(func.count()).select_from(KpiContentDay)) > 0
        assert s.scalar(select(func.max(KpiRefresh.day))) == AS_OF
        exposure = queries_funnel.exposure(s, YEAR)
        assert exposure.uplift_pct == pytest.approx(66, abs=6)
        assert exposure == queries_funnel.exposure(s, YEAR, use_rollup=False)
        sat = queries_funnel.satisfaction(s, YEAR)
        assert 4.0 < sat.csat < 4.6 and 10 < sat.nps < 60 and 0.3 < sat.response_rate < 0.6
        conversion = queries_funnel.arrival_conversion(s, YEAR)
        assert 0.2 < conversion.rate < 0.8
