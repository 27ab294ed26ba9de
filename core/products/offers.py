"""Promotions, membership plans and stored-value plans of the catalogue (product managers edit them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.audit.services import diff, record
from core.auth.model import Actor, require_role
from core.pricing.model import Offer, PricingError
from core.products.model import CODE_RE, EDITORS, ProductError
from core.products.services import transaction
from db.models.products import MembershipPlan, PlanBenefit, Promotion, StoredValuePlan

PROMOTION_KINDS = ("channel_price", "percent_off", "amount_off", "buy_get")


@dataclass(frozen=True)
class PromotionSpec:
    """A promotion or coupon definition (a coupon applies only when the member holds one)."""

    code: str
    name: str
    kind: str
    is_coupon: bool = False
    channels: tuple[str, ...] = ()
    starts: date | None = None
    ends: date | None = None
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    segment_id: int | None = None
    exclusive: bool = False
    stack_group: str = "promo"
    stacks_with: tuple[str, ...] = ()
    percent: int = 0
    price_cents: int = 0
    amount_cents: int = 0
    threshold_cents: int = 0
    buy_quantity: int = 0
    get_products: tuple[str, ...] = ()
    description: str = ""
    active: bool = True

    def offer(self, member_eligible: bool = True) -> Offer:
        """The pricing engine's view of this promotion."""
        return Offer(
            code=self.code, name=self.name, kind=self.kind, source="coupon" if self.is_coupon else "promotion",
            channels=frozenset(self.channels), starts=self.starts, ends=self.ends,
            products=frozenset(self.products), categories=frozenset(self.categories),
            departments=frozenset(self.departments), exclusive=self.exclusive, group=self.stack_group,
            stacks_with=frozenset(self.stacks_with), percent=self.percent, price_cents=self.price_cents,
            amount_cents=self.amount_cents, threshold_cents=self.threshold_cents, quantity=self.buy_quantity,
            get_products=frozenset(self.get_products), member_eligible=member_eligible,
        )


@dataclass(frozen=True)
class BenefitSpec:
    code: str
    name: str
    kind: str                       # free_quantity | percent_off
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    quantity: int = 0
    percent: int = 0
    exclusive: bool = False
    stack_group: str = "member"
    stacks_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanSpec:
    """A membership plan (会籍): annual fee, validity and benefits."""

    code: str
    name: str
    fee_cents: int
    validity_days: int = 365
    department: str | None = None
    description: str = ""
    active: bool = True
    benefits: tuple[BenefitSpec, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StoredValueSpec:
    """Top up `pay_cents` and receive `credit_cents` (储值)."""

    code: str
    name: str
    pay_cents: int
    credit_cents: int
    active: bool = True


_LISTS = ("channels", "products", "categories", "departments", "stacks_with", "get_products")


def _promotion_spec(row: Promotion) -> PromotionSpec:
    values = {k: getattr(row, k) for k in PromotionSpec.__dataclass_fields__}
    values.update({k: tuple(values[k] or ()) for k in _LISTS})
    return PromotionSpec(**values)


def list_promotions(session: Session, *, active_only: bool = False) -> list[PromotionSpec]:
    """Promotions and coupon definitions by code."""
    stmt = select(Promotion).order_by(Promotion.code)
    if active_only:
        stmt = stmt.where(Promotion.active.is_(True))
    with transaction(session):
        return [_promotion_spec(r) for r in session.scalars(stmt)]


def check_promotion(spec: PromotionSpec) -> None:
    """Raise ProductError when a promotion is malformed."""
    if not CODE_RE.match(spec.code or ""):
        raise ProductError("products.bad_code", code=spec.code)
    if spec.kind not in PROMOTION_KINDS:
        raise ProductError("products.unknown_promotion_kind", kind=spec.kind)
    if spec.starts and spec.ends and spec.ends < spec.starts:
        raise ProductError("products.bad_dates")
    try:
        spec.offer()
    except PricingError as exc:
        raise ProductError("products.bad_promotion", reason=str(exc)) from None


def save_promotion(session: Session, actor: Actor, spec: PromotionSpec) -> None:
    """Create or change a promotion (product managers); audited."""
    require_role(actor, *EDITORS)
    check_promotion(spec)
    values = asdict(spec)
    values.update({k: list(values[k]) for k in _LISTS})
    with transaction(session):
        row = session.scalar(select(Promotion).where(Promotion.code == spec.code))
        if row is None:
            session.add(Promotion(**values))
            record(session, actor, "promotion.create", "promotion", spec.code, values)
            return
        old = {k: getattr(row, k) for k in values}
        for k, v in values.items():
            setattr(row, k, v)
        record(session, actor, "promotion.update", "promotion", spec.code, diff(old, values))


def list_plans(session: Session) -> list[PlanSpec]:
    """Membership plans with their benefits."""
    with transaction(session):
        plans = session.scalars(select(MembershipPlan).order_by(MembershipPlan.code)).all()
        benefits = session.scalars(select(PlanBenefit).order_by(PlanBenefit.code)).all()
        out = []
        for p in plans:
            own = tuple(
                BenefitSpec(b.code, b.name, b.kind, tuple(b.products), tuple(b.categories), tuple(b.departments),
                            b.quantity, b.percent, b.exclusive, b.stack_group, tuple(b.stacks_with))
                for b in benefits if b.plan_id == p.id)
            out.append(PlanSpec(p.code, p.name, p.fee_cents, p.validity_days, p.department_code, p.description,
                                p.active, own))
        return out


def save_plan(session: Session, actor: Actor, spec: PlanSpec) -> None:
    """Create or replace a membership plan and its benefits (product managers); audited."""
    require_role(actor, *EDITORS)
    if not CODE_RE.match(spec.code or "") or spec.fee_cents < 0 or spec.validity_days < 1:
        raise ProductError("products.bad_plan", code=spec.code)
    for b in spec.benefits:
        if b.kind not in ("free_quantity", "percent_off") or not 0 <= b.percent <= 100 or b.quantity < 0:
            raise ProductError("products.bad_benefit", code=b.code)
    with transaction(session):
        row = session.scalar(select(MembershipPlan).where(MembershipPlan.code == spec.code))
        values = dict(name=spec.name, fee_cents=spec.fee_cents, validity_days=spec.validity_days,
                      department_code=spec.department, description=spec.description, active=spec.active)
        if row is None:
            row = MembershipPlan(code=spec.code, **values)
            session.add(row)
            session.flush()
        else:
            for k, v in values.items():
                setattr(row, k, v)
        kept = {b.code for b in spec.benefits}
        existing = {b.code: b for b in session.scalars(select(PlanBenefit).where(PlanBenefit.plan_id == row.id))}
        stale = [c for c in existing if c not in kept]
        if stale:
            session.execute(delete(PlanBenefit).where(PlanBenefit.plan_id == row.id, PlanBenefit.code.in_(stale)))
        for b in spec.benefits:
            fields = dict(name=b.name, kind=b.kind, products=list(b.products), categories=list(b.categories),
                          departments=list(b.departments), quantity=b.quantity, percent=b.percent,
                          exclusive=b.exclusive, stack_group=b.stack_group, stacks_with=list(b.stacks_with))
            if b.code in existing:
                for k, v in fields.items():
                    setattr(existing[b.code], k, v)
            else:
                session.add(PlanBenefit(plan_id=row.id, code=b.code, **fields))
        record(session, actor, "plan.save", "membership_plan", spec.code, {**values, "benefits": sorted(kept)})


def list_stored_value_plans(session: Session) -> list[StoredValueSpec]:
    """Stored-value top-up plans."""
    with transaction(session):
        return [StoredValueSpec(r.code, r.name, r.pay_cents, r.credit_cents, r.active)
                for r in session.scalars(select(StoredValuePlan).order_by(StoredValuePlan.code))]


def save_stored_value_plan(session: Session, actor: Actor, spec: StoredValueSpec) -> None:
    """Create or change a stored-value plan (product managers); audited."""
    require_role(actor, *EDITORS)
    if not CODE_RE.match(spec.code or "") or spec.pay_cents < 0 or spec.credit_cents < spec.pay_cents:
        raise ProductError("products.bad_stored_value", code=spec.code)
    values = dict(name=spec.name, pay_cents=spec.pay_cents, credit_cents=spec.credit_cents, active=spec.active)
    with transaction(session):
        row = session.scalar(select(StoredValuePlan).where(StoredValuePlan.code == spec.code))
        if row is None:
            session.add(StoredValuePlan(code=spec.code, **values))
            record(session, actor, "stored_value_plan.create", "stored_value_plan", spec.code, values)
        else:
            old = {k: getattr(row, k) for k in values}
            for k, v in values.items():
                setattr(row, k, v)
            record(session, actor, "stored_value_plan.update", "stored_value_plan", spec.code, diff(old, values))
