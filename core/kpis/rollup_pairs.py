"""Rollups counted per day and pointer: what the dashboards read for periods of any length.

`kpi_reach_days` and `kpi_visit_days` hold one row per member and day with pointers back in time; a
member counts once in a period A..B through the row whose pointer lies before A. Counting those rows per
(day, pointer, home branch, private-domain class) keeps every period count exact while a year reads
thousands of rows instead of millions. Spend is additive, so `kpi_spend_days` sums it per day and class.

The aggregates carry members' home branch and private-domain class: when those change (an import, an
edit), the member fingerprint changes and the next refresh rebuilds the aggregates of every day.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import (
    Date,
    Integer,
    String,
    case,
    delete,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from core.kpis.queries import spend_facts
from core.kpis.sql import day_number
from db.models import Member, Visit
from db.models.kpis import (
    KpiReachDay,
    KpiReachPair,
    KpiRollupState,
    KpiSpendDay,
    KpiVisitDay,
    KpiVisitPair,
)

PAST = date(1970, 1, 1)    # "no earlier row" / "already private-domain that day"
NEVER = date(9999, 12, 31)  # "not in the private domain"
# grouping -> (pointer column of kpi_reach_days, columns the grouping keeps)
GROUPINGS = {"a": ("prev_any", ()), "c": ("prev_channel", ("channel",)), "j": ("prev_journey", ("journey_id",)),
             "cj": ("prev_cj", ("channel", "journey_id"))}
FINGERPRINT = "member_fingerprint"


def _date(value: date):  # noqa: ANN202
    return literal(value, Date)


def _branch():  # noqa: ANN202
    return func.coalesce(Member.branch_id, 0)


def _since(day):  # noqa: ANN001, ANN202
    """The member's private-domain class on `day` (see KpiSpendDay)."""
    return case((Member.private_domain.is_not(True), _date(NEVER)),
                (or_(Member.private_domain_since.is_(None), Member.private_domain_since <= day), _date(PAST)),
                else_=Member.private_domain_since)


def member_fingerprint(session: Session) -> str:
    """A cheap checksum of members' home branches and private-domain fields (what the aggregates depend on)."""
    since = day_number(Member.private_domain_since)
    row = session.execute(select(
        func.count(), func.sum(func.coalesce(Member.branch_id, 0) * (Member.id % 1009 + 1)),
        func.sum(case((Member.private_domain.is_(True), Member.id % 1013 + 1), else_=0)),
        func.sum(case((Member.private_domain_since.is_not(None), (Member.id % 1019 + 1) * since), else_=0)),
    )).one()
    return ":".join(str(int(v or 0)) for v in row)


def aggregate_reach(session: Session, first: date | None) -> None:
    """Recount `kpi_reach_pairs` from `kpi_reach_days` for every day from `first` (all days when None)."""
    p, r = KpiReachPair.__table__, KpiReachDay.__table__
    session.execute(delete(p).where(p.c.day >= first) if first else delete(p))
    for grouping, (pointer, cols) in GROUPINGS.items():
        # keys computed in a subquery: PostgreSQL wants GROUP BY on columns, not on repeated bound expressions
        rows = (select(r.c.day, _branch().label("branch_id"),
                       (r.c.channel if "channel" in cols else literal("", String)).label("channel"),
                       (r.c.journey_id if "journey_id" in cols else literal(-1, Integer)).label("journey_id"),
                       func.coalesce(r.c[pointer], _date(PAST)).label("prev"), r.c.touches)
                .select_from(r.outerjoin(Member, Member.id == r.c.member_id))
                .where(r.c.day >= first if first else r.c.day.is_not(None)).subquery("rows"))
        keys = [rows.c.day, rows.c.branch_id, rows.c.channel, rows.c.journey_id, rows.c.prev]
        session.execute(insert(p).from_select(
            ["grouping", "day", "branch_id", "channel", "journey_id", "prev", "members", "touches"],
            select(literal(grouping, String), *keys, func.count(), func.sum(rows.c.touches)).group_by(*keys)))


def refresh_spend(session: Session, first: date, last: date) -> None:
    """Rebuild `kpi_spend_days` for first..last from visits and paid orders."""
    s = KpiSpendDay.__table__
    session.execute(delete(s).where(s.c.day.between(first, last)))
    facts = spend_facts_between(first, last)
    rows = (select(facts.c.day, _branch().label("branch_id"), _since(facts.c.day).label("since"), facts.c.amount_cents)
            .select_from(facts.join(Member, Member.id == facts.c.member_id)).subquery("rows"))
    keys = [rows.c.day, rows.c.branch_id, rows.c.since]
    session.execute(insert(s).from_select(["day", "branch_id", "since", "spend_cents"],
                                          select(*keys, func.sum(rows.c.amount_cents)).group_by(*keys)))


def spend_facts_between(first: date, last: date):  # noqa: ANN201
    from core.kpis.definitions import KpiFilter

    return spend_facts(KpiFilter(first, last)).subquery("facts")


def _visit_rows(first: date, last: date | None, members=None):  # noqa: ANN001, ANN202
    """(member_id, day, departments, department_id, prev_visit, multi_from) per member and visit day."""
    v = Visit
    conds = [v.visit_date >= first] + ([v.visit_date <= last] if last else [])
    if members is not None:
        conds.append(v.member_id.in_(members))
    per = (select(v.member_id, v.visit_date.label("day"), func.count(distinct(v.department_id)).label("n"),
                  func.min(v.department_id).label("dept"))
           .where(*conds).group_by(v.member_id, v.visit_date).subquery("per"))
    w = aliased(Visit)
    prev_visit = (select(func.max(w.visit_date)).where(w.member_id == per.c.member_id, w.visit_date < per.c.day)
                  .scalar_subquery())
    other = (select(func.max(w.visit_date)).where(w.member_id == per.c.member_id, w.visit_date < per.c.day,
                                                   w.department_id != per.c.dept).scalar_subquery())
    return select(per.c.member_id, per.c.day, per.c.n, per.c.dept, prev_visit,
                  case((per.c.n >= 2, per.c.day), else_=other))


VISIT_COLUMNS = ["member_id", "day", "departments", "department_id", "prev_visit", "multi_from"]


def refresh_visits(session: Session, first: date, last: date) -> None:
    """Rebuild `kpi_visit_days` for first..last, and the later rows of the members whose visits there changed."""
    t = KpiVisitDay.__table__
    in_days = t.c.day.between(first, last)
    later = session.scalar(select(func.count()).select_from(t).where(t.c.day > last).limit(1))
    if later:
        affected = union_all(select(t.c.member_id).where(in_days),
                             select(Visit.member_id).where(Visit.visit_date.between(first, last))).subquery()
        ids = [i for (i,) in session.execute(select(affected.c.member_id).distinct())]
    session.execute(delete(t).where(in_days))
    session.execute(insert(t).from_select(VISIT_COLUMNS, _visit_rows(first, last)))
    touched = [in_days]
    if later and ids:
        for chunk in (ids[i:i + 5000] for i in range(0, len(ids), 5000)):
            session.execute(delete(t).where(t.c.day > last, t.c.member_id.in_(chunk)))
            session.execute(insert(t).from_select(VISIT_COLUMNS, _later_rows(last, chunk)))
        touched.append(t.c.day > last)
    u = KpiVisitDay.__table__.alias("u")
    running = (select(func.max(u.c.multi_from)).where(u.c.member_id == t.c.member_id, u.c.day < t.c.day)
               .scalar_subquery())
    session.execute(t.update().values(prev_multi_from=running).where(or_(*touched)))


def _later_rows(last: date, members: list[int]):  # noqa: ANN202
    rows = _visit_rows(last, None, members).subquery("rows")
    return select(*rows.c).where(rows.c.day > last)


def aggregate_visits(session: Session, first: date | None) -> None:
    """Recount `kpi_visit_pairs` from `kpi_visit_days` for every day from `first` (all days when None)."""
    p, t = KpiVisitPair.__table__, KpiVisitDay.__table__
    session.execute(delete(p).where(p.c.day >= first) if first else delete(p))
    rows = (select(t.c.day, _branch().label("branch_id"), _since(t.c.day).label("since"),
                   func.coalesce(t.c.prev_visit, _date(PAST)).label("prev_visit"), t.c.multi_from,
                   func.coalesce(t.c.prev_multi_from, _date(PAST)).label("prev_multi_from"))
            .select_from(t.join(Member, Member.id == t.c.member_id))
            .where(t.c.day >= first if first else t.c.day.is_not(None)).subquery("rows"))
    cols = ["kind", "day", "branch_id", "since", "a", "b", "members"]
    keys = [rows.c.day, rows.c.branch_id, rows.c.since, rows.c.prev_visit]
    session.execute(insert(p).from_select(cols, select(
        literal("v", String), *keys, _date(PAST), func.count()).group_by(*keys)))
    keys = [rows.c.day, rows.c.branch_id, rows.c.since, rows.c.multi_from, rows.c.prev_multi_from]
    session.execute(insert(p).from_select(cols, select(
        literal("m", String), *keys, func.count()).where(rows.c.multi_from.is_not(None)).group_by(*keys)))


def refresh_arrivals(session: Session, first: date, last: date) -> None:
    """Set each lead's arrival day (its member's first visit within 30 days) for leads that a visit on
    first..last can reach: those created from 30 days before `first` to `last`."""
    from sqlalchemy import update

    from core.kpis.definitions import ARRIVAL_WINDOW_DAYS
    from core.kpis.sql import add_days
    from db.models.kpis import Lead

    arrival = (select(func.min(Visit.visit_date))
               .where(Visit.member_id == Lead.member_id, Visit.visit_date >= Lead.created_on,
                      Visit.visit_date <= add_days(Lead.created_on, ARRIVAL_WINDOW_DAYS)).scalar_subquery())
    session.execute(update(Lead).values(arrived_on=arrival).where(
        Lead.created_on.between(first - timedelta(days=ARRIVAL_WINDOW_DAYS), last)))


def _first_day(session: Session) -> date | None:
    days = [session.scalar(select(func.min(m.day))) for m in (KpiReachDay, KpiVisitDay, KpiSpendDay)]
    days = [d if isinstance(d, date) else date.fromisoformat(d) for d in days if d]
    return min(days) if days else None


def sync(session: Session, first: date, last: date, *, work: bool = True) -> None:
    """After the member-level rollups of first..last were rebuilt: visits and spend of those days, then the
    aggregates of every day from `first` — of every day when members' branches or private-domain fields changed —
    and (when `work`) the recent task and step rollups."""
    from core.kpis import rollup_work

    refresh_visits(session, first, last)
    refresh_arrivals(session, first, last)
    fingerprint = member_fingerprint(session)
    state = session.get(KpiRollupState, FINGERPRINT)
    start: date | None = first
    if state is None or state.value != fingerprint:
        start = None  # a member's spend and visits moved to another branch or private-domain class
        newest = session.scalar(select(func.max(KpiSpendDay.day)))
        newest = date.fromisoformat(newest) if isinstance(newest, str) else newest
        refresh_spend(session, min(_first_day(session) or first, first), max(newest or last, last))
    else:
        refresh_spend(session, first, last)
    aggregate_reach(session, start)
    aggregate_visits(session, start)
    if start is None:
        rollup_work.refresh_work(session, None)
    elif work:
        rollup_work.refresh_work(session, first)
    if state is None:
        session.add(KpiRollupState(name=FINGERPRINT, value=fingerprint))
    else:
        state.value = fingerprint
    session.flush()
