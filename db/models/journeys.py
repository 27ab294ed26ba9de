"""SOP journeys: templates and their steps, enrollments, the touch outbox and its events, advisor tasks,
suppressions, scheduler runs and the scheduler's lock row."""

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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")

JOURNEY_STATUSES = ("draft", "in_review", "active", "paused", "retired")
ANCHORS = ("enrollment", "edd", "delivery", "discharge", "child_birth", "last_visit", "purchase", "yearly")
STEP_KINDS = ("service_reminder", "health_education", "product_recommendation", "survey", "follow_up")
CHANNELS = ("sms", "wecom", "wecom_group", "moments", "phone", "offline")
EXECUTORS = ("system", "advisor")
TOUCH_STATUSES = ("scheduled", "sent", "delivered", "failed", "skipped", "suppressed")
TOUCH_EVENTS = ("sent", "delivered", "opened", "clicked", "replied", "opted_out")
TASK_STATUSES = ("open", "done", "cancelled")
TASK_OUTCOMES = ("reached", "unreachable", "declined", "appointment", "purchased")
SUPPRESSION_REASONS = ("pregnancy_loss", "complaint", "bereavement", "own_request")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Journey(Base):
    """An SOP: timed steps along a member's care cycle, anchored on one date of the member."""

    __tablename__ = "journeys"
    __table_args__ = (
        CheckConstraint(_in("status", JOURNEY_STATUSES), name="status"),
        CheckConstraint(_in("anchor", ANCHORS), name="anchor"),
        CheckConstraint("holdout_pct >= 0 AND holdout_pct <= 50", name="holdout_pct"),
        CheckConstraint("no_consent_action IN ('task', 'skip')", name="no_consent_action"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    anchor: Mapped[str] = mapped_column(String(16), default="enrollment")
    anchor_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    anchor_product_code: Mapped[str | None] = mapped_column(String(64))
    anchor_month: Mapped[int | None] = mapped_column(Integer)
    anchor_day: Mapped[int | None] = mapped_column(Integer)
    entry_audience: Mapped[str | None] = mapped_column(String(32))
    entry_segment_id: Mapped[int | None] = mapped_column(Integer)
    exit_rules: Mapped[str | None] = mapped_column(Text)  # JSON list of exit rule codes
    exit_segment_id: Mapped[int | None] = mapped_column(Integer)
    holdout_pct: Mapped[int] = mapped_column(Integer, default=0)
    no_consent_action: Mapped[str] = mapped_column(String(8), default="task")
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class JourneyStep(Base):
    """One step of a journey version. Scheduled rows point at the step row they were made from; editing an
    active journey retires the row and adds a new one with the same lineage."""

    __tablename__ = "journey_steps"
    __table_args__ = (
        Index("ix_journey_steps_journey", "journey_id", "retired_in_version", "position"),
        CheckConstraint(_in("kind", STEP_KINDS), name="kind"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("executor", EXECUTORS), name="executor"),
        CheckConstraint("anchor IS NULL OR " + _in("anchor", ANCHORS), name="anchor"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    lineage_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    retired_in_version: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[str | None] = mapped_column(String(16))  # None: the journey's anchor
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    executor: Mapped[str] = mapped_column(String(8))
    offset_weeks: Mapped[int | None] = mapped_column(Integer)
    offset_days: Mapped[int] = mapped_column(Integer, default=0)
    send_from_min: Mapped[int] = mapped_column(Integer, default=540)
    send_to_min: Mapped[int] = mapped_column(Integer, default=1200)
    late_days: Mapped[int] = mapped_column(Integer, default=3)
    template: Mapped[str | None] = mapped_column(Text)
    script: Mapped[str | None] = mapped_column(Text)
    is_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    runs_when_suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    product_code: Mapped[str | None] = mapped_column(String(64))
    content_id: Mapped[int | None] = mapped_column(Integer)
    survey_id: Mapped[int | None] = mapped_column(Integer)
    condition_rule: Mapped[str | None] = mapped_column(Text)  # JSON rule of the segments context


class Enrollment(Base):
    """A member on a journey; the hold-out flag is drawn once, at enrollment."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("journey_id", "member_id"),
        Index("ix_enrollments_member", "member_id"),
        Index("ix_enrollments_journey_exit", "journey_id", "exited_on"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    enrolled_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    enrolled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_control: Mapped[bool] = mapped_column(Boolean, default=False)
    anchor_key: Mapped[str | None] = mapped_column(String(200))  # the anchor dates last planned on
    exited_on: Mapped[date | None] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(32))


class Touch(Base):
    """A message of a system step: the outbox row, then its delivery facts.

    No foreign keys here: the scheduler writes millions of these rows with INSERT … SELECT from enrollments
    and steps (so they always point at existing rows), and the four parent lookups per row nearly doubled the
    time of materializing 200,000 enrollments on SQLite. Steps with rows are retired, never deleted."""

    __tablename__ = "touches"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_lineage_id", "occurrence"),
        Index("ix_touches_delivered_at", "delivered_at"),
        Index("ix_touches_journey_scheduled", "journey_id", "scheduled_for"),
        # only rows still waiting to be sent: the daily run reads these, and the millions of rows a large plan
        # writes as already stale (or that are sent) stay out of it
        Index("ix_touches_due", "scheduled_for", sqlite_where=text("status = 'scheduled'"),
              postgresql_where=text("status = 'scheduled'")),
        Index("ix_touches_member_sent", "member_id", "sent_on"),
        CheckConstraint(_in("status", TOUCH_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(BigId)
    journey_id: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[int] = mapped_column(Integer)
    step_lineage_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(BigId)
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    sent_on: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime)
    content_id: Mapped[int | None] = mapped_column(Integer)
    product_code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)


class TouchEvent(Base):
    """A delivery fact reported by a gateway (or the file outbox): sent, delivered, opened, ..."""

    __tablename__ = "touch_events"
    __table_args__ = (
        UniqueConstraint("touch_id", "event", "at"),
        Index("ix_touch_events_at", "at"),
        Index("ix_touch_events_member", "member_id", "at"),
        CheckConstraint(_in("event", TOUCH_EVENTS), name="event"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    touch_id: Mapped[int] = mapped_column(ForeignKey("touches.id"))
    member_id: Mapped[int] = mapped_column(BigInteger)
    event: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime)


class Task(Base):
    """Work for an advisor: a call, a WeCom 1:1 message or an offline visit, with its outcome."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_lineage_id", "occurrence"),
        Index("ix_tasks_due_advisor", "due_date", "advisor_id"),
        Index("ix_tasks_completed_at", "completed_at"),
        Index("ix_tasks_advisor_status", "advisor_id", "status", "due_date"),
        Index("ix_tasks_member", "member_id"),
        Index("ix_tasks_journey_step", "journey_id", "step_id"),
        CheckConstraint(_in("status", TASK_STATUSES), name="status"),
        CheckConstraint("outcome IS NULL OR " + _in("outcome", TASK_OUTCOMES), name="outcome"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # no foreign keys on the five columns the scheduler fills from enrollments, steps and active advisors in one
    # INSERT … SELECT: PostgreSQL checked each with a trigger call per row (1.2M tasks: ~100 s of 2 minutes)
    enrollment_id: Mapped[int | None] = mapped_column(BigId)
    journey_id: Mapped[int | None] = mapped_column(Integer)
    step_id: Mapped[int | None] = mapped_column(Integer)
    step_lineage_id: Mapped[int | None] = mapped_column(Integer)
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    member_id: Mapped[int] = mapped_column(BigId)
    advisor_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="step")
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MemberSuppression(Base):
    """An event that pauses marketing to a member (a pregnancy loss, a complaint, a bereavement, a request)."""

    __tablename__ = "member_suppressions"
    __table_args__ = (
        Index("ix_member_suppressions_member", "member_id", "starts_on"),
        CheckConstraint(_in("reason", SUPPRESSION_REASONS), name="reason"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    reason: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class JourneyRun(Base):
    """One scheduler run and what it created or changed."""

    __tablename__ = "journey_runs"
    __table_args__ = (Index("ix_journey_runs_date", "run_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_date: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    exited: Mapped[int] = mapped_column(Integer, default=0)
    touches: Mapped[int] = mapped_column(Integer, default=0)
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class SchedulerLock(Base):
    """A row a run updates first, so that one run at a time holds the write lock until it commits."""

    __tablename__ = "scheduler_locks"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime)
