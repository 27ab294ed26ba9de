"""Lead use cases: enquiries and consultations by channel and product category, their appointments, arrivals.

A lead is matched to a member by external id when known; an appointment needs a matched member. Advisors see
and work the leads of their own members and the leads not matched yet.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.members.model import mask_name
from db.models import Member
from db.models.kpis import Appointment, Lead

WORKERS = ("admin", "lead", "supervisor", "advisor")
# channels a lead comes from, and the product categories it asks about (catalogue: channel.*, category.*)
LEAD_CHANNELS = ("meituan", "dianping", "wecom", "mini_program", "xiaohongshu", "referral", "phone", "website",
                 "walk_in")
LEAD_CATEGORIES = ("maternity", "confinement", "child_health", "postpartum", "dental", "ophthalmology",
                   "aesthetics", "health_check", "insurance")


def _reading(session: Session) -> AbstractContextManager:
    """A transaction of our own for a read, or the caller's when one is already open."""
    return nullcontext() if session.in_transaction() else session.begin()


class LeadError(ValueError):
    """A lead or appointment request that cannot be done; args[0] is a catalogue key."""


@dataclass(frozen=True)
class LeadRow:
    id: int
    created_on: date
    channel: str
    product_category: str
    department_id: int | None
    member: str | None          # external id and masked name
    note: str | None
    appointment_id: int | None
    scheduled_for: date | None
    status: str | None          # of the latest appointment: booked, arrived, no_show, cancelled
    appointment_arrived_on: date | None
    visited_on: date | None     # first visit within 30 days (kept by the KPI refresh)


def _own(actor: Actor):  # noqa: ANN202
    """Leads an advisor may see: their members' and unmatched ones."""
    return or_(Lead.member_id.is_(None), Lead.member_id.in_(select(Member.id).where(Member.advisor_id == actor.user_id)))


def list_leads(session: Session, actor: Actor, *, date_from: date, date_to: date, channel: str | None = None,
               category: str | None = None, limit: int = 500) -> list[LeadRow]:
    """Leads created in the period (newest first) with their latest appointment."""
    require_role(actor, *WORKERS)
    latest = aliased(Appointment)
    newest = (select(Appointment.id).where(Appointment.lead_id == Lead.id)
              .order_by(Appointment.id.desc()).limit(1).scalar_subquery())
    stmt = (select(Lead.id, Lead.created_on, Lead.channel, Lead.product_category, Lead.department_id,
                   Member.external_id, Member.name, Lead.note, latest.id, latest.scheduled_for, latest.status,
                   latest.arrived_on, Lead.arrived_on)
            .outerjoin(Member, Member.id == Lead.member_id)
            .outerjoin(latest, latest.id == newest)
            .where(Lead.created_on.between(date_from, date_to))
            .order_by(Lead.created_on.desc(), Lead.id.desc()).limit(limit))
    if channel:
        stmt = stmt.where(Lead.channel == channel)
    if category:
        stmt = stmt.where(Lead.product_category == category)
    if actor.role == "advisor":
        stmt = stmt.where(_own(actor))
    with _reading(session):
        rows = session.execute(stmt).all()
    return [LeadRow(i, on, ch, cat, dept, None if ext is None else f"{ext} {mask_name(name) or ''}".strip(), note,
                    appt, sched, status, arrived, visited)
            for i, on, ch, cat, dept, ext, name, note, appt, sched, status, arrived, visited in rows]


def record_lead(session: Session, actor: Actor, *, channel: str, product_category: str, created_on: date,
                member_external_id: str | None = None, department_id: int | None = None,
                note: str | None = None) -> int:
    """Store a new enquiry; the member is matched by external id when given (unknown ids are refused)."""
    require_role(actor, *WORKERS)
    if channel not in LEAD_CHANNELS:
        raise LeadError("leads.error.channel")
    if product_category not in LEAD_CATEGORIES:
        raise LeadError("leads.error.category")
    external = (member_external_id or "").strip()
    with session.begin():
        member_id = None
        if external:
            member_id = session.scalar(select(Member.id).where(Member.external_id == external))
            if member_id is None:
                raise LeadError("leads.error.member")
        lead = Lead(member_id=member_id, channel=channel, product_category=product_category,
                    department_id=department_id, created_on=created_on, note=(note or "").strip()[:300] or None)
        session.add(lead)
        session.flush()
        record(session, actor, "create", "lead", lead.id,
               {"channel": channel, "product_category": product_category, "member_id": member_id})
        return lead.id


def _lead_for(session: Session, actor: Actor, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise LeadError("leads.error.unknown")
    if actor.role == "advisor" and session.scalar(select(Lead.id).where(Lead.id == lead_id, _own(actor))) is None:
        raise LeadError("leads.error.not_yours")
    return lead


def book_appointment(session: Session, actor: Actor, lead_id: int, *, scheduled_for: date, booked_on: date) -> int:
    """Book an appointment for a lead's member (the lead must be matched to a member)."""
    require_role(actor, *WORKERS)
    if scheduled_for < booked_on:
        raise LeadError("leads.error.past")
    with session.begin():
        lead = _lead_for(session, actor, lead_id)
        if lead.member_id is None:
            raise LeadError("leads.error.no_member")
        appt = Appointment(lead_id=lead.id, member_id=lead.member_id, department_id=lead.department_id,
                           created_on=booked_on, scheduled_for=scheduled_for, status="booked")
        session.add(appt)
        session.flush()
        record(session, actor, "create", "appointment", appt.id, {"lead_id": lead.id, "scheduled_for": scheduled_for})
        return appt.id


def mark_arrival(session: Session, actor: Actor, appointment_id: int, *, arrived_on: date) -> None:
    """Record that the member came to a booked appointment."""
    require_role(actor, *WORKERS)
    with session.begin():
        appt = session.get(Appointment, appointment_id)
        if appt is None:
            raise LeadError("leads.error.unknown")
        if appt.lead_id is not None:
            _lead_for(session, actor, appt.lead_id)
        if appt.status != "booked":
            raise LeadError("leads.error.not_booked")
        appt.status, appt.arrived_on = "arrived", arrived_on
        record(session, actor, "arrive", "appointment", appt.id, {"arrived_on": arrived_on})
