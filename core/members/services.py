"""Member use cases: headline counts, search, and the 360° profile, with PII shown per role."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.auth.model import Actor, PermissionDenied
from core.clock import today
from core.members.model import (
    age_in_months,
    age_on,
    life_stage,
    pii_level,
    pregnancy_week,
    shown_name,
    shown_phone,
)
from db.models import (
    Branch,
    Department,
    Household,
    HouseholdMember,
    MaternityRecord,
    Member,
    MemberTag,
    Order,
    Tag,
    User,
    Visit,
)


@dataclass(frozen=True)
class HeadlineCounts:
    as_of: date
    members: int
    private_domain: int
    visits_30d: int
    pregnant_now: int
    my_members: int


def headline_counts(session: Session, actor: Actor, as_of: date | None = None) -> HeadlineCounts:
    """A few headline counts for the home page (an advisor also sees how many members they own)."""
    as_of = as_of or today()
    with session.begin():
        members = session.scalar(select(func.count()).select_from(Member)) or 0
        private = session.scalar(select(func.count()).select_from(Member).where(Member.private_domain.is_(True))) or 0
        visits = session.scalar(
            select(func.count()).select_from(Visit)
            .where(Visit.visit_date >= as_of - timedelta(days=30), Visit.visit_date <= as_of)
        ) or 0
        pregnant = session.scalar(
            select(func.count()).select_from(MaternityRecord)
            .where(MaternityRecord.expected_delivery_date > as_of, MaternityRecord.delivery_date.is_(None))
        ) or 0
        mine = 0
        if actor.role == "advisor":
            mine = session.scalar(select(func.count()).select_from(Member).where(Member.advisor_id == actor.user_id)) or 0
    return HeadlineCounts(as_of, members, private, visits, pregnant, mine)


@dataclass(frozen=True)
class MemberHit:
    id: int
    external_id: str
    name: str | None
    phone: str | None
    gender: str | None
    age: int | None
    branch: str | None
    private_domain: bool


def search_members(session: Session, actor: Actor, text: str, *, limit: int = 20,
                   as_of: date | None = None) -> list[MemberHit]:
    """Find members by external id, full phone, phone tail (4 digits) or name (prefix).

    Advisors find only their own members.
    """
    text = (text or "").strip()
    if not text:
        return []
    as_of = as_of or today()
    digits = re.sub(r"\D", "", text)
    conditions = [Member.external_id == text]
    if re.fullmatch(r"\d{4}", text):
        conditions.append(Member.phone_tail == text)
    if len(digits) == 11 and digits == text.replace(" ", "").replace("-", "").removeprefix("+86"):
        conditions.append(Member.phone == "+86" + digits)
    if not re.fullmatch(r"[\d+\- ]+", text):
        conditions.append(and_(Member.name >= text, Member.name < text + "\uffff"))
    stmt = (
        select(Member.id, Member.external_id, Member.name, Member.phone, Member.gender, Member.birth_date,
               Member.advisor_id, Member.private_domain, Branch.name.label("branch"))
        .outerjoin(Branch, Branch.id == Member.branch_id)
        .where(or_(*conditions))
        .order_by(Member.name, Member.id)
        .limit(limit)
    )
    if actor.role == "advisor":
        stmt = stmt.where(Member.advisor_id == actor.user_id)
    with session.begin():
        rows = session.execute(stmt).all()
    hits = []
    for r in rows:
        level = pii_level(actor, r.advisor_id)
        hits.append(MemberHit(r.id, r.external_id, shown_name(r.name, level), shown_phone(r.phone, level),
                              r.gender, age_on(r.birth_date, as_of), r.branch, bool(r.private_domain)))
    return hits


@dataclass(frozen=True)
class HouseholdPerson:
    external_id: str
    name: str | None
    role: str
    key_person: bool
    age: int | None
    age_months: int | None
    is_self: bool


@dataclass(frozen=True)
class TimelineEvent:
    day: date
    kind: str            # 'visit' or 'order'
    department: str | None
    detail: str | None   # visit kind or product code
    channel: str | None
    amount_cents: int
    status: str | None


@dataclass
class MemberProfile:
    id: int
    external_id: str
    pii: str
    name: str | None
    gender: str | None
    birth_date: date | None
    age: int | None
    phone: str | None
    city: str | None
    branch: str | None
    source_channel: str | None
    joined_at: date | None
    private_domain: bool
    private_domain_since: date | None
    advisor: str | None
    sms_consent: bool
    sms_consent_at: datetime | None
    wecom_consent: bool
    wecom_consent_at: datetime | None
    tags: list[str]
    household: list[HouseholdPerson]
    expected_delivery_date: date | None
    delivery_date: date | None
    discharge_date: date | None
    pregnancy_week: int | None
    life_stage: str | None
    total_spend_cents: int
    visit_count: int
    order_count: int
    last_visit: date | None
    departments_visited: int
    spend_by_department: list[tuple[str, int]] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)


def member_profile(session: Session, actor: Actor, member_id: int, *, as_of: date | None = None,
                   timeline_limit: int = 500) -> MemberProfile:
    """The 360° profile of one member. Advisors may open only their own members."""
    as_of = as_of or today()
    with session.begin():
        m = session.get(Member, member_id)
        if m is None:
            raise LookupError(member_id)
        if actor.role == "advisor" and m.advisor_id != actor.user_id:
            raise PermissionDenied("advisors open only their own members")
        level = pii_level(actor, m.advisor_id)
        branch = session.scalar(select(Branch.name).where(Branch.id == m.branch_id)) if m.branch_id else None
        advisor = session.scalar(select(User.display_name).where(User.id == m.advisor_id)) if m.advisor_id else None
        tags = list(session.scalars(
            select(Tag.name).join(MemberTag, MemberTag.tag_id == Tag.id).where(MemberTag.member_id == m.id).order_by(Tag.name)
        ))
        household: list[HouseholdPerson] = []
        hh_id = session.scalar(select(HouseholdMember.household_id).where(HouseholdMember.member_id == m.id))
        if hh_id is not None:
            rows = session.execute(
                select(Member.id, Member.external_id, Member.name, Member.birth_date, Member.advisor_id,
                       HouseholdMember.role, HouseholdMember.key_person)
                .join(HouseholdMember, HouseholdMember.member_id == Member.id)
                .join(Household, Household.id == HouseholdMember.household_id)
                .where(HouseholdMember.household_id == hh_id)
                .order_by(HouseholdMember.key_person.desc(), Member.birth_date)
            ).all()
            for r in rows:
                lvl = pii_level(actor, r.advisor_id) if r.id != m.id else level
                household.append(HouseholdPerson(r.external_id, shown_name(r.name, lvl), r.role, bool(r.key_person),
                                                 age_on(r.birth_date, as_of), age_in_months(r.birth_date, as_of),
                                                 r.id == m.id))
        mat = session.get(MaternityRecord, m.id)
        visits = session.execute(
            select(Visit.visit_date, Department.code, Visit.kind, Visit.amount_cents)
            .join(Department, Department.id == Visit.department_id)
            .where(Visit.member_id == m.id).order_by(Visit.visit_date.desc()).limit(timeline_limit)
        ).all()
        orders = session.execute(
            select(Order.ordered_at, Order.product_code, Order.channel, Order.amount_cents, Order.status)
            .where(Order.member_id == m.id).order_by(Order.ordered_at.desc()).limit(timeline_limit)
        ).all()
        by_dept = session.execute(
            select(Department.code, func.sum(Visit.amount_cents), func.count())
            .join(Department, Department.id == Visit.department_id)
            .where(Visit.member_id == m.id).group_by(Department.code)
        ).all()
        order_total = session.scalar(
            select(func.coalesce(func.sum(Order.amount_cents), 0)).where(Order.member_id == m.id, Order.status == "paid")
        ) or 0
        order_count = session.scalar(select(func.count()).select_from(Order).where(Order.member_id == m.id)) or 0
        visit_count = session.scalar(select(func.count()).select_from(Visit).where(Visit.member_id == m.id)) or 0
        last_visit = session.scalar(select(func.max(Visit.visit_date)).where(Visit.member_id == m.id))
    timeline = [TimelineEvent(v.visit_date, "visit", v.code, v.kind, None, int(v.amount_cents), None) for v in visits]
    timeline += [TimelineEvent(o.ordered_at, "order", None, o.product_code, o.channel, int(o.amount_cents), o.status)
                 for o in orders]
    timeline.sort(key=lambda e: e.day, reverse=True)
    spend_by_dept = sorted(((code, int(total or 0)) for code, total, _ in by_dept), key=lambda x: -x[1])
    edd = mat.expected_delivery_date if mat else None
    delivered = mat.delivery_date if mat else None
    return MemberProfile(
        id=m.id, external_id=m.external_id, pii=level, name=shown_name(m.name, level), gender=m.gender,
        birth_date=m.birth_date if level == "full" else None, age=age_on(m.birth_date, as_of),
        phone=shown_phone(m.phone, level), city=m.city, branch=branch, source_channel=m.source_channel,
        joined_at=m.joined_at, private_domain=bool(m.private_domain), private_domain_since=m.private_domain_since,
        advisor=advisor, sms_consent=bool(m.sms_consent), sms_consent_at=m.sms_consent_at,
        wecom_consent=bool(m.wecom_consent), wecom_consent_at=m.wecom_consent_at, tags=tags, household=household,
        expected_delivery_date=edd, delivery_date=delivered, discharge_date=mat.discharge_date if mat else None,
        pregnancy_week=pregnancy_week(edd, delivered, as_of), life_stage=life_stage(edd, delivered, as_of),
        total_spend_cents=int(sum(t for _, t in spend_by_dept) + order_total), visit_count=int(visit_count),
        order_count=int(order_count), last_visit=last_visit, departments_visited=len(spend_by_dept),
        spend_by_department=spend_by_dept, timeline=timeline,
    )
