"""Saved segments, their daily sizes, and the per-member RFM aggregates that segment queries join."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Segment(Base):
    """A named rule; its members are re-evaluated whenever it is used (dynamic)."""

    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SegmentSize(Base):
    """The size of a saved segment on one day (the daily snapshot behind the trend line)."""

    __tablename__ = "segment_sizes"
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    on_date: Mapped[date] = mapped_column(Date, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(DateTime)


class MemberRfm(Base):
    """Per-member paid-fact aggregates and their RFM scores as computed on `computed_on`."""

    __tablename__ = "member_rfm"
    __table_args__ = (Index("ix_member_rfm_segment", "segment", "member_id"),)
    # no foreign key: the table is rebuilt in bulk by each refresh, and segment queries reach it
    # only through members, so a row of a deleted member is never selected
    member_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                           autoincrement=False)
    recency_days: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[int] = mapped_column(Integer)
    monetary_cents: Mapped[int] = mapped_column(BigInteger)
    r: Mapped[int] = mapped_column(Integer)
    f: Mapped[int] = mapped_column(Integer)
    m: Mapped[int] = mapped_column(Integer)
    segment: Mapped[str] = mapped_column(String(16))
    computed_on: Mapped[date] = mapped_column(Date)
