"""Demo catalogue (`careloop demo`): published products, memberships, stored value, promotions, and
the demo members' memberships, balances, points and coupons — deterministic for a seed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import Engine, Integer, func, insert, literal, select
from sqlalchemy.orm import Session, sessionmaker

from core.products.demo_catalog import ITEMS, PLANS, PRODUCTS, STORED_VALUE
from db.models import Member, Order
from db.models.products import (
    BenefitUsage,
    MemberCoupon,
    MemberMembership,
    MembershipPlan,
    PlanBenefit,
    PointsEntry,
    Product,
    ProductItem,
    Promotion,
    ServiceItem,
    StoredValueEntry,
    StoredValuePlan,
)

MEMBER_STACK = ["member", "promo", "coupon"]   # benefits of memberships stack with each other too


def promotions(as_of: date) -> list[dict]:
    """The demo promotions, dated around `as_of` (one already expired, to show why it does not apply)."""
    y = as_of.year
    year = dict(starts=date(y, 1, 1), ends=date(y, 12, 31))

    def promo(code: str, name: str, kind: str, **kw) -> dict:
        base = dict(code=code, name=name, kind=kind, is_coupon=False, channels=[], starts=None, ends=None,
                    products=[], categories=[], departments=[], segment_id=None, exclusive=False,
                    stack_group="promo", stacks_with=["member", "coupon"], percent=0, price_cents=0,
                    amount_cents=0, threshold_cents=0, buy_quantity=0, get_products=[], description="",
                    active=True)
        base.update(kw)
        return base

    return [
        promo("MT-SCALING", "美团洁牙价¥128", "channel_price", channels=["meituan"], products=["DEN-SCALING"],
              price_cents=12_800, exclusive=True, stack_group="channel", stacks_with=[], **year,
              description="美团点评团购洁牙，不与其他优惠同享。"),
        promo("DP-DENCHECK", "大众点评口腔检查¥99", "channel_price", channels=["dianping", "meituan"],
              products=["DEN-CHECK"], price_cents=9_900, exclusive=True, stack_group="channel", stacks_with=[],
              **year),
        promo("MALL-HC", "微信商城体检价", "channel_price", channels=["wechat_mall", "mini_program"],
              products=["HC-BASIC", "HC-PREMIUM"], price_cents=88_000, stack_group="channel",
              stacks_with=["coupon", "member"], **year,
              description="商城下单基础体检¥880（高端体检按原价不低于¥880，不适用）。"),
        promo("FULL-3000", "口腔医美满3000减300", "amount_off", departments=["dental", "aesthetics"],
              amount_cents=30_000, threshold_cents=300_000, **year),
        promo("FULL-30000", "满30000减2000", "amount_off", amount_cents=200_000, threshold_cents=3_000_000,
              stacks_with=["member"], **year),
        promo("SCHOOL-EYE", "开学季儿童眼科复查8折", "percent_off", products=["EYE-RECHECK"], percent=20,
              starts=date(y, 8, 15), ends=date(y, 9, 30)),
        promo("HC-SEASON", "春季体检9折", "percent_off", departments=["health_check"], percent=10,
              starts=date(y, 3, 1), ends=date(y, 5, 31)),
        promo("ORTHO-GIFT", "正畸送冷光美白", "buy_get", products=["DEN-ORTHO"], buy_quantity=1,
              get_products=["DEN-WHITEN"], **year),
        promo("CONFINE-GIFT", "月子套餐赠产后康复", "buy_get", products=["PP-CONFINE"], buy_quantity=1,
              get_products=["PP-REHAB"], stacks_with=["member"], **year),
        promo("DOUBLE11", "双十一口腔8折", "percent_off", departments=["dental"], percent=20,
              starts=date(y - 1, 11, 1), ends=date(y - 1, 11, 11)),
        promo("CP-DEN-50", "口腔满200减50券", "amount_off", is_coupon=True, departments=["dental"],
              amount_cents=5_000, threshold_cents=20_000, stack_group="coupon", stacks_with=["member", "promo"],
              **year),
        promo("CP-HC-100", "体检满800减100券", "amount_off", is_coupon=True, departments=["health_check"],
              amount_cents=10_000, threshold_cents=80_000, stack_group="coupon",
              stacks_with=["member", "promo", "channel"], **year),
        promo("CP-NEW-88", "新客立减88元券", "amount_off", is_coupon=True, amount_cents=8_800,
              threshold_cents=50_000, stack_group="coupon", stacks_with=["member", "promo"], **year),
    ]


def seed(engine: Engine, session_factory: sessionmaker[Session], *, seed: int, as_of: date) -> None:
    """Load the demo catalogue and the demo members' holdings (all products published)."""
    with session_factory() as s, s.begin():
        _catalogue(s, as_of)
        _holdings(s, seed, as_of)


def _catalogue(s: Session, as_of: date) -> None:
    published_at = datetime.combine(as_of - timedelta(days=90), time(9, 0))
    s.execute(insert(ServiceItem), [dict(code=c, name=n, department_code=d, category=cat, unit_price_cents=p,
                                         active=True) for c, n, d, cat, p in ITEMS])
    prices = {c: p for c, _, _, _, p in ITEMS}
    for (code, name, dept, category, kind, set_price, stage, items, desc, incl, excl, script, faq) in PRODUCTS:
        total = sum(prices[i] * q for i, q in items)
        row = Product(
            code=code, version=1, status="published", name=name, kind=kind, department_code=dept,
            category=category, price_mode="sum" if set_price is None else "set", items_total_cents=total,
            list_price_cents=total if set_price is None else set_price, life_stage=stage, segment_id=None,
            description=desc, inclusions=incl, exclusions=excl, script=script,
            faq=[{"q": q, "a": a} for q, a in faq], lock_version=3, created_at=published_at - timedelta(days=7),
            created_by="pm", updated_at=published_at, updated_by="lead", reviewed_at=published_at,
            reviewed_by="lead", review_comment="首批目录审核通过，价格已公示。")
        s.add(row)
        s.flush()
        s.add_all([ProductItem(product_id=row.id, item_code=i, quantity=q, unit_price_cents=prices[i])
                   for i, q in items])
    for code, name, dept, fee, benefits in PLANS:
        plan = MembershipPlan(code=code, name=name, department_code=dept, fee_cents=fee, validity_days=365,
                              description="；".join(b[1] for b in benefits), active=True)
        s.add(plan)
        s.flush()
        s.add_all([PlanBenefit(plan_id=plan.id, code=bc, name=bn, kind=kind, products=prods, categories=cats,
                               departments=depts, quantity=qty, percent=pct, exclusive=False,
                               stack_group="member", stacks_with=MEMBER_STACK)
                   for bc, bn, kind, prods, cats, depts, qty, pct in benefits])
    s.execute(insert(StoredValuePlan), [dict(code=c, name=n, pay_cents=p, credit_cents=cr, active=True)
                                        for c, n, p, cr in STORED_VALUE])
    s.execute(insert(Promotion), promotions(as_of))
    s.flush()


def _holdings(s: Session, seed: int, as_of: date) -> None:
    rng = np.random.default_rng(seed + 5)
    plan_ids = dict(s.execute(select(MembershipPlan.code, MembershipPlan.id)).all())
    fees = {code: fee for code, _, _, fee, _ in PLANS}
    year_ago = as_of - timedelta(days=364)
    # memberships: bought as orders of the annual card (pediatrics) or picked among dental/postpartum buyers
    rows = []
    for plan, product, share in (("PED-CARD", "PED-ANNUAL", 1.0), ("DEN-CARD", "DEN-CHECK", 0.3),
                                 ("MOM-CARD", "PP-REHAB", 0.5)):
        buyers = s.execute(
            select(Order.member_id, func.max(Order.ordered_at))
            .where(Order.product_code == product, Order.status == "paid", Order.ordered_at >= year_ago,
                   Order.ordered_at <= as_of)
            .group_by(Order.member_id).order_by(Order.member_id)).all()
        keep = rng.random(len(buyers)) < share
        rows += [dict(member_id=m, plan_id=plan_ids[plan], starts=d, ends=d + timedelta(days=364),
                      fee_paid_cents=fees[plan])
                 for (m, d), k in zip(buyers, keep, strict=True) if k]
    if rows:
        s.execute(insert(MemberMembership), rows)
    free = dict(s.execute(select(PlanBenefit.plan_id, PlanBenefit.id)
                          .where(PlanBenefit.kind == "free_quantity")
                          .order_by(PlanBenefit.plan_id, PlanBenefit.id)).all())
    memberships = s.execute(select(MemberMembership.id, MemberMembership.plan_id, MemberMembership.starts)
                            .order_by(MemberMembership.id)).all()
    used = rng.integers(0, 13, len(memberships))
    usage = [dict(membership_id=mid, benefit_id=free[pid], used_on=min(as_of, starts + timedelta(days=30)),
                  quantity=int(u) if pid == plan_ids["PED-CARD"] else 1)
             for (mid, pid, starts), u in zip(memberships, used, strict=True) if u > 0 and pid in free]
    if usage:
        s.execute(insert(BenefitUsage), usage)
    # points: one per whole yuan of every paid order, credited as of the demo date
    at = datetime.combine(as_of, time(8, 0))
    s.execute(insert(PointsEntry).from_select(
        ["member_id", "at", "delta_points", "reason", "ref"],
        select(Order.member_id, literal(at), func.sum(Order.amount_cents // 100), literal("earned"),
               literal(None)).where(Order.status == "paid").group_by(Order.member_id)))
    # stored value: about one private-domain member in twelve topped up; coupons for others
    pd_ids = s.scalars(select(Member.id).where(Member.private_domain.is_(True)).order_by(Member.id)).all()
    picks = rng.random(len(pd_ids))
    plans = rng.integers(0, len(STORED_VALUE), len(pd_ids))
    top_ups = [dict(member_id=m, at=at - timedelta(days=int(30 + p * 300)), delta_cents=STORED_VALUE[k][3],
                    reason="top_up", ref=STORED_VALUE[k][0])
               for m, p, k in zip(pd_ids, picks, plans, strict=True) if p < 1 / 12]
    spent = [dict(member_id=r["member_id"], at=r["at"] + timedelta(days=14), delta_cents=-r["delta_cents"] // 3,
                  reason="payment", ref=None) for r in top_ups[::2]]
    if top_ups:
        s.execute(insert(StoredValueEntry), top_ups + spent)
    promo_ids = dict(s.execute(select(Promotion.code, Promotion.id).where(Promotion.is_coupon.is_(True))).all())
    for code, modulo in (("CP-DEN-50", 0), ("CP-HC-100", 1), ("CP-NEW-88", 2)):
        s.execute(insert(MemberCoupon).from_select(
            ["member_id", "promotion_id", "received_on", "used_on", "status"],
            select(Member.id, literal(promo_ids[code], Integer), literal(as_of - timedelta(days=10)),
                   literal(None), literal("held"))
            .where(Member.private_domain.is_(True), (Member.id + seed) % 7 == modulo)))
