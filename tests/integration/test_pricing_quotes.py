"""Quotes from the database on both backends: memberships, coupons, points, segments, saved quotes."""

from __future__ import annotations

from datetime import date

import pytest

from core.auth.model import Actor
from core.pricing.services import QuoteError, member_quotes, quote, save_quote
from core.pricing.wallet import add_points, enroll_membership, issue_coupon, member_wallet, top_up
from core.products.model import ItemLine
from core.products.offers import (
    BenefitSpec,
    PlanSpec,
    PromotionSpec,
    StoredValueSpec,
    save_plan,
    save_promotion,
    save_stored_value_plan,
)
from core.products.services import change_status, new_version, save_draft
from tests.builders import make_member
from tests.integration.test_products_lifecycle import LEAD, PM, build_items, publish, scaling_draft

ADVISOR = Actor(4, "adv1", "顾问", "advisor")
DAY = date(2026, 6, 15)


def build_offers(session) -> None:
    build_items(session)
    publish(session, scaling_draft())
    publish(session, scaling_draft(code="PED-CONSULT", name="儿科专家门诊", department="pediatrics",
                                   category="consultation", items=(ItemLine("I-PED-CONSULT"),)))
    save_promotion(session, PM, PromotionSpec(
        "MT-SCALE", "美团洁牙价", "channel_price", channels=("meituan",), products=("DEN-SCALING",),
        price_cents=19_900, exclusive=True))
    save_promotion(session, PM, PromotionSpec(
        "CP-50", "满200减50券", "amount_off", is_coupon=True, amount_cents=5_000, threshold_cents=20_000,
        stack_group="coupon", stacks_with=("member",)))
    save_plan(session, PM, PlanSpec("PED-CARD", "儿科年卡", 298_000, benefits=(
        BenefitSpec("PED-FREE12", "每年免费门诊12次", "free_quantity", products=("PED-CONSULT",), quantity=12,
                    stacks_with=("coupon",)),
    )))
    save_stored_value_plan(session, PM, StoredValueSpec("SV-5000", "充5000送500", 500_000, 550_000))


def test_meituan_price_beats_the_coupon_and_the_quote_says_why(session):
    build_offers(session)
    member = make_member(session)
    issue_coupon(session, ADVISOR, member, "CP-50", DAY)
    q = quote(session, ADVISOR, member_id=member, product_codes=["DEN-SCALING"], channel="meituan",
              on_date=DAY)
    assert (q.list_total_cents, q.payable_cents) == (29_800, 19_900)
    assert q.offers_used == ("MT-SCALE",)
    assert ("CP-50", "not_stackable", "MT-SCALE") in {(n.offer_code, n.reason, n.other) for n in q.not_applied}
    assert q.product_versions == {"DEN-SCALING": 1}


def test_membership_free_uses_and_coupon_stack_and_a_foreign_coupon_is_not_held(session):
    build_offers(session)
    member = make_member(session)
    enroll_membership(session, ADVISOR, member, "PED-CARD", date(2026, 1, 1))
    issue_coupon(session, ADVISOR, member, "CP-50", DAY)
    q = quote(session, ADVISOR, member_id=member, product_codes=["PED-CONSULT", "DEN-SCALING"],
              channel="wecom", on_date=DAY, coupon_codes=["CP-50", "NOPE"])
    assert q.payable_cents == 29_800 - 5_000
    assert set(q.offers_used) == {"PED-FREE12", "CP-50"}
    assert ("NOPE", "not_held") in {(n.offer_code, n.reason) for n in q.not_applied}
    assert ("MT-SCALE", "wrong_channel") in {(n.offer_code, n.reason) for n in q.not_applied}


def test_points_and_stored_value_come_from_the_ledgers(session):
    build_offers(session)
    member = make_member(session)
    add_points(session, ADVISOR, member, 10_000, "demo")
    assert top_up(session, ADVISOR, member, "SV-5000") == 550_000
    q = quote(session, ADVISOR, member_id=member, product_codes=["DEN-SCALING"], channel=None, on_date=DAY,
              points=10_000)
    # 20% of ¥298 caps points at ¥59 → 5,900 points
    assert (q.points_redeemed, q.points_cents, q.payable_cents) == (5_900, 5_900, 23_900)
    assert q.stored_value_usable_cents == 23_900
    wallet = member_wallet(session, ADVISOR, member, DAY)
    assert (wallet.points, wallet.stored_value_cents) == (10_000, 550_000)


def test_promotion_for_a_segment_applies_only_to_its_members(session):
    from core.segments.services import save_segment

    build_offers(session)
    lead_actor = Actor(3, "lead1", "负责人", "lead")
    segment = save_segment(session, lead_actor, name="上海会员", description=None,
                           rule={"field": "city", "op": "=", "value": "上海"})
    save_promotion(session, PM, PromotionSpec("SH-10", "上海会员九折", "percent_off", percent=10,
                                              segment_id=segment))
    inside = make_member(session, city="上海")
    outside = make_member(session, city="杭州")
    q_in = quote(session, ADVISOR, member_id=inside, product_codes=["DEN-SCALING"], channel=None, on_date=DAY)
    q_out = quote(session, ADVISOR, member_id=outside, product_codes=["DEN-SCALING"], channel=None, on_date=DAY)
    assert (q_in.payable_cents, q_out.payable_cents) == (26_820, 29_800)
    assert ("SH-10", "not_in_segment") in {(n.offer_code, n.reason) for n in q_out.not_applied}


def test_saved_quote_keeps_the_version_it_priced(session):
    build_offers(session)
    member = make_member(session)
    q = quote(session, ADVISOR, member_id=member, product_codes=["DEN-SCALING"], channel=None, on_date=DAY)
    qid = save_quote(session, ADVISOR, q, member)
    v2 = new_version(session, PM, "DEN-SCALING")
    save_draft(session, PM, v2, scaling_draft(name="洁牙2026版"), lock_version=1)
    change_status(session, PM, v2, "submit", lock_version=2)
    change_status(session, LEAD, v2, "approve", lock_version=3, comment="调价")
    [saved] = member_quotes(session, ADVISOR, member)
    assert (saved.id, saved.product_versions, saved.payable_cents) == (qid, {"DEN-SCALING": 1}, 29_800)
    assert quote(session, ADVISOR, member_id=member, product_codes=["DEN-SCALING"], channel=None,
                 on_date=DAY).product_versions == {"DEN-SCALING": 2}


def test_only_the_presented_coupons_are_used_when_some_are_named(session):
    build_offers(session)
    save_promotion(session, PM, PromotionSpec(
        "CP-10", "满100减10券", "amount_off", is_coupon=True, amount_cents=1_000, threshold_cents=10_000,
        stack_group="coupon", stacks_with=("member",)))
    member = make_member(session)
    issue_coupon(session, ADVISOR, member, "CP-50", DAY)
    issue_coupon(session, ADVISOR, member, "CP-10", DAY)
    every = quote(session, ADVISOR, member_id=member, product_codes=["DEN-SCALING"], channel=None, on_date=DAY)
    named = quote(session, ADVISOR, member_id=member, product_codes=["DEN-SCALING"], channel=None, on_date=DAY,
                  coupon_codes=["CP-10"])
    assert (every.offers_used, every.payable_cents) == (("CP-50",), 24_800)
    assert (named.offers_used, named.payable_cents) == (("CP-10",), 28_800)


def test_quote_refuses_unknown_products_and_members(session):
    build_offers(session)
    member = make_member(session)
    with pytest.raises(QuoteError) as unknown:
        quote(session, ADVISOR, member_id=member, product_codes=["NOPE"], channel=None, on_date=DAY)
    assert unknown.value.key == "pricing.unknown_product"
    with pytest.raises(QuoteError):
        quote(session, ADVISOR, member_id=999_999, product_codes=["DEN-SCALING"], channel=None, on_date=DAY)


def test_quote_works_inside_a_callers_open_transaction(session):
    build_offers(session)
    member = make_member(session)
    with session.begin():
        q = quote(session, ADVISOR, member_id=member, product_codes=["DEN-SCALING"], channel=None, on_date=DAY)
    assert q.payable_cents == 29_800
