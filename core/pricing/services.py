"""Quote use cases: gather a member's offers from the database, price the cart, save the quote."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import ROLES, Actor, require_role
from core.clock import utcnow
from core.pricing.model import CartLine, NotApplied, Offer, PointsRule, Quote
from core.pricing.search import optimize
from core.products.offers import list_promotions
from core.products.services import transaction
from db.models import Member
from db.models.products import (
    BenefitUsage,
    MemberCoupon,
    MemberMembership,
    MembershipPlan,
    PlanBenefit,
    PointsEntry,
    Product,
    Promotion,
    SavedQuote,
    StoredValueEntry,
)

POINTS_RULE = PointsRule(points_per_yuan=100, cap_percent=20)   # 100 points = ¥1, at most 20% of a bill
POINTS_EARNED_PER_YUAN = 1


class QuoteError(ValueError):
    """The quote cannot be made; `key` is a catalogue key, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class SavedQuoteRow:
    """A saved quote as the member profile lists it."""

    id: int
    created_at: datetime
    created_by: str
    channel: str | None
    on_date: date
    product_codes: tuple[str, ...]
    list_total_cents: int
    payable_cents: int
    saving_cents: int
    product_versions: dict


def quote(session: Session, actor: Actor, *, member_id: int, product_codes: list[str], channel: str | None,
          on_date: date, coupon_codes: list[str] = (), points: int = 0) -> Quote:
    """The best legal price for `member_id` buying `product_codes` (published versions) via `channel`.

    Memberships in force and the points balance are always considered. `coupon_codes` are the coupons
    the member presents: with none given every held coupon is considered; a code given but not held is
    listed as not applied.
    """
    require_role(actor, *ROLES)
    if not product_codes:
        raise QuoteError("pricing.no_products")
    if points < 0:
        raise QuoteError("pricing.bad_points")
    with transaction(session):
        if session.get(Member, member_id) is None:
            raise QuoteError("pricing.unknown_member", member=member_id)
        lines, versions = _cart(session, product_codes)
        offers, refused = _offers(session, member_id, on_date, list(coupon_codes))
        points_balance = int(session.scalar(select(func.coalesce(func.sum(PointsEntry.delta_points), 0))
                                            .where(PointsEntry.member_id == member_id)))
        stored = int(session.scalar(select(func.coalesce(func.sum(StoredValueEntry.delta_cents), 0))
                                    .where(StoredValueEntry.member_id == member_id)))
    result = optimize(lines, offers, channel=channel or None, on_date=on_date, points=points,
                      points_balance=points_balance, points_rule=POINTS_RULE, stored_value_cents=stored,
                      refused=tuple(refused))
    return replace(result, product_versions=versions)


def _cart(session: Session, codes: list[str]) -> tuple[list[CartLine], dict[str, int]]:
    rows = {r.code: r for r in session.scalars(select(Product).where(Product.code.in_(set(codes)),
                                                                      Product.status == "published"))}
    missing = [c for c in codes if c not in rows]
    if missing:
        raise QuoteError("pricing.unknown_product", code=", ".join(missing))
    lines = [CartLine(c, rows[c].name, rows[c].category, rows[c].department_code, rows[c].list_price_cents)
             for c in codes]
    return lines, {c: rows[c].version for c in sorted(set(codes))}


def _in_segment(session: Session, segment_id: int, member_id: int, on_date: date) -> bool:
    from core.segments.compile import member_ids
    from core.segments.services import SegmentError, saved_segment_rule

    try:
        rule = saved_segment_rule(session, segment_id)
    except SegmentError:
        return False
    return bool(session.scalar(select(exists(member_ids(rule, as_of=on_date).where(Member.id == member_id)))))


def _offers(session: Session, member_id: int, on_date: date,
            coupon_codes: list[str]) -> tuple[list[Offer], list[NotApplied]]:
    held = set(session.scalars(
        select(Promotion.code).join(MemberCoupon, MemberCoupon.promotion_id == Promotion.id)
        .where(MemberCoupon.member_id == member_id, MemberCoupon.status == "held")))
    offers, refused = [], []
    for spec in list_promotions(session, active_only=True):
        if spec.is_coupon and spec.code not in held:
            if spec.code in coupon_codes:
                refused.append(NotApplied(spec.code, spec.name, "not_held"))
            continue
        if spec.is_coupon and coupon_codes and spec.code not in coupon_codes:
            continue
        eligible = spec.segment_id is None or _in_segment(session, spec.segment_id, member_id, on_date)
        offers.append(spec.offer(member_eligible=eligible))
    known = {o.code for o in offers} | {n.offer_code for n in refused}
    refused += [NotApplied(c, c, "not_held") for c in coupon_codes if c not in known]
    usage = _usage(session, member_id)
    memberships = session.execute(
        select(MemberMembership, MembershipPlan, PlanBenefit)
        .join(MembershipPlan, MembershipPlan.id == MemberMembership.plan_id)
        .join(PlanBenefit, PlanBenefit.plan_id == MembershipPlan.id)
        .where(MemberMembership.member_id == member_id, MemberMembership.starts <= on_date,
               MemberMembership.ends >= on_date)
        .order_by(MemberMembership.starts, PlanBenefit.code)).all()
    for mm, plan, b in memberships:
        if b.code in known:
            continue
        known.add(b.code)
        offers.append(Offer(
            code=b.code, name=f"{plan.name}·{b.name}", kind=b.kind, source="membership",
            starts=mm.starts, ends=mm.ends, products=frozenset(b.products), categories=frozenset(b.categories),
            departments=frozenset(b.departments), exclusive=b.exclusive, group=b.stack_group,
            stacks_with=frozenset(b.stacks_with), percent=b.percent, quantity=b.quantity,
            used=usage.get((mm.id, b.id), 0)))
    return offers, refused


def _usage(session: Session, member_id: int) -> dict[tuple[int, int], int]:
    """Units used so far of each free-quantity benefit, per membership."""
    rows = session.execute(
        select(BenefitUsage.membership_id, BenefitUsage.benefit_id, func.sum(BenefitUsage.quantity))
        .join(MemberMembership, MemberMembership.id == BenefitUsage.membership_id)
        .where(MemberMembership.member_id == member_id)
        .group_by(BenefitUsage.membership_id, BenefitUsage.benefit_id)).all()
    return {(m, b): int(n) for m, b, n in rows}


def save_quote(session: Session, actor: Actor, quote: Quote, member_id: int) -> int:
    """Keep a quote on the member's profile, with the product versions it priced; returns its id."""
    require_role(actor, *ROLES)
    with transaction(session):
        if session.get(Member, member_id) is None:
            raise QuoteError("pricing.unknown_member", member=member_id)
        row = SavedQuote(
            member_id=member_id, created_at=utcnow(), created_by=actor.username, channel=quote.channel,
            on_date=quote.on_date, list_total_cents=quote.list_total_cents, payable_cents=quote.payable_cents,
            saving_cents=quote.saving_cents, product_codes=[ln.product_code for ln in quote.lines],
            product_versions=dict(quote.product_versions), detail=quote.to_json())
        session.add(row)
        session.flush()
        record(session, actor, "quote.save", "quote", row.id,
               {"member_id": member_id, "payable_cents": quote.payable_cents,
                "products": row.product_codes, "versions": row.product_versions})
        return row.id


def member_quotes(session: Session, actor: Actor, member_id: int) -> list[SavedQuoteRow]:
    """The member's saved quotes, newest first."""
    require_role(actor, *ROLES)
    with transaction(session):
        rows = session.scalars(select(SavedQuote).where(SavedQuote.member_id == member_id)
                               .order_by(SavedQuote.created_at.desc(), SavedQuote.id.desc()))
        return [SavedQuoteRow(r.id, r.created_at, r.created_by, r.channel, r.on_date, tuple(r.product_codes),
                              r.list_total_cents, r.payable_cents, r.saving_cents, dict(r.product_versions))
                for r in rows]


def member_id_by_external(session: Session, external_id: str) -> int:
    """The id of the member with this external id; QuoteError when there is none."""
    with transaction(session):
        found = session.scalar(select(Member.id).where(Member.external_id == external_id.strip()))
    if found is None:
        raise QuoteError("pricing.unknown_member", member=external_id)
    return found
