"""Service catalogue and pricing: items, product versions, memberships, stored value, points,
promotions, coupons held by members, and saved quotes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")
ITEM_CATEGORIES = "('consultation', 'exam', 'lab', 'treatment', 'inpatient', 'nursing', 'goods')"


class ServiceItem(Base):
    """One priced service or good (明码标价), the building block of products."""

    __tablename__ = "service_items"
    __table_args__ = (
        CheckConstraint(f"category IN {ITEM_CATEGORIES}", name="category"),
        CheckConstraint("unit_price_cents >= 0", name="price_nonnegative"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    department_code: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16))
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Product(Base):
    """One version of a product; published versions are never edited (a change makes a new draft)."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        Index("ix_products_status_code", "status", "code"),
        CheckConstraint("status IN ('draft', 'in_review', 'published', 'retired')", name="status"),
        CheckConstraint("kind IN ('single', 'package')", name="kind"),
        CheckConstraint("price_mode IN ('sum', 'set')", name="price_mode"),
        CheckConstraint("list_price_cents >= 0", name="price_nonnegative"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))
    department_code: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16))
    price_mode: Mapped[str] = mapped_column(String(4))
    items_total_cents: Mapped[int] = mapped_column(BigInteger)
    list_price_cents: Mapped[int] = mapped_column(BigInteger)
    life_stage: Mapped[str | None] = mapped_column(String(32))
    segment_id: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    inclusions: Mapped[str] = mapped_column(Text, default="")
    exclusions: Mapped[str] = mapped_column(Text, default="")
    script: Mapped[str] = mapped_column(Text, default="")
    faq: Mapped[list] = mapped_column(JSON, default=list)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    review_comment: Mapped[str | None] = mapped_column(Text)


class ProductItem(Base):
    """An item of a product version with its quantity and the unit price it was priced at."""

    __tablename__ = "product_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)


class MembershipPlan(Base):
    """An annual membership (会籍): fee, validity and benefits."""

    __tablename__ = "membership_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    department_code: Mapped[str | None] = mapped_column(String(32))
    fee_cents: Mapped[int] = mapped_column(BigInteger)
    validity_days: Mapped[int] = mapped_column(Integer, default=365)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PlanBenefit(Base):
    """A benefit of a membership plan: free units per membership year, or a percentage off."""

    __tablename__ = "plan_benefits"
    __table_args__ = (CheckConstraint("kind IN ('free_quantity', 'percent_off')", name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("membership_plans.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    products: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    departments: Mapped[list] = mapped_column(JSON, default=list)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    stack_group: Mapped[str] = mapped_column(String(32), default="member")
    stacks_with: Mapped[list] = mapped_column(JSON, default=list)


class MemberMembership(Base):
    __tablename__ = "member_memberships"
    __table_args__ = (Index("ix_member_memberships_member", "member_id", "ends"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("membership_plans.id"))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    fee_paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class BenefitUsage(Base):
    """Units of a free-quantity benefit used during one membership."""

    __tablename__ = "benefit_usage"
    __table_args__ = (Index("ix_benefit_usage_membership", "membership_id", "benefit_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("member_memberships.id", ondelete="CASCADE"))
    benefit_id: Mapped[int] = mapped_column(ForeignKey("plan_benefits.id"))
    used_on: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer, default=1)


class StoredValuePlan(Base):
    """Top up `pay_cents`, receive `credit_cents` of stored value (储值)."""

    __tablename__ = "stored_value_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    pay_cents: Mapped[int] = mapped_column(BigInteger)
    credit_cents: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StoredValueEntry(Base):
    """One movement of a member's stored-value balance (top-up +, payment −)."""

    __tablename__ = "stored_value_ledger"
    __table_args__ = (Index("ix_stored_value_ledger_member", "member_id", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    delta_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64))


class PointsEntry(Base):
    """One movement of a member's points (earned +, redeemed −)."""

    __tablename__ = "points_ledger"
    __table_args__ = (Index("ix_points_ledger_member", "member_id", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    delta_points: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64))


class Promotion(Base):
    """A channel price, 满减, percentage off, 买赠 or coupon, with its channels, dates and stacking."""

    __tablename__ = "promotions"
    __table_args__ = (
        CheckConstraint("kind IN ('channel_price', 'percent_off', 'amount_off', 'buy_get')", name="kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    is_coupon: Mapped[bool] = mapped_column(Boolean, default=False)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    starts: Mapped[date | None] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    products: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    departments: Mapped[list] = mapped_column(JSON, default=list)
    segment_id: Mapped[int | None] = mapped_column(Integer)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    stack_group: Mapped[str] = mapped_column(String(32), default="promo")
    stacks_with: Mapped[list] = mapped_column(JSON, default=list)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    threshold_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    buy_quantity: Mapped[int] = mapped_column(Integer, default=0)
    get_products: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MemberCoupon(Base):
    __tablename__ = "member_coupons"
    __table_args__ = (
        Index("ix_member_coupons_member", "member_id", "status"),
        CheckConstraint("status IN ('held', 'used', 'void')", name="status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"))
    received_on: Mapped[date] = mapped_column(Date)
    used_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="held")


class SavedQuote(Base):
    """A quote an advisor saved for a member, with the product versions it priced."""

    __tablename__ = "quotes"
    __table_args__ = (Index("ix_quotes_member", "member_id", "created_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    on_date: Mapped[date] = mapped_column(Date)
    list_total_cents: Mapped[int] = mapped_column(BigInteger)
    payable_cents: Mapped[int] = mapped_column(BigInteger)
    saving_cents: Mapped[int] = mapped_column(BigInteger)
    product_codes: Mapped[list] = mapped_column(JSON)
    product_versions: Mapped[dict] = mapped_column(JSON)
    detail: Mapped[dict] = mapped_column(JSON)
