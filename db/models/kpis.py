"""KPI facts and rollups: content and its views, surveys, leads, appointments, daily reach rollups.

Journey ids, step ids, touch ids and task ids are plain integers here (no foreign keys): those tables
belong to the journeys context and live in another migration branch.
"""

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
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")


class Content(Base):
    """A health-education article or product post that is distributed to members."""

    __tablename__ = "contents"
    __table_args__ = (CheckConstraint("kind IN ('education', 'product')", name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    tags: Mapped[str | None] = mapped_column(String(200))
    published_on: Mapped[date | None] = mapped_column(Date)


class ContentView(Base):
    """One view of a content item, from a private-domain or a baseline (public) channel."""

    __tablename__ = "content_views"
    __table_args__ = (
        Index("ix_content_views_day", "viewed_on", "content_id", "private_domain", "channel"),
        Index("ix_content_views_content", "content_id", "viewed_on"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("contents.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    channel: Mapped[str] = mapped_column(String(32))
    private_domain: Mapped[bool] = mapped_column(Boolean)
    viewed_on: Mapped[date] = mapped_column(Date)
    touch_id: Mapped[int | None] = mapped_column(BigInteger)


class SurveyTemplate(Base):
    __tablename__ = "survey_templates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"
    __table_args__ = (CheckConstraint("kind IN ('csat', 'nps', 'text')", name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(8))
    prompt: Mapped[str] = mapped_column(String(300))


class SurveySend(Base):
    """A survey sent to a member (as a journey step or to a segment): the denominator of response rate."""

    __tablename__ = "survey_sends"
    __table_args__ = (
        Index("ix_survey_sends_day", "sent_on", "member_id"),
        Index("ix_survey_sends_member", "member_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_templates.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    journey_id: Mapped[int | None] = mapped_column(Integer)
    step_id: Mapped[int | None] = mapped_column(Integer)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    channel: Mapped[str | None] = mapped_column(String(32))
    sent_on: Mapped[date] = mapped_column(Date)


class SurveyResponse(Base):
    """A member's answers: CSAT 1–5, NPS 0–10 and free text, cut by journey, step, advisor, department."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_day", "responded_on", "member_id"),
        Index("ix_survey_responses_send", "send_id"),
        CheckConstraint("csat IS NULL OR (csat >= 1 AND csat <= 5)", name="csat_range"),
        CheckConstraint("nps IS NULL OR (nps >= 0 AND nps <= 10)", name="nps_range"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    send_id: Mapped[int | None] = mapped_column(ForeignKey("survey_sends.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_templates.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    journey_id: Mapped[int | None] = mapped_column(Integer)
    step_id: Mapped[int | None] = mapped_column(Integer)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    responded_on: Mapped[date] = mapped_column(Date)
    csat: Mapped[int | None] = mapped_column(SmallInteger)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)


class Lead(Base):
    """An enquiry or consultation, by channel and product category; arrives when the member visits."""

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_day", "created_on", "channel", "product_category"),
        Index("ix_leads_member", "member_id", "created_on"),
        Index("ix_leads_day_arrival", "created_on", "channel", "product_category", "arrived_on", "member_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    channel: Mapped[str] = mapped_column(String(32))
    product_category: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    created_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    # the member's first visit within 30 days of the lead, kept by the KPI refresh (the arrival rollup)
    arrived_on: Mapped[date | None] = mapped_column(Date)


class Appointment(Base):
    """A booked appointment; `arrived_on` is set when the member came."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_member", "member_id", "created_on"),
        Index("ix_appointments_day", "scheduled_for"),
        Index("ix_appointments_lead", "lead_id"),
        CheckConstraint("status IN ('booked', 'arrived', 'no_show', 'cancelled')", name="status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    created_on: Mapped[date] = mapped_column(Date)
    scheduled_for: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="booked")
    arrived_on: Mapped[date | None] = mapped_column(Date)


class KpiReachDay(Base):
    """Per member, day, channel and journey: delivered touches and reaching tasks.

    The `prev_*` columns hold the day of the member's previous row in the same grouping (ordered by
    day, channel, journey). A row is the member's first in a period exactly when its pointer lies
    before the period, so period reach is a COUNT(*) of such rows — exact for any period.
    """

    __tablename__ = "kpi_reach_days"
    __table_args__ = (
        Index("ix_kpi_reach_days_member", "member_id", "day"),
        Index("ix_kpi_reach_days_day_channel", "day", "channel", "journey_id"),
        {"sqlite_with_rowid": False},  # rows clustered by day: a period is one sequential range
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    journey_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 when outside a journey
    touches: Mapped[int] = mapped_column(Integer)
    prev_any: Mapped[date | None] = mapped_column(Date)
    prev_channel: Mapped[date | None] = mapped_column(Date)
    prev_journey: Mapped[date | None] = mapped_column(Date)
    prev_cj: Mapped[date | None] = mapped_column(Date)


class KpiContentDay(Base):
    """Content views per day, content item and channel (sums are exact over any period)."""

    __tablename__ = "kpi_content_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    content_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    private_domain: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    views: Mapped[int] = mapped_column(Integer)


class KpiRefresh(Base):
    """When each day's rollups were last rebuilt."""

    __tablename__ = "kpi_refreshes"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime)


class KpiReachPair(Base):
    """Reach rows counted per day and pointer: how many of the day's `kpi_reach_days` rows point back to `prev`.

    One set of rows per `grouping` of the pointer: `a` any (prev_any), `c` per channel, `j` per journey, `cj` per
    channel and journey; `channel` is '' and `journey_id` −1 where the grouping does not split by them, and `prev`
    is 1970-01-01 for a member's first row ever. Period reach = SUM(members) of the period's days whose `prev` lies
    before the period: exact for any period, and a year reads tens of thousands of rows instead of millions.
    `branch_id` is the member's home branch (0 for none) when the day was aggregated.
    """

    __tablename__ = "kpi_reach_pairs"
    __table_args__ = ({"sqlite_with_rowid": False},)
    grouping: Mapped[str] = mapped_column(String(2), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    journey_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev: Mapped[date] = mapped_column(Date, primary_key=True)
    members: Mapped[int] = mapped_column(Integer)
    touches: Mapped[int] = mapped_column(Integer)


class KpiSpendDay(Base):
    """Spend (visit amounts + paid orders) per day, home branch and private-domain class of the member.

    `since` is 1970-01-01 for members already in the private domain that day, their (later) joining day for
    members who joined after it, and 9999-12-31 for members outside the private domain: a member is
    private-domain on a period end B exactly when `since` ≤ B.
    """

    __tablename__ = "kpi_spend_days"
    __table_args__ = ({"sqlite_with_rowid": False},)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    spend_cents: Mapped[int] = mapped_column(BigInteger)


class KpiVisitDay(Base):
    """Per member and visit day: departments visited that day and the pointers that make period counts exact.

    `prev_visit` is the member's previous visit day; `multi_from` the latest day A such that the member visited
    ≥ 2 distinct departments within A..day (none if never); `prev_multi_from` that value on the previous visit
    day. A member visited ≥ 2 departments in A..B exactly when one of its rows in A..B has multi_from ≥ A, and
    the first such row is the one whose prev_multi_from lies before A.
    """

    __tablename__ = "kpi_visit_days"
    __table_args__ = (Index("ix_kpi_visit_days_day", "day", "member_id"), {"sqlite_with_rowid": False})
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    departments: Mapped[int] = mapped_column(SmallInteger)
    department_id: Mapped[int | None] = mapped_column(Integer)
    prev_visit: Mapped[date | None] = mapped_column(Date)
    multi_from: Mapped[date | None] = mapped_column(Date)
    prev_multi_from: Mapped[date | None] = mapped_column(Date)


class KpiVisitPair(Base):
    """`kpi_visit_days` counted per day, home branch, private-domain class (as in KpiSpendDay) and pointers.

    kind `v`: a = prev_visit (visitors: a < A); kind `m`: a = multi_from, b = prev_multi_from (members with
    ≥ 2 departments: a ≥ A > b). Missing pointers are 1970-01-01.
    """

    __tablename__ = "kpi_visit_pairs"
    __table_args__ = ({"sqlite_with_rowid": False},)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    a: Mapped[date] = mapped_column(Date, primary_key=True)
    b: Mapped[date] = mapped_column(Date, primary_key=True)
    members: Mapped[int] = mapped_column(Integer)


class KpiRollupState(Base):
    """Small facts about the rollups, e.g. the fingerprint of members' branch and private-domain fields they used."""

    __tablename__ = "kpi_rollup_states"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class KpiTaskDay(Base):
    """Tasks per due day, advisor, home branch of the member, journey (0: none) and channel ('' : none):
    due (not cancelled), done by the due date, done late, still open. Rebuilt for recent due days by each refresh."""

    __tablename__ = "kpi_task_days"
    __table_args__ = ({"sqlite_with_rowid": False},)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    advisor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journey_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    due: Mapped[int] = mapped_column(Integer)
    done_by_due: Mapped[int] = mapped_column(Integer)
    done_late: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)


class KpiStepDay(Base):
    """Touches per journey step, scheduled day, home branch and channel: the step funnel's counts, with
    conversion within the default window (other windows are computed from the touches)."""

    __tablename__ = "kpi_step_days"
    __table_args__ = ({"sqlite_with_rowid": False},)
    journey_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    step_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    scheduled: Mapped[int] = mapped_column(Integer)
    sent: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer)
    replied: Mapped[int] = mapped_column(Integer)
    converted: Mapped[int] = mapped_column(Integer)
    opted_out: Mapped[int] = mapped_column(Integer)


class KpiLeadDay(Base):
    """Leads per creation day, channel, product category, department (0: none) and home branch of the member
    (0: none or unmatched): leads, with an appointment, arrived (a visit within 30 days). Rebuilt for recent days."""

    __tablename__ = "kpi_lead_days"
    __table_args__ = ({"sqlite_with_rowid": False},)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    product_category: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    leads: Mapped[int] = mapped_column(Integer)
    appointments: Mapped[int] = mapped_column(Integer)
    arrived: Mapped[int] = mapped_column(Integer)
