"""What a member holds: memberships, stored value, points and coupons (ledgers, never overwritten)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.clock import utcnow
from core.pricing.services import QuoteError
from core.products.services import transaction
from db.models import Member
from db.models.products import (
    MemberCoupon,
    MemberMembership,
    MembershipPlan,
    PointsEntry,
    Promotion,
    StoredValueEntry,
    StoredValuePlan,
)

HOLDING_ROLES = ("admin", "lead", "product_manager", "advisor")


@dataclass(frozen=True)
class Holding:
    code: str
    name: str
    starts: date | None = None
    ends: date | None = None


@dataclass(frozen=True)
class Wallet:
    """A member's memberships in force, balances and coupons on a date."""

    memberships: tuple[Holding, ...]
    stored_value_cents: int
    points: int
    coupons: tuple[Holding, ...]


def member_wallet(session: Session, actor: Actor, member_id: int, on_date: date) -> Wallet:
    """The member's memberships in force on `on_date`, stored-value balance, points and held coupons."""
    require_role(actor, "admin", "lead", "product_manager", "supervisor", "advisor")
    with transaction(session):
        plans = session.execute(
            select(MembershipPlan.code, MembershipPlan.name, MemberMembership.starts, MemberMembership.ends)
            .join(MemberMembership, MemberMembership.plan_id == MembershipPlan.id)
            .where(MemberMembership.member_id == member_id, MemberMembership.starts <= on_date,
                   MemberMembership.ends >= on_date).order_by(MemberMembership.starts)).all()
        coupons = session.execute(
            select(Promotion.code, Promotion.name, Promotion.starts, Promotion.ends)
            .join(MemberCoupon, MemberCoupon.promotion_id == Promotion.id)
            .where(MemberCoupon.member_id == member_id, MemberCoupon.status == "held")
            .order_by(Promotion.code)).all()
        stored = session.scalar(select(func.coalesce(func.sum(StoredValueEntry.delta_cents), 0))
                                .where(StoredValueEntry.member_id == member_id))
        points = session.scalar(select(func.coalesce(func.sum(PointsEntry.delta_points), 0))
                                .where(PointsEntry.member_id == member_id))
    return Wallet(tuple(Holding(*r) for r in plans), int(stored), int(points), tuple(Holding(*r) for r in coupons))


def _member(session: Session, member_id: int) -> None:
    if session.get(Member, member_id) is None:
        raise QuoteError("pricing.unknown_member", member=member_id)


def enroll_membership(session: Session, actor: Actor, member_id: int, plan_code: str, starts: date) -> int:
    """Start a membership for the plan's validity from `starts`; returns its id."""
    require_role(actor, *HOLDING_ROLES)
    with transaction(session):
        _member(session, member_id)
        plan = session.scalar(select(MembershipPlan).where(MembershipPlan.code == plan_code,
                                                           MembershipPlan.active.is_(True)))
        if plan is None:
            raise QuoteError("pricing.unknown_plan", code=plan_code)
        row = MemberMembership(member_id=member_id, plan_id=plan.id, starts=starts,
                               ends=starts + timedelta(days=plan.validity_days - 1), fee_paid_cents=plan.fee_cents)
        session.add(row)
        session.flush()
        record(session, actor, "membership.enroll", "member", member_id,
               {"plan": plan_code, "starts": starts, "ends": row.ends})
        return row.id


def top_up(session: Session, actor: Actor, member_id: int, plan_code: str) -> int:
    """Top up stored value by a plan (pay X, receive Y); returns the new balance in cents."""
    require_role(actor, *HOLDING_ROLES)
    with transaction(session):
        _member(session, member_id)
        plan = session.scalar(select(StoredValuePlan).where(StoredValuePlan.code == plan_code,
                                                            StoredValuePlan.active.is_(True)))
        if plan is None:
            raise QuoteError("pricing.unknown_plan", code=plan_code)
        session.add(StoredValueEntry(member_id=member_id, at=utcnow(), delta_cents=plan.credit_cents,
                                     reason="top_up", ref=plan_code))
        record(session, actor, "stored_value.top_up", "member", member_id,
               {"plan": plan_code, "paid_cents": plan.pay_cents, "credit_cents": plan.credit_cents})
        session.flush()
        return int(session.scalar(select(func.sum(StoredValueEntry.delta_cents))
                                  .where(StoredValueEntry.member_id == member_id)))


def add_points(session: Session, actor: Actor, member_id: int, points: int, reason: str) -> None:
    """Credit (or with a negative number, debit) points; a debit may not exceed the balance."""
    require_role(actor, *HOLDING_ROLES)
    with transaction(session):
        _member(session, member_id)
        balance = session.scalar(select(func.coalesce(func.sum(PointsEntry.delta_points), 0))
                                 .where(PointsEntry.member_id == member_id))
        if balance + points < 0:
            raise QuoteError("pricing.insufficient_points", balance=balance)
        session.add(PointsEntry(member_id=member_id, at=utcnow(), delta_points=points, reason=reason))
        record(session, actor, "points.add", "member", member_id, {"points": points, "reason": reason})


def issue_coupon(session: Session, actor: Actor, member_id: int, promotion_code: str, on_date: date) -> int:
    """Give the member one coupon of a coupon promotion; returns the coupon id."""
    require_role(actor, *HOLDING_ROLES)
    with transaction(session):
        _member(session, member_id)
        promo = session.scalar(select(Promotion).where(Promotion.code == promotion_code,
                                                       Promotion.is_coupon.is_(True)))
        if promo is None:
            raise QuoteError("pricing.unknown_coupon", code=promotion_code)
        row = MemberCoupon(member_id=member_id, promotion_id=promo.id, received_on=on_date, status="held")
        session.add(row)
        session.flush()
        record(session, actor, "coupon.issue", "member", member_id, {"coupon": promotion_code})
        return row.id
