"""The pure KPI arithmetic: ratios, NPS, uplift, frequency buckets, confidence intervals, periods."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.kpis import definitions as d
from core.kpis.definitions import InvalidPeriod, KpiFilter


def test_ratio_of_nothing_is_none_not_zero():
    assert d.ratio(3, 0) is None
    assert d.repurchase_rate(0, 0) is None
    assert d.ratio(1, 4) == 0.25


@pytest.mark.parametrize(("promoters", "detractors", "answers", "expected"), [
    (2, 1, 3, 100 / 3), (0, 5, 5, -100), (5, 0, 5, 100), (1, 1, 4, 0), (0, 0, 0, None),
])
def test_nps_is_promoters_minus_detractors_in_percent(promoters, detractors, answers, expected):
    value = d.nps(promoters, detractors, answers)
    assert value == (None if expected is None else pytest.approx(expected))


def test_exposure_uplift_is_private_over_baseline_in_percent():
    assert d.exposure_uplift_pct(166, 100) == pytest.approx(166)
    assert d.exposure_uplift_pct(5, 0) is None


@pytest.mark.parametrize(("count", "bucket"), [(1, "1"), (2, "2"), (3, "3"), (4, "4-5"), (5, "4-5"), (6, "6-10"),
                                               (10, "6-10"), (11, "11+"), (400, "11+"), (0, "0")])
def test_frequency_buckets(count, bucket):
    assert d.frequency_bucket(count) == bucket


def test_previous_period_has_the_same_length_and_ends_the_day_before():
    f = KpiFilter(date(2026, 3, 1), date(2026, 3, 31), branch_id=2, channel="sms")
    p = f.previous()
    assert (p.date_from, p.date_to, p.branch_id, p.channel) == (date(2026, 1, 29), date(2026, 2, 28), 2, "sms")
    assert p.days == f.days == 31


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(InvalidPeriod):
        KpiFilter(date(2026, 3, 2), date(2026, 3, 1))


def test_proportion_difference_interval_matches_the_wald_formula():
    diff = d.proportion_difference(60, 100, 40, 100)
    se = math.sqrt(0.6 * 0.4 / 100 + 0.4 * 0.6 / 100)
    assert diff.difference == pytest.approx(0.2)
    assert (diff.ci_low, diff.ci_high) == (pytest.approx(0.2 - d.Z95 * se), pytest.approx(0.2 + d.Z95 * se))
    assert diff.significant


def test_difference_without_a_control_group_has_no_interval():
    diff = d.proportion_difference(5, 10, 0, 0)
    assert diff.treated == 0.5 and diff.difference is None and not diff.significant


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=2, max_size=30), st.lists(st.integers(0, 10**6), min_size=2, max_size=30))
def test_mean_difference_from_sums_matches_direct_computation(treated, control):
    def var(xs: list[int]) -> float:
        m = sum(xs) / len(xs)
        return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)

    diff = d.mean_difference(sum(treated), sum(x * x for x in treated), len(treated),
                             sum(control), sum(x * x for x in control), len(control))
    expected = sum(treated) / len(treated) - sum(control) / len(control)
    se = math.sqrt(var(treated) / len(treated) + var(control) / len(control))
    assert diff.difference == pytest.approx(expected)
    assert diff.ci_high - diff.ci_low == pytest.approx(2 * d.Z95 * se, rel=1e-6, abs=1e-6)
