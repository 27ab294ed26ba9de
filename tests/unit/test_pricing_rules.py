"""Worked prices of the pricing engine: each offer kind, stacking, reasons and the rounding rule."""

from __future__ import annotations

from datetime import date

import pytest

from core.pricing.model import CartLine, Offer, PointsRule, PricingError, compatible, evaluate, yuan
from core.pricing.search import optimize, redeem_points

DAY = date(2026, 6, 15)


def line(code: str, cents: int, category: str = "exam", department: str = "dental") -> CartLine:
    return CartLine(code, code, category, department, cents)


def quote(lines, offers, channel=None, **kw):
    return optimize(lines, offers, channel=channel, on_date=DAY, **kw)


SCALING = line("DEN-SCALE", 38_800, "treatment")
CHECK = line("DEN-CHECK", 20_000, "exam")


@pytest.mark.parametrize(
    ("offer", "payable"),
    [
        (Offer("MT", "美团洁牙价", "channel_price", channels=frozenset({"meituan"}),
               products=frozenset({"DEN-SCALE"}), price_cents=19_900), 19_900 + 20_000),
        (Offer("P10", "检查九折", "percent_off", categories=frozenset({"exam"}), percent=10),
         38_800 + 18_000),
        (Offer("FULL", "满500减80", "amount_off", amount_cents=8_000, threshold_cents=50_000),
         58_800 - 8_000),
        (Offer("GIFT", "洗牙送检查", "buy_get", products=frozenset({"DEN-SCALE"}), quantity=1,
               get_products=frozenset({"DEN-CHECK"})), 38_800),
        (Offer("CARD", "年卡免费检查", "free_quantity", source="membership",
               products=frozenset({"DEN-CHECK"}), quantity=2, used=1), 38_800),
    ],
)
def test_each_offer_kind_prices_the_cart_as_promised(offer, payable):
    q = quote([SCALING, CHECK], [offer], channel="meituan")
    assert q.payable_cents == payable
    assert q.offers_used == (offer.code,)


def test_percentage_discount_is_rounded_down_to_the_cent():
    q = quote([line("A", 999)], [Offer("P", "p", "percent_off", percent=15)])
    # 999 × 15% = 149.85 cents off → 149 off, the member pays 850
    assert q.payable_cents == 850
    assert q.lines[0].applied[0].amount_cents == 149


def test_bill_discount_is_spread_over_lines_to_the_cent():
    lines = [line("A", 100), line("B", 100), line("C", 100)]
    q = quote(lines, [Offer("M", "m", "amount_off", amount_cents=100)])
    shares = [ln.applied[0].amount_cents for ln in q.lines]
    assert sorted(shares) == [33, 33, 34]
    assert sum(ln.final_cents for ln in q.lines) == q.payable_cents == 200


def test_amount_off_never_makes_the_bill_negative():
    q = quote([line("A", 3_000)], [Offer("M", "m", "amount_off", amount_cents=5_000)])
    assert q.payable_cents == 0
    assert q.saving_cents == 3_000


def test_optimizer_prefers_the_better_of_two_exclusive_offers_not_the_first():
    first = Offer("A10", "九折", "percent_off", percent=10, exclusive=True)
    second = Offer("B30", "七折", "percent_off", percent=30, exclusive=True)
    q = quote([line("X", 10_000)], [first, second])
    assert q.offers_used == ("B30",)
    assert {(n.offer_code, n.reason, n.other) for n in q.not_applied} == {("A10", "not_stackable", "B30")}


def test_stackable_groups_combine_only_when_both_name_each_other():
    a = Offer("A", "a", "percent_off", percent=10, group="member", stacks_with=frozenset({"promo"}))
    b = Offer("B", "b", "percent_off", percent=10, group="promo", stacks_with=frozenset({"member"}))
    c = Offer("C", "c", "percent_off", percent=10, group="promo", stacks_with=frozenset())
    assert compatible(a, b) and not compatible(a, c) and not compatible(b, c)
    q = quote([line("X", 10_000)], [a, b])
    assert q.payable_cents == 8_100


def test_stacking_a_discount_that_kills_the_threshold_is_not_chosen():
    pct = Offer("P5", "95折", "percent_off", percent=5, group="g", stacks_with=frozenset({"g"}))
    full = Offer("F", "满300减100", "amount_off", amount_cents=10_000, threshold_cents=30_000,
                 group="g", stacks_with=frozenset({"g"}))
    q = quote([line("X", 30_000)], [pct, full])
    # a greedy first match would take 95折 (28,500) and lose 满减; the best is 满减 alone (20,000)
    assert q.payable_cents == 20_000
    assert q.offers_used == ("F",)
    assert [(n.offer_code, n.reason) for n in q.not_applied] == [("P5", "no_gain")]


def test_ties_go_to_fewer_offers():
    a = Offer("A", "a", "channel_price", price_cents=5_000, group="g", stacks_with=frozenset({"g"}))
    b = Offer("B", "b", "free_quantity", quantity=1, group="g", stacks_with=frozenset({"g"}))
    q = quote([line("X", 10_000)], [a, b])
    assert q.payable_cents == 0
    assert q.offers_used == ("B",)


@pytest.mark.parametrize(
    ("offer", "reason"),
    [
        (Offer("E", "e", "percent_off", percent=10, ends=date(2026, 6, 14)), "expired"),
        (Offer("S", "s", "percent_off", percent=10, starts=date(2026, 6, 16)), "not_started"),
        (Offer("C", "c", "percent_off", percent=10, channels=frozenset({"meituan"})), "wrong_channel"),
        (Offer("N", "n", "percent_off", percent=10, categories=frozenset({"inpatient"})), "not_eligible"),
        (Offer("Q", "q", "free_quantity", quantity=12, used=12), "cap_reached"),
        (Offer("T", "t", "amount_off", amount_cents=100, threshold_cents=1_000_000), "threshold_not_met"),
        (Offer("G", "g", "buy_get", quantity=3, get_products=frozenset({"X"})), "condition_not_met"),
        (Offer("Z", "z", "percent_off", percent=10, member_eligible=False), "not_in_segment"),
    ],
)
def test_an_offer_that_cannot_apply_says_why(offer, reason):
    q = quote([line("X", 10_000)], [offer], channel="wecom")
    assert q.payable_cents == 10_000
    assert [(n.offer_code, n.reason) for n in q.not_applied] == [(offer.code, reason)]


def test_dates_are_inclusive_at_both_ends():
    o = Offer("D", "d", "percent_off", percent=10, starts=DAY, ends=DAY)
    assert quote([line("X", 10_000)], [o]).payable_cents == 9_000


def test_points_pay_whole_yuan_within_the_bill_cap():
    rule = PointsRule(points_per_yuan=100, cap_percent=20)
    assert redeem_points(10_000, 5_000, 5_000, rule) == (2_000, 2_000)   # cap 20% of ¥100 = ¥20
    assert redeem_points(10_000, 550, 5_000, rule) == (500, 500)         # whole yuan only
    assert redeem_points(10_000, 5_000, 300, rule) == (300, 300)         # balance limits
    assert redeem_points(0, 5_000, 5_000, rule) == (0, 0)


def test_points_reduce_payable_after_offers_and_explain_their_limit():
    q = quote([line("X", 10_000)], [Offer("P", "p", "percent_off", percent=50)], points=5_000,
              points_balance=5_000)
    assert (q.points_redeemed, q.points_cents, q.payable_cents) == (1_000, 1_000, 4_000)
    assert q.saving_cents == 6_000
    assert ("POINTS", "cap_reached") in {(n.offer_code, n.reason) for n in q.not_applied}


def test_stored_value_is_a_way_to_pay_not_a_discount():
    q = quote([line("X", 10_000)], [], stored_value_cents=50_000)
    assert q.payable_cents == 10_000
    assert q.stored_value_usable_cents == 10_000


def test_evaluate_applies_channel_price_before_percentages():
    mt = Offer("MT", "mt", "channel_price", price_cents=20_000)
    pct = Offer("P", "p", "percent_off", percent=10)
    assert evaluate([line("X", 38_800)], [pct, mt]) == 18_000


def test_quote_json_uses_yuan_strings():
    q = quote([line("X", 12_345)], [Offer("M", "m", "amount_off", amount_cents=45)])
    data = q.to_json()
    assert (data["list_total"], data["payable"], data["saving"]) == ("123.45", "123.00", "0.45")
    assert data["lines"][0]["offers"] == [{"offer": "M", "name": "m", "amount": "0.45"}]
    assert yuan(-5) == "-0.05"


def test_a_malformed_offer_is_refused():
    with pytest.raises(PricingError):
        Offer("X", "x", "percent_off", percent=120)
    with pytest.raises(PricingError):
        Offer("X", "x", "mystery")
