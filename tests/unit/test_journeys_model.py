"""Journey rules without a database: pregnancy-week offsets, anchors, windows, templates, consent, caps."""

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.journeys.model import (
    Anchor,
    JourneyError,
    StepSpec,
    cap_allowance,
    check_anchor,
    check_step,
    check_template,
    check_transition,
    consent_block,
    is_control,
    is_paused_by_suppression,
    pregnancy_week_day,
    render,
    send_instant,
    send_minute,
    step_date,
    yearly_anchor,
)
from core.members.model import pregnancy_week

EDD = date(2026, 6, 30)  # LMP-equivalent (EDD − 280 days) is 2025-09-23, counted by hand


@pytest.mark.parametrize(("weeks", "days", "expected"), [
    (0, 0, date(2025, 9, 23)),
    (12, 0, date(2025, 12, 16)),
    (20, 0, date(2026, 2, 10)),
    (24, 3, date(2026, 3, 13)),
    (28, 0, date(2026, 4, 7)),
    (40, 0, date(2026, 6, 30)),
])
def test_pregnancy_week_offsets_fall_on_hand_checked_dates(weeks, days, expected):
    assert step_date("edd", EDD, weeks, days) == expected


def test_pregnancy_week_offset_across_a_leap_day():
    # EDD 2028-06-01: base 2027-08-26; week 26 + 0 = +182 days crosses 29 Feb 2028 -> 2028-02-24
    assert step_date("edd", date(2028, 6, 1), 0, 0) == date(2027, 8, 26)
    assert step_date("edd", date(2028, 6, 1), 26, 0) == date(2028, 2, 24)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)), st.integers(0, 39), st.integers(0, 6))
@settings(max_examples=30, deadline=None)
def test_a_step_at_week_w_lands_where_the_member_is_in_week_w(edd, weeks, days):
    on = step_date("edd", edd, weeks, days)
    assert pregnancy_week_day(edd, on) == (weeks, days)
    if on < edd:
        assert pregnancy_week(edd, None, on) == weeks


@pytest.mark.parametrize(("anchor", "weeks", "days", "expected"), [
    ("delivery", None, 3, date(2026, 7, 3)),
    ("discharge", None, 42, date(2026, 8, 11)),
    ("purchase", None, 182, date(2026, 12, 29)),
    ("enrollment", 1, 2, date(2026, 7, 9)),
    ("child_birth", None, -1, date(2026, 6, 29)),
])
def test_day_offsets_count_from_the_anchor_date(anchor, weeks, days, expected):
    assert step_date(anchor, date(2026, 6, 30), weeks, days) == expected


def test_a_29_february_yearly_anchor_falls_on_28_february_in_common_years():
    assert yearly_anchor(2027, 2, 29) == date(2027, 2, 28)
    assert yearly_anchor(2028, 2, 29) == date(2028, 2, 29)


@pytest.mark.parametrize("template", [
    "{name}您好，您已孕{week}周", "{advisor}提醒：{product} 现价 {price}", "没有占位符", None, "",
])
def test_templates_with_known_placeholders_pass(template):
    check_template(template)


@pytest.mark.parametrize("template", ["{nam}您好", "{name!r}", "{price:>8}", "{}", "{name", "价格}"])
def test_templates_with_unknown_or_malformed_placeholders_fail(template):
    with pytest.raises(JourneyError):
        check_template(template)


def test_render_fills_placeholders_and_blanks_missing_ones():
    assert render("{name}您好，孕{week}周{product}", {"name": "王女士", "week": 12}) == "王女士您好，孕12周"


def _step(**kw):
    base = dict(name="NT 提醒", kind="service_reminder", channel="sms", executor="system",
                offset_weeks=11, offset_days=0, template="{name}您好")
    base.update(kw)
    return StepSpec(**base)


@pytest.mark.parametrize(("changes", "key"), [
    (dict(name=" "), "journeys.error.step_name"),
    (dict(channel="phone"), "journeys.error.system_channel"),
    (dict(offset_weeks=None), "journeys.error.pregnancy_week"),
    (dict(offset_weeks=43), "journeys.error.pregnancy_week"),
    (dict(offset_days=7), "journeys.error.pregnancy_day"),
    (dict(send_from_min=600, send_to_min=600), "journeys.error.send_window"),
    (dict(send_from_min=21 * 60 + 30, send_to_min=23 * 60), "journeys.error.quiet_hours"),
    (dict(template=""), "journeys.error.template_required"),
    (dict(template="{name} {product}"), "journeys.error.product_required"),
    (dict(template="{who}"), "journeys.error.template_placeholder"),
])
def test_invalid_steps_are_refused_with_a_reason(changes, key):
    with pytest.raises(JourneyError) as err:
        check_step(_step(**changes), "edd")
    assert err.value.key == key


def test_an_advisor_phone_step_needs_no_template():
    assert check_step(_step(channel="phone", executor="advisor", template=None), "edd").channel == "phone"


def test_day_anchored_steps_may_not_be_years_away():
    with pytest.raises(JourneyError):
        check_step(_step(offset_weeks=None, offset_days=5000), "delivery")


@pytest.mark.parametrize(("anchor", "ok"), [
    (Anchor("edd"), True), (Anchor("last_visit"), False), (Anchor("last_visit", department_id=3), True),
    (Anchor("purchase"), False), (Anchor("purchase", product_code="DEN-SCALING"), True),
    (Anchor("yearly", month=8, day=25), True), (Anchor("yearly", month=2, day=30), False),
    (Anchor("yearly"), False), (Anchor("moon"), False),
])
def test_anchors_need_their_parameters(anchor, ok):
    if ok:
        assert check_anchor(anchor) is anchor
    else:
        with pytest.raises(JourneyError):
            check_anchor(anchor)


def test_send_minute_skips_quiet_hours():
    assert send_minute(9 * 60, 20 * 60) == 9 * 60
    assert send_minute(7 * 60, 20 * 60) == 8 * 60
    assert send_minute(21 * 60, 23 * 60) is None
    assert send_minute(9 * 60, 20 * 60, quiet=(12 * 60, 14 * 60)) == 9 * 60
    assert send_minute(12 * 60, 13 * 60, quiet=(12 * 60, 14 * 60)) is None


def test_send_instant_is_naive_utc():
    assert send_instant(date(2026, 3, 1), 9 * 60) == datetime(2026, 3, 1, 1, 0)


@pytest.mark.parametrize(("channel", "sms", "wecom", "reason"), [
    ("sms", False, True, "no_sms_consent"), ("sms", True, False, None),
    ("wecom", True, False, "no_wecom_consent"), ("wecom_group", True, False, "no_wecom_consent"),
    ("moments", False, True, None), ("phone", False, False, None),
])
def test_consent_blocks_messages_without_the_channel_consent(channel, sms, wecom, reason):
    assert consent_block(channel, sms, wecom) == reason


def test_cap_allowance_never_goes_negative():
    assert cap_allowance(3, 0) == 3
    assert cap_allowance(3, 2) == 1
    assert cap_allowance(3, 5) == 0


def test_holdout_draw_is_stable_and_near_the_share():
    draws = [is_control(1, m, 10) for m in range(1, 10_001)]
    assert draws == [is_control(1, m, 10) for m in range(1, 10_001)]
    assert 900 <= sum(draws) <= 1100
    assert not any(is_control(1, m, 0) for m in range(1, 1000))


def test_suppression_pauses_marketing_and_steps_that_do_not_run_on():
    assert is_paused_by_suppression(True, True)
    assert is_paused_by_suppression(False, False)
    assert not is_paused_by_suppression(False, True)


def test_only_a_reviewed_journey_can_be_activated():
    check_transition("in_review", "active")
    with pytest.raises(JourneyError):
        check_transition("draft", "active")
    with pytest.raises(JourneyError):
        check_transition("retired", "active")
