"""KPIs on members, visits and orders: private-domain share, multi-department rate, repurchase, spend.

Every function gathers its counts in one set-based SQL statement and applies the definition from
core.kpis.definitions. `segment` is an optional SELECT of member ids (a saved segment).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, distinct, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from core.kpis import definitions as d
from core.kpis.definitions import KpiFilter
from core.kpis.sql import all_of, as_int, member_scope, month_of, private_at
from db.models import Member, Order, Visit
from db.models.kpis import KpiSpendDay, KpiVisitPair


def _branch_cut(f: KpiFilter, rollup) -> list:  # noqa: ANN001
    return [] if f.branch_id is None else [rollup.branch_id == f.branch_id]


@dataclass(frozen=True)
class PrivateShare:
    all_members: int
    private_members: int
    all_spend_cents: int
    private_spend_cents: int

    @property
    def member_share(self) -> float | None:
        return d.private_domain_member_share(self.private_members, self.all_members)

    @property
    def spend_share(self) -> float | None:
        return d.private_domain_spend_share(self.private_spend_cents, self.all_spend_cents)


def spend_facts(f: KpiFilter) -> Select:
    """(member_id, amount_cents, day) of every visit and every paid order in the period."""
    visits = select(Visit.member_id, Visit.amount_cents.label("amount_cents"), Visit.visit_date.label("day")).where(
        Visit.visit_date.between(f.date_from, f.date_to))
    orders = select(Order.member_id, Order.amount_cents.label("amount_cents"), Order.ordered_at.label("day")).where(
        Order.ordered_at.between(f.date_from, f.date_to), Order.status == "paid")
    return union_all(visits, orders)


def private_domain_share(session: Session, f: KpiFilter, segment: Select | None = None, *,
                         use_rollup: bool = True) -> PrivateShare:
    """Private-domain members ÷ all members (joined by the period end), and their spend share in the period.

    A member counts as private-domain when flagged and `private_domain_since` is empty or on/before the
    period end. Spend = visit amounts + paid order amounts in the period; refunded orders count nothing.
    """
    scope = member_scope(f, Member.id, segment)
    joined = or_(Member.joined_at.is_(None), Member.joined_at <= f.date_to)
    n_all, n_private = session.execute(
        select(func.count(), func.sum(case((private_at(f.date_to), 1), else_=0)))
        .where(joined, all_of(scope))
    ).one()
    if use_rollup and segment is None:
        s = KpiSpendDay
        spend_all, spend_private = session.execute(
            select(func.sum(s.spend_cents), func.sum(case((s.since <= f.date_to, s.spend_cents), else_=0)))
            .where(s.day.between(f.date_from, f.date_to), *_branch_cut(f, s))).one()
        return PrivateShare(as_int(n_all), as_int(n_private), as_int(spend_all), as_int(spend_private))
    facts = spend_facts(f).subquery()
    spend_all, spend_private = session.execute(
        select(func.sum(facts.c.amount_cents),
               func.sum(case((private_at(f.date_to), facts.c.amount_cents), else_=0)))
        .select_from(facts.join(Member, Member.id == facts.c.member_id))
        .where(all_of(scope))
    ).one()
    return PrivateShare(as_int(n_all), as_int(n_private), as_int(spend_all), as_int(spend_private))


@dataclass(frozen=True)
class MultiDepartment:
    visitors_all: int
    multi_all: int
    visitors_private: int
    multi_private: int

    @property
    def rate_all(self) -> float | None:
        return d.multi_department_rate(self.multi_all, self.visitors_all)

    @property
    def rate_private(self) -> float | None:
        return d.multi_department_rate(self.multi_private, self.visitors_private)


def multi_department(session: Session, f: KpiFilter, segment: Select | None = None, *,
                     use_rollup: bool = True) -> MultiDepartment:
    """Members with visits in ≥ 2 distinct departments in the period ÷ members with any visit in it,
    for all members and for private-domain members (private on the period end)."""
    if use_rollup and segment is None:
        p = KpiVisitPair
        counted = or_(and_(p.kind == "v", p.a < f.date_from),
                      and_(p.kind == "m", p.a >= f.date_from, p.b < f.date_from))
        private = p.since <= f.date_to
        rows = dict((k, (a, pr)) for k, a, pr in session.execute(
            select(p.kind, func.sum(p.members), func.sum(case((private, p.members), else_=0)))
            .where(p.kind.in_(("v", "m")), p.day.between(f.date_from, f.date_to), counted, *_branch_cut(f, p))
            .group_by(p.kind)))
        (v_all, v_private), (m_all, m_private) = rows.get("v", (0, 0)), rows.get("m", (0, 0))
        return MultiDepartment(as_int(v_all), as_int(m_all), as_int(v_private), as_int(m_private))
    per_member = (
        select(Visit.member_id, func.count(distinct(Visit.department_id)).label("departments"))
        .where(Visit.visit_date.between(f.date_from, f.date_to), all_of(member_scope(f, Visit.member_id, segment)))
        .group_by(Visit.member_id)
        .subquery()
    )
    multi = per_member.c.departments >= 2
    private = private_at(f.date_to)
    row = session.execute(
        select(func.count(), func.sum(case((multi, 1), else_=0)),
               func.sum(case((private, 1), else_=0)), func.sum(case((private & multi, 1), else_=0)))
        .select_from(per_member.join(Member, Member.id == per_member.c.member_id))
    ).one()
    return MultiDepartment(*(as_int(v) for v in row))


@dataclass(frozen=True)
class Repurchase:
    buyers: int
    repeat_buyers: int

    @property
    def rate(self) -> float | None:
        return d.repurchase_rate(self.repeat_buyers, self.buyers)


def repurchase(session: Session, f: KpiFilter, segment: Select | None = None) -> Repurchase:
    """Members with ≥ 2 paid orders in the period ÷ members with ≥ 1 paid order in the period."""
    per_member = (
        select(Order.member_id, func.count().label("orders"))
        .where(Order.ordered_at.between(f.date_from, f.date_to), Order.status == "paid",
               all_of(member_scope(f, Order.member_id, segment)))
        .group_by(Order.member_id)
        .subquery()
    )
    buyers, repeat = session.execute(
        select(func.count(), func.sum(case((per_member.c.orders >= 2, 1), else_=0)))).one()
    return Repurchase(as_int(buyers), as_int(repeat))


def repurchase_by_channel(session: Session, f: KpiFilter, segment: Select | None = None) -> list[dict]:
    """Repurchase rate per order channel: members with ≥ 2 paid orders in that channel ÷ with ≥ 1."""
    per_member = (
        select(Order.channel, Order.member_id, func.count().label("orders"))
        .where(Order.ordered_at.between(f.date_from, f.date_to), Order.status == "paid",
               all_of(member_scope(f, Order.member_id, segment)))
        .group_by(Order.channel, Order.member_id)
        .subquery()
    )
    rows = session.execute(
        select(per_member.c.channel, func.count(), func.sum(case((per_member.c.orders >= 2, 1), else_=0)))
        .group_by(per_member.c.channel).order_by(per_member.c.channel)
    ).all()
    return [{"channel": ch or "", "buyers": as_int(n), "repeat_buyers": as_int(r),
             "repurchase_rate": d.repurchase_rate(as_int(r), as_int(n))} for ch, n, r in rows]


def product_lines() -> Select:
    """(code, line) of every product: its department, the line an order of it belongs to (any version)."""
    from db.models.products import Product

    return select(Product.code, func.min(Product.department_code).label("line")).group_by(Product.code)


def repurchase_by_category(session: Session, f: KpiFilter, segment: Select | None = None) -> list[dict]:
    """Repurchase rate per product category (the product's line, e.g. dental): members with ≥ 2 paid orders of
    that category in the period ÷ members with ≥ 1; orders of unknown products count under 'other'."""
    return repurchase_overall_and_by_category(session, f, segment)[1]


def repurchase_overall_and_by_category(session: Session, f: KpiFilter,
                                       segment: Select | None = None) -> tuple[Repurchase, list[dict]]:
    """`repurchase` and `repurchase_by_category` from one pass over the period's paid orders (per member and
    category counts, read twice)."""
    lines = product_lines().subquery("lines")
    line = func.coalesce(lines.c.line, literal("other"))
    orders = (select(line.label("category"), Order.member_id)
              .select_from(Order.__table__.outerjoin(lines, lines.c.code == Order.product_code))
              .where(Order.ordered_at.between(f.date_from, f.date_to), Order.status == "paid",
                     all_of(member_scope(f, Order.member_id, segment))).subquery("orders"))
    per = (select(orders.c.category, orders.c.member_id, func.count().label("orders"))
           .group_by(orders.c.category, orders.c.member_id).cte("per_member_category"))
    per_member = select(per.c.member_id, func.sum(per.c.orders).label("orders")).group_by(per.c.member_id).subquery()
    overall = select(literal("*").label("category"), func.count().label("n"),
                     func.sum(case((per_member.c.orders >= 2, 1), else_=0)).label("r"))
    by_category = (select(per.c.category, func.count(), func.sum(case((per.c.orders >= 2, 1), else_=0)))
                   .group_by(per.c.category))
    rows = session.execute(union_all(overall, by_category)).all()
    total = next(((as_int(n), as_int(r)) for c, n, r in rows if c == "*"), (0, 0))
    cats = sorted((c, as_int(n), as_int(r)) for c, n, r in rows if c != "*")
    return Repurchase(*total), [{"category": c, "buyers": n, "repeat_buyers": r,
                                 "repurchase_rate": d.repurchase_rate(r, n)} for c, n, r in cats]


def spend_by_month(session: Session, f: KpiFilter, segment: Select | None = None, *,
                   use_rollup: bool = True) -> list[dict]:
    """Spend per month of the period, split private-domain (on the period end) vs other members."""
    if use_rollup and segment is None:
        s = KpiSpendDay
        month = month_of(s.day)
        group = case((s.since <= f.date_to, literal("private")), else_=literal("other"))
        rows = session.execute(
            select(month.label("month"), group.label("group"), func.sum(s.spend_cents))
            .where(s.day.between(f.date_from, f.date_to), *_branch_cut(f, s))
            .group_by(month, group).order_by(month, group)).all()
        return [{"month": m, "group": g, "spend_cents": as_int(v)} for m, g, v in rows]
    facts = spend_facts(f).subquery()
    month = month_of(facts.c.day)
    private = private_at(f.date_to)
    rows = session.execute(
        select(month.label("month"), case((private, literal("private")), else_=literal("other")).label("group"),
               func.sum(facts.c.amount_cents))
        .select_from(facts.join(Member, Member.id == facts.c.member_id))
        .where(all_of(member_scope(f, Member.id, segment)))
        .group_by(month, "group").order_by(month, "group")
    ).all()
    return [{"month": m, "group": g, "spend_cents": as_int(s)} for m, g, s in rows]


def household_value(session: Session, f: KpiFilter, segment: Select | None = None) -> dict:
    """Per household in the period: families with spend, mean family spend, and the share of families
    whose members visited ≥ 2 departments, for families with a private-domain member vs the others."""
    from db.models import HouseholdMember

    facts = spend_facts(f).subquery()
    fam_spend = (
        select(HouseholdMember.household_id.label("hid"), func.sum(facts.c.amount_cents).label("spend"))
        .select_from(facts.join(HouseholdMember, HouseholdMember.member_id == facts.c.member_id))
        .where(all_of(member_scope(f, facts.c.member_id, segment)))
        .group_by(HouseholdMember.household_id).subquery()
    )
    fam_depts = (
        select(HouseholdMember.household_id.label("hid"),
               func.count(distinct(Visit.department_id)).label("departments"))
        .select_from(Visit.__table__.join(HouseholdMember, HouseholdMember.member_id == Visit.member_id))
        .where(Visit.visit_date.between(f.date_from, f.date_to))
        .group_by(HouseholdMember.household_id).subquery()
    )
    fam_private = (
        select(HouseholdMember.household_id.label("hid"))
        .join(Member, Member.id == HouseholdMember.member_id)
        .where(private_at(f.date_to)).distinct().subquery()
    )
    is_private = fam_private.c.hid.is_not(None)
    rows = session.execute(
        select(case((is_private, literal("private")), else_=literal("other")).label("group"),
               func.count(), func.sum(fam_spend.c.spend),
               func.sum(case((fam_depts.c.departments >= 2, 1), else_=0)))
        .select_from(fam_spend.outerjoin(fam_depts, fam_depts.c.hid == fam_spend.c.hid)
                     .outerjoin(fam_private, fam_private.c.hid == fam_spend.c.hid))
        .group_by("group")
    ).all()
    out = {}
    for group, n, spend, multi in rows:
        out[group] = {"households": as_int(n), "spend_cents": as_int(spend),
                      "mean_spend_cents": d.ratio(as_int(spend), as_int(n)),
                      "multi_department_rate": d.ratio(as_int(multi), as_int(n))}
    return out


def rfm_distribution(session: Session, f: KpiFilter, segment: Select | None = None) -> list[dict]:
    """Members per RFM cell (latest scores), private-domain (on the period end) vs other members."""
    from db.models.segments import MemberRfm

    group = case((private_at(f.date_to), literal("private")), else_=literal("other"))
    rows = session.execute(
        select(MemberRfm.segment, group.label("group"), func.count())
        .join(Member, Member.id == MemberRfm.member_id)
        .where(all_of(member_scope(f, Member.id, segment)))
        .group_by(MemberRfm.segment, "group").order_by(MemberRfm.segment)
    ).all()
    return [{"rfm_segment": seg, "group": g, "members": as_int(n)} for seg, g, n in rows]


def key_person_reach(session: Session, f: KpiFilter, segment: Select | None = None) -> dict:
    """Households whose key person was reached in the period (rollup) ÷ households with a key person."""
    from db.models import HouseholdMember
    from db.models.kpis import KpiReachDay

    r = KpiReachDay
    # one row per reached member: its first rollup row in the period
    reached = (select(r.member_id).where(r.day.between(f.date_from, f.date_to),
                                         or_(r.prev_any.is_(None), r.prev_any < f.date_from)).subquery())
    households, hit = session.execute(
        select(func.count(), func.count(reached.c.member_id))
        .select_from(HouseholdMember.__table__.outerjoin(reached, reached.c.member_id == HouseholdMember.member_id))
        .where(HouseholdMember.key_person.is_(True), all_of(member_scope(f, HouseholdMember.member_id, segment)))
    ).one()
    return {"households": as_int(households), "reached": as_int(hit), "rate": d.ratio(as_int(hit), as_int(households))}
