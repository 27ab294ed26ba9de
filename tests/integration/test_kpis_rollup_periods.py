"""The dashboards' aggregates (reach, spend, visits counted per day and pointer) equal the raw definitions for
arbitrary periods and cuts, also after a late fact is refreshed and after members change branch or join the
private domain."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, update

from core.kpis import queries, rollups
from core.kpis import queries_funnel as qf
from core.kpis import queries_touches as qt
from core.kpis.definitions import KpiFilter
from db.models import Member, Visit
from tests.integration.test_kpis_pandas import DAYS, MODELS, START, generate


@pytest.fixture
def generated(session):
    data = generate(11)
    for name, model in MODELS:
        if data[name]:
            session.execute(insert(model), data[name])
    session.commit()
    with session.begin():
        rollups.rebuild(session, START - timedelta(days=1), START + timedelta(days=DAYS))
    return data


def periods(seed: int, n: int) -> list[KpiFilter]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        first = START + timedelta(days=rng.randrange(DAYS))
        last = min(first + timedelta(days=rng.choice([0, 1, 6, 29, 45, 90, 364])), START + timedelta(days=DAYS))
        out.append(KpiFilter(first, last, branch_id=rng.choice([None, None, 1, 2])))
    return out


def assert_rollup_equals_raw(session, f: KpiFilter) -> None:  # noqa: ANN001
    for cut in ({}, {"channel": "sms"}, {"journey_id": 1}, {"channel": "wecom", "journey_id": 2}):
        g = KpiFilter(f.date_from, f.date_to, f.branch_id, **cut)
        assert qt.reach(session, g) == qt.reach(session, g, use_rollup=False), g
        for by in ("day", "week", "month", "channel", "journey_id"):
            assert qt.reach_by(session, g, by) == qt.reach_by(session, g, by, use_rollup=False), (g, by)
    assert queries.private_domain_share(session, f) == queries.private_domain_share(session, f, use_rollup=False), f
    assert queries.multi_department(session, f) == queries.multi_department(session, f, use_rollup=False), f
    assert queries.spend_by_month(session, f) == queries.spend_by_month(session, f, use_rollup=False), f
    assert qf.arrival_conversion(session, f) == qf.arrival_conversion(session, f, use_rollup=False), f
    as_of = START + timedelta(days=70)
    for cut in ({}, {"channel": "phone"}, {"journey_id": 1}):
        g = KpiFilter(f.date_from, f.date_to, f.branch_id, **cut)
        assert qt.task_completion(session, g, as_of) == qt.task_completion(session, g, as_of, use_rollup=False), g
        assert (qt.task_completion_by_advisor(session, g, as_of)
                == qt.task_completion_by_advisor(session, g, as_of, use_rollup=False)), g
    for journey in (1, 2):
        for cut in ({}, {"channel": "sms"}):
            g = KpiFilter(f.date_from, f.date_to, f.branch_id, **cut)
            assert qt.step_funnel(session, journey, g) == qt.step_funnel(session, journey, g, use_rollup=False), g
    assert qf.arrival_conversion_by(session, f) == qf.arrival_conversion_by(session, f, use_rollup=False), f


def test_aggregates_equal_raw_for_arbitrary_periods_and_branches(session, generated):
    for f in periods(3, 25):
        assert_rollup_equals_raw(session, f)


def test_a_late_visit_on_an_old_day_counts_once_that_day_is_refreshed(session, generated):
    old = START + timedelta(days=40)
    members = [m["id"] for m in generated["members"][:12]]
    session.execute(insert(Visit), [{"id": 900000 + i, "external_id": f"LATE{i}", "member_id": m, "department_id": 1 + i % 4,
                                     "visit_date": old, "kind": "outpatient", "amount_cents": 1234}
                                    for i, m in enumerate(members)])
    session.commit()
    with session.begin():
        rollups.refresh_day(session, old)
    for f in periods(5, 12) + [KpiFilter(old, old), KpiFilter(old - timedelta(days=3), old + timedelta(days=20))]:
        assert_rollup_equals_raw(session, f)


def test_members_moving_branch_or_joining_the_private_domain_are_recounted_by_the_next_refresh(session, generated):
    ids = [m["id"] for m in generated["members"][:20]]
    session.execute(update(Member).where(Member.id.in_(ids[:10])).values(branch_id=2))
    session.execute(update(Member).where(Member.id.in_(ids[10:])).values(
        private_domain=True, private_domain_since=START + timedelta(days=30)))
    session.commit()
    with session.begin():
        rollups.refresh_day(session, START + timedelta(days=DAYS))
    for f in periods(7, 12):
        assert_rollup_equals_raw(session, f)


def test_an_empty_period_has_no_reach_and_no_spend(session, generated):
    f = KpiFilter(date(2030, 1, 1), date(2030, 1, 31))
    assert qt.reach(session, f).reached == 0
    assert queries.private_domain_share(session, f).all_spend_cents == 0
    assert queries.multi_department(session, f).visitors_all == 0
