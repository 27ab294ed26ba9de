"""Members and their facts: households, tags, maternity records, visits and orders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_name", "name"),
        Index("ix_members_phone_tail", "phone_tail"),
        Index("ix_members_branch_pd", "branch_id", "private_domain"),
        Index("ix_members_advisor", "advisor_id"),
        Index("ix_members_birth_date", "birth_date"),
        CheckConstraint("gender IN ('F', 'M')", name="gender"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_tail: Mapped[str | None] = mapped_column(String(4))
    city: Mapped[str | None] = mapped_column(String(50))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    source_channel: Mapped[str | None] = mapped_column(String(32))
    joined_at: Mapped[date | None] = mapped_column(Date)
    private_domain: Mapped[bool] = mapped_column(Boolean, default=False)
    private_domain_since: Mapped[date | None] = mapped_column(Date)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    wecom_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    wecom_consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class Household(Base):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)


class HouseholdMember(Base):
    __tablename__ = "household_members"
    __table_args__ = (
        Index("ix_household_members_household", "household_id", "role"),
        CheckConstraint("role IN ('self', 'spouse', 'child', 'parent')", name="role"),
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    key_person: Mapped[bool] = mapped_column(Boolean, default=False)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class MemberTag(Base):
    __tablename__ = "member_tags"
    __table_args__ = (Index("ix_member_tags_tag", "tag_id", "member_id"),)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class MaternityRecord(Base):
    __tablename__ = "maternity_records"
    __table_args__ = (
        Index("ix_maternity_records_edd", "expected_delivery_date"),
        Index("ix_maternity_records_delivery", "delivery_date"),
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    expected_delivery_date: Mapped[date | None] = mapped_column(Date)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    discharge_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        # covering index for per-member facts (RFM, spend, last visit, departments)
        Index("ix_visits_member_date", "member_id", "visit_date", "department_id", "amount_cents"),
        Index("ix_visits_date", "visit_date", "member_id", "department_id", "amount_cents"),
        # a department's visitors in member order: segment sets are built from sorted ids (SQLite appends
        # them to its IN-list instead of inserting at random), and "last visit in a department" streams
        Index("ix_visits_department_member", "department_id", "member_id", "visit_date"),
        CheckConstraint("kind IN ('outpatient', 'inpatient', 'exam')", name="kind"),
        CheckConstraint("amount_cents >= 0", name="amount_nonnegative"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    visit_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_member_date", "member_id", "ordered_at", "status", "amount_cents"),
        Index("ix_orders_date", "ordered_at", "status", "member_id", "amount_cents"),
        Index("ix_orders_product", "product_code", "member_id"),
        CheckConstraint("status IN ('paid', 'refunded')", name="status"),
        CheckConstraint("amount_cents >= 0", name="amount_nonnegative"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    product_code: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    ordered_at: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default="paid")
