"""KPI definitions: the filter a dashboard applies, and the pure arithmetic of every KPI.

Each KPI's exact definition (from the product brief) is stated once here and shown in the UI beside
the figure (catalogue keys `kpi.def.<name>`). The SQL that gathers the counts is in queries*.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

# Channels whose views count as private-domain distribution (WeCom 1:1, group, Moments, SMS link).
PRIVATE_CHANNELS = ("wecom", "wecom_group", "moments", "sms")
# Baseline (public) channels: official account, Xiaohongshu, Dianping, website.
BASELINE_CHANNELS = ("official_account", "xiaohongshu", "dianping", "website")
# Task outcomes that mean the advisor spoke with the member: they count as a reach.
# `unreachable` does not count; `declined` does (the member was reached and said no).
REACHING_OUTCOMES = ("reached", "declined", "appointment", "purchased")
ARRIVAL_WINDOW_DAYS = 30
DEFAULT_CONVERSION_DAYS = 7
FREQUENCY_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, None))
HEADLINE_KEYS = (
    "reach", "frequency", "exposure_uplift_pct", "csat", "nps", "survey_response_rate",
    "task_completion_rate", "arrival_conversion_rate", "repurchase_rate", "private_domain_member_share",
    "private_domain_spend_share", "multi_department_rate_private", "multi_department_rate_all",
)
Z95 = 1.959963984540054


class InvalidPeriod(ValueError):
    """The period ends before it starts."""


@dataclass(frozen=True)
class KpiFilter:
    """What a dashboard looks at: a period (both ends included) and optional cuts.

    `branch_id` cuts by the member's home branch; `segment_id` by saved-segment membership on the last
    day of the period; `department_id`, `channel` and `journey_id` cut the facts that carry them.
    """

    date_from: date
    date_to: date
    branch_id: int | None = None
    department_id: int | None = None
    channel: str | None = None
    journey_id: int | None = None
    segment_id: int | None = None

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise InvalidPeriod("kpi.error.period")

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> KpiFilter:
        """The same cuts over the period of equal length that ends the day before this one starts."""
        end = self.date_from - timedelta(days=1)
        return replace(self, date_from=end - timedelta(days=self.days - 1), date_to=end)


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator ÷ denominator, or None when the denominator is zero or missing."""
    if not denominator or numerator is None:
        return None
    return numerator / denominator


def private_domain_member_share(private_members: int, all_members: int) -> float | None:
    """Private-domain members ÷ all members (members who joined by the period end)."""
    return ratio(private_members, all_members)


def private_domain_spend_share(private_spend_cents: int, all_spend_cents: int) -> float | None:
    """Private-domain members' spend in the period ÷ all members' spend in the period.

    Spend = visit amounts + amounts of orders with status paid; refunded orders count nothing.
    """
    return ratio(private_spend_cents, all_spend_cents)


def multi_department_rate(members_with_two_plus: int, members_with_visits: int) -> float | None:
    """Members with visits in ≥ 2 distinct departments in the period ÷ members with any visit."""
    return ratio(members_with_two_plus, members_with_visits)


def repurchase_rate(members_two_plus_orders: int, members_one_plus_order: int) -> float | None:
    """Members with ≥ 2 paid orders in the period ÷ members with ≥ 1 paid order in the period."""
    return ratio(members_two_plus_orders, members_one_plus_order)


def arrival_conversion_rate(arrived_leads: int, leads: int) -> float | None:
    """Leads created in the period that led to a visit within 30 days (lead day ≤ visit ≤ +30) ÷ leads."""
    return ratio(arrived_leads, leads)


def exposure_uplift_pct(private_views: int, baseline_views: int) -> float | None:
    """Views from private-domain channels ÷ views of the same content from baseline channels, in %.

    "The same content": only items with at least one baseline view in the period enter both sums.
    """
    value = ratio(private_views, baseline_views)
    return None if value is None else value * 100


def csat(score_sum: int, answers: int) -> float | None:
    """Mean CSAT (1–5) over responses in the period that answered the CSAT question."""
    return ratio(score_sum, answers)


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    """Net promoter score on the 0–10 answers: % promoters (9–10) − % detractors (0–6), −100..100."""
    if not answers:
        return None
    return (promoters - detractors) * 100 / answers


def survey_response_rate(answered_sends: int, sends: int) -> float | None:
    """Surveys sent in the period that received a response ÷ surveys sent in the period."""
    return ratio(answered_sends, sends)


def frequency(touches: int, reached: int) -> float | None:
    """Delivered touches (and reaching tasks) in the period per reached member."""
    return ratio(touches, reached)


def task_completion_rate(done_by_due: int, due: int) -> float | None:
    """Tasks completed on or before their due date ÷ tasks due in the period (cancelled tasks excluded)."""
    return ratio(done_by_due, due)


def frequency_bucket(count: int) -> str:
    """The distribution bucket label of a per-member touch count (1, 2, 3, 4–5, 6–10, 11+)."""
    for low, high in FREQUENCY_BUCKETS:
        if high is None and count >= low:
            return f"{low}+"
        if high is not None and low <= count <= high:
            return str(low) if low == high else f"{low}-{high}"
    return "0"


@dataclass(frozen=True)
class Difference:
    """Treated minus control, with a 95% confidence interval (normal approximation)."""

    treated: float | None
    control: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def significant(self) -> bool:
        return self.ci_low is not None and (self.ci_low > 0 or self.ci_high < 0)


def proportion_difference(treated_hits: int, treated_n: int, control_hits: int, control_n: int) -> Difference:
    """Difference of two proportions with a Wald 95% interval (unpooled variance)."""
    if not treated_n or not control_n:
        return Difference(ratio(treated_hits, treated_n), ratio(control_hits, control_n), None, None, None)
    p1, p0 = treated_hits / treated_n, control_hits / control_n
    se = math.sqrt(p1 * (1 - p1) / treated_n + p0 * (1 - p0) / control_n)
    d = p1 - p0
    return Difference(p1, p0, d, d - Z95 * se, d + Z95 * se)


def mean_difference(t_sum: float, t_sumsq: float, t_n: int, c_sum: float, c_sumsq: float, c_n: int) -> Difference:
    """Difference of two means from their sums and sums of squares, with a Welch-style 95% interval."""
    if not t_n or not c_n:
        return Difference(ratio(t_sum, t_n), ratio(c_sum, c_n), None, None, None)
    m1, m0 = t_sum / t_n, c_sum / c_n
    v1 = (t_sumsq - t_n * m1 * m1) / (t_n - 1) if t_n > 1 else 0.0
    v0 = (c_sumsq - c_n * m0 * m0) / (c_n - 1) if c_n > 1 else 0.0
    se = math.sqrt(max(v1, 0.0) / t_n + max(v0, 0.0) / c_n)
    d = m1 - m0
    return Difference(m1, m0, d, d - Z95 * se, d + Z95 * se)
