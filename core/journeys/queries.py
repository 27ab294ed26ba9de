"""Set-based SQL for journeys: anchor dates per enrollment, advisor assignment, date arithmetic on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Integer, and_, case, func, literal, literal_column, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from core.journeys.model import GESTATION_DAYS
from db.models import HouseholdMember, MaternityRecord, Member, Order, User, Visit
from db.models.journeys import Enrollment


class add_days(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """`date + n days` for a date expression and an integer expression, on SQLite and PostgreSQL."""

    type = Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days)
def _add_days_pg(element, compiler, **kw):  # noqa: ANN001, ANN202
    when, days = list(element.clauses)
    return f"(CAST({compiler.process(when, **kw)} AS DATE) + CAST({compiler.process(days, **kw)} AS INTEGER))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    when, days = list(element.clauses)
    return f"date({compiler.process(when, **kw)}, ({compiler.process(days, **kw)}) || ' days')"


def days_since_epoch(expr: ColumnElement, dialect: str) -> ColumnElement:
    """Whole days from 1970-01-01 to a date (the occurrence number of recurring anchors)."""
    if dialect == "sqlite":
        return func.cast(func.julianday(expr) - 2440587.5, Integer)
    return expr - literal(date(1970, 1, 1), Date)


def holdout_flag(journey_id: int, member_id: ColumnElement, holdout_pct: int) -> ColumnElement:
    """SQL twin of model.is_control."""
    if holdout_pct <= 0:
        return literal(False)
    return ((member_id * 7919 + journey_id * 104729) % 100) < holdout_pct


def child_births():
    """Per non-child household member: the youngest child's birth date in their households."""
    parent = HouseholdMember.__table__.alias("p")
    child = HouseholdMember.__table__.alias("c")
    kid = Member.__table__.alias("kid")
    return (
        select(parent.c.member_id.label("member_id"), func.max(kid.c.birth_date).label("anchor_date"))
        .select_from(parent)
        .join(child, and_(child.c.household_id == parent.c.household_id, child.c.role == "child"))
        .join(kid, kid.c.id == child.c.member_id)
        .where(parent.c.role != "child")
        .group_by(parent.c.member_id)
        .subquery("child_births")
    )


def last_visits(department_id: int):
    """Per member: the last visit date in a department."""
    return (
        select(Visit.member_id.label("member_id"), func.max(Visit.visit_date).label("anchor_date"))
        .where(Visit.department_id == department_id)
        .group_by(Visit.member_id)
        .subquery("last_visits")
    )


def last_purchases(product_code: str):
    """Per member: the date of their last paid order of a product."""
    return (
        select(Order.member_id.label("member_id"), func.max(Order.ordered_at).label("anchor_date"))
        .where(Order.product_code == product_code, Order.status == "paid")
        .group_by(Order.member_id)
        .subquery("last_purchases")
    )


def anchor_source(anchor: str, *, department_id: int | None, product_code: str | None):
    """(from-clause joined to enrollments, anchor date column) for a day anchor other than yearly."""
    e = Enrollment.__table__
    if anchor == "enrollment":
        return e, e.c.enrolled_on
    if anchor in ("edd", "delivery", "discharge"):
        mr = MaternityRecord.__table__
        column = {"edd": mr.c.expected_delivery_date, "delivery": mr.c.delivery_date,
                  "discharge": mr.c.discharge_date}[anchor]
        return e.join(mr, mr.c.member_id == e.c.member_id), column
    if anchor == "child_birth":
        sub = child_births()
    elif anchor == "last_visit":
        sub = last_visits(department_id or 0)
    elif anchor == "purchase":
        sub = last_purchases(product_code or "")
    else:
        raise ValueError(anchor)
    return e.join(sub, sub.c.member_id == e.c.member_id), sub.c.anchor_date


def base_offset(anchor: str) -> int:
    """Days to add to the anchor date before the step offset (EDD counts from EDD − 280)."""
    return -GESTATION_DAYS if anchor == "edd" else 0


@dataclass(frozen=True)
class AdvisorPools:
    """Active advisors by branch (ordered by id) and overall, for round-robin assignment."""

    by_branch: dict[int | None, tuple[int, ...]]
    everyone: tuple[int, ...]


def advisor_pools(session) -> AdvisorPools:  # noqa: ANN001
    """Load the active advisors once per run (a few hundred at most)."""
    u = User.__table__
    rows = session.execute(select(u.c.id, u.c.branch_id).where(u.c.role == "advisor", u.c.active == true())
                           .order_by(u.c.id)).all()
    by_branch: dict[int | None, list[int]] = {}
    for uid, branch in rows:
        by_branch.setdefault(branch, []).append(uid)
    return AdvisorPools({b: tuple(ids) for b, ids in by_branch.items()}, tuple(uid for uid, _ in rows))


def _round_robin(ids: tuple[int, ...], member_id: ColumnElement) -> ColumnElement:
    if len(ids) == 1:
        return literal(ids[0])
    return case({slot: literal(uid) for slot, uid in enumerate(ids)}, value=member_id % len(ids))


def assigned_advisor(pools: AdvisorPools, member_id: ColumnElement, member_branch: ColumnElement,
                     member_advisor: ColumnElement) -> ColumnElement:
    """The member's owner advisor when active, else round-robin by member id within the branch's advisors,
    else across all advisors (NULL when there is no active advisor at all)."""
    u = User.__table__.alias("owner")
    owner = (select(u.c.id).where(u.c.id == member_advisor, u.c.role == "advisor", u.c.active == true())
             .scalar_subquery())
    if not pools.everyone:
        return owner
    branches = {b: ids for b, ids in pools.by_branch.items() if b is not None}
    anywhere = _round_robin(pools.everyone, member_id)
    in_branch = (case(*[(member_branch == b, _round_robin(ids, member_id)) for b, ids in branches.items()],
                      else_=anywhere) if branches else anywhere)
    return func.coalesce(owner, in_branch)


def school_age_bounds(as_of: date, youngest: int = 6, oldest: int = 12) -> tuple[date, date]:
    """Birth dates of children aged youngest..oldest completed years on as_of (inclusive bounds)."""
    def years_back(n: int) -> date:
        try:
            return as_of.replace(year=as_of.year - n)
        except ValueError:
            return as_of.replace(year=as_of.year - n, day=28)
    return years_back(oldest + 1) + timedelta(days=1), years_back(youngest)


def audience_members(audience: str, as_of: date):
    """A select of member_id for a built-in entry audience on a date."""
    mr = MaternityRecord.__table__
    if audience == "pregnant":
        return select(mr.c.member_id).where(
            mr.c.expected_delivery_date > as_of,
            mr.c.expected_delivery_date <= as_of + timedelta(days=GESTATION_DAYS),
            mr.c.delivery_date.is_(None),
        )
    if audience == "discharged":
        return select(mr.c.member_id).where(mr.c.discharge_date.between(as_of - timedelta(days=7), as_of))
    if audience == "school_age_child":
        lo, hi = school_age_bounds(as_of)
        parent = HouseholdMember.__table__.alias("p")
        child = HouseholdMember.__table__.alias("c")
        kid = Member.__table__.alias("kid")
        return (
            select(parent.c.member_id).distinct()
            .select_from(parent)
            .join(child, and_(child.c.household_id == parent.c.household_id, child.c.role == "child"))
            .join(kid, kid.c.id == child.c.member_id)
            .where(parent.c.key_person == true(), parent.c.role != "child", kid.c.birth_date.between(lo, hi))
        )
    if audience == "dental_scaling":
        return select(Order.member_id).distinct().where(
            Order.product_code == "DEN-SCALING", Order.status == "paid",
            Order.ordered_at.between(as_of - timedelta(days=365), as_of),
        )
    raise ValueError(audience)


def kind_priority(is_marketing: ColumnElement) -> ColumnElement:
    """Service steps go before marketing ones when a cap leaves room for only some."""
    return case((is_marketing == true(), 1), else_=0)


def waiting(status: ColumnElement) -> ColumnElement:
    """`status = 'scheduled'` written out (not a bound parameter), so both databases use the partial index of
    rows waiting to be sent (ix_touches_due)."""
    return status == literal_column("'scheduled'")
