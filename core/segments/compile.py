"""Compile a segment rule into one SQL statement selecting member ids; values are always bound.

Shape (what keeps a count on a million members fast):
- member fields are plain predicates on `members`; computed values (age, pregnancy week, days since
  a date, child age in months) become date ranges on the underlying indexed date column, so no date
  arithmetic runs in SQL;
- facts (tags, visits, orders, spend, households, RFM) become an uncorrelated set of member ids,
  aggregated with GROUP BY … HAVING where needed. Members without any fact take the aggregate's empty
  value (count 0, spend 0): when the test holds for it, the set of members *failing* it is excluded.
- a member-id set is tested with `id IN (…)` on SQLite (one ephemeral index, or it drives the rowid
  lookups) and with `EXISTS` on PostgreSQL (pulled up into hash semi-/anti-joins).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import (
    Select,
    and_,
    distinct,
    exists,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import Boolean

from core.segments.model import Condition, Group, Not, Rule, month_cut, parse_rule, year_cut
from db.models import (
    Branch,
    Department,
    HouseholdMember,
    MaternityRecord,
    Member,
    MemberTag,
    Order,
    Tag,
    User,
    Visit,
)
from db.models.segments import MemberRfm


class MemberIn(ColumnElement[bool]):
    """`members.id [NOT] IN (subquery)`, rendered as `[NOT] EXISTS` on PostgreSQL."""

    inherit_cache = False
    type = Boolean()
    _is_implicitly_boolean = True

    def __init__(self, ids: Select, negate: bool = False) -> None:
        self.ids = ids
        self.negate = negate

    def _negate(self) -> MemberIn:
        return MemberIn(self.ids, not self.negate)


@compiles(MemberIn)
def _member_in_default(element: MemberIn, compiler, **kw) -> str:  # noqa: ANN001
    test = Member.id.not_in(element.ids) if element.negate else Member.id.in_(element.ids)
    return compiler.process(test, **kw)


@compiles(MemberIn, "postgresql")
def _member_in_postgresql(element: MemberIn, compiler, **kw) -> str:  # noqa: ANN001
    ids = element.ids.subquery()
    test = exists(select(literal_column("1")).select_from(ids).where(ids.c[0] == Member.id))
    return compiler.process(~test if element.negate else test, **kw)


class ByDialect(ColumnElement[bool]):
    """One test written two ways: per member (correlated) on SQLite, as a set on PostgreSQL.

    SQLite aggregates a GROUP BY through a temporary B-tree, so probing the (member_id, date, …)
    index once per candidate member is cheaper; PostgreSQL hashes the aggregate and joins it —
    unless sibling tests of an `all` group narrow the candidates, then both probe per member.
    """

    inherit_cache = False
    type = Boolean()
    _is_implicitly_boolean = True

    def __init__(self, per_member: ColumnElement[bool], as_set: ColumnElement[bool]) -> None:
        self.per_member = per_member
        self.as_set = as_set

    def _negate(self) -> ByDialect:
        return ByDialect(not_(self.per_member), not_(self.as_set))


@compiles(ByDialect)
def _by_dialect_default(element: ByDialect, compiler, **kw) -> str:  # noqa: ANN001
    return "(" + compiler.process(element.per_member, **kw) + ")"


@compiles(ByDialect, "postgresql")
def _by_dialect_postgresql(element: ByDialect, compiler, **kw) -> str:  # noqa: ANN001
    return "(" + compiler.process(element.as_set, **kw) + ")"


class Unindexed(ColumnElement):
    """A column rendered `+col` on SQLite, so its planner picks no index for a test on it.

    A department's visits within N days are read from (department_id, member_id, visit_date), the
    department's visitors in member order; left to itself SQLite prefers the date index, i.e. every
    department's visits of the window (a year: a million rows instead of a department's few hundred
    thousand index entries).
    """

    inherit_cache = False

    def __init__(self, column) -> None:  # noqa: ANN001
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _unindexed_default(element: Unindexed, compiler, **kw) -> str:  # noqa: ANN001
    return compiler.process(element.column, **kw)


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler, **kw) -> str:  # noqa: ANN001
    return "+" + compiler.process(element.column, **kw)


@dataclass(frozen=True)
class Codes:
    """Ids of the small lookup tables by code (department, branch, tag, advisor username).

    With them a rule's codes become constant ids in the SQL, so the planner knows how many visits a
    department has (PostgreSQL then plans parallel hash joins; a sub-select of the id leaves it guessing).
    Without them (None) the statement looks the ids up itself: same result, usable without a session.
    """

    departments: dict[str, int] = field(default_factory=dict)
    branches: dict[str, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    advisors: dict[str, int] = field(default_factory=dict)


def load_codes(session: Session) -> Codes:
    """The current codes → ids of the lookup tables (a few hundred rows at most)."""
    def mapping(key, id_col) -> dict[str, int]:  # noqa: ANN001
        return {k: int(i) for k, i in session.execute(select(key, id_col))}
    return Codes(mapping(Department.code, Department.id), mapping(Branch.code, Branch.id),
                 mapping(Tag.name, Tag.id), mapping(User.username, User.id))


def member_ids(rule: dict | Rule, *, as_of: date, codes: Codes | None = None) -> Select:
    """One SELECT of the ids (column `member_id`) of the members matching the rule on `as_of`."""
    parsed = rule if isinstance(rule, Condition | Group | Not) else parse_rule(rule)
    return select(Member.id.label("member_id")).where(predicate(parsed, as_of, codes))


def count_statement(rule: dict | Rule, *, as_of: date, codes: Codes | None = None) -> Select:
    """SELECT count(*) of the members matching the rule."""
    return select(func.count()).select_from(member_ids(rule, as_of=as_of, codes=codes).subquery())


def predicate(rule: Rule, as_of: date, codes: Codes | None = None) -> ColumnElement[bool]:
    """The WHERE condition on `members` for a parsed rule."""
    if isinstance(rule, Group):
        parts = [predicate(child, as_of, codes) for child in rule.children]
        if rule.kind == "any":
            return or_(false(), *parts)
        if any(not isinstance(p, ByDialect) for p in parts):
            # other tests narrow the candidates first: probing per member beats aggregating every fact
            parts = [ByDialect(p.per_member, p.per_member) if isinstance(p, ByDialect) else p for p in parts]
        # cheap column tests first, member-id sets next, per-member aggregates last
        return and_(true(), *sorted(parts, key=lambda p: isinstance(p, MemberIn) + 2 * isinstance(p, ByDialect)))
    if isinstance(rule, Not):
        return not_(predicate(rule.child, as_of, codes))
    if rule.field in _CODED:
        return _CODED[rule.field](rule, rule.as_of or as_of, codes)
    return _COMPILERS[rule.field](rule, rule.as_of or as_of)


# --- generic pieces -------------------------------------------------------------------------------


def _column(col, op: str, value: object) -> ColumnElement[bool]:  # noqa: ANN001
    """A test on a single-valued column; a missing value (NULL) never satisfies a comparison.

    Every test is two-valued (never NULL), so `not` is the exact complement.
    """
    if op == "is_empty":
        return col.is_(None)
    if op == "not_empty":
        return col.is_not(None)
    return and_(col.is_not(None), _compare(col, op, value))


def _compare(col, op: str, value: object) -> ColumnElement[bool]:  # noqa: ANN001
    if op == "=":
        return col == value
    if op == "!=":
        return col != value
    if op == "<":
        return col < value
    if op == "<=":
        return col <= value
    if op == ">":
        return col > value
    if op == ">=":
        return col >= value
    if op == "between":
        return col.between(value[0], value[1])
    if op == "in":
        return col.in_(list(value))
    return col.not_in(list(value))


def _decreasing(col, op: str, value: object, cut: Callable[[int], date]) -> ColumnElement[bool]:  # noqa: ANN001
    """A test on an integer that decreases as the date `col` grows; cut(n) is the last date where it is ≥ n."""
    return and_(col.is_not(None), _decreasing_test(col, op, value, cut))


def _decreasing_test(col, op: str, value: object, cut: Callable[[int], date]) -> ColumnElement[bool]:  # noqa: ANN001
    def eq(n: int) -> ColumnElement[bool]:
        return and_(col > cut(n + 1), col <= cut(n))

    if op == ">=":
        return col <= cut(value)
    if op == ">":
        return col <= cut(value + 1)
    if op == "<=":
        return col > cut(value + 1)
    if op == "<":
        return col > cut(value)
    if op == "=":
        return eq(value)
    if op == "!=":
        return or_(col > cut(value), col <= cut(value + 1))
    if op == "between":
        return and_(col > cut(value[1] + 1), col <= cut(value[0]))
    if op == "in":
        return or_(*[eq(n) for n in value])
    return and_(*[or_(col > cut(n), col <= cut(n + 1)) for n in value])


def _holds(op: str, x: int, value: object) -> bool:
    """Whether the empty aggregate value x (count 0, spend 0) satisfies a comparison."""
    if op == "=":
        return x == value
    if op == "!=":
        return x != value
    if op == "<":
        return x < value
    if op == "<=":
        return x <= value
    if op == ">":
        return x > value
    if op == ">=":
        return x >= value
    if op == "between":
        return value[0] <= x <= value[1]
    if op == "in":
        return x in value
    return x not in value


def _days_before(as_of: date, days: int) -> date:
    try:
        return as_of - timedelta(days=days)
    except OverflowError:
        return date.min if days > 0 else date.max


def _window(col, cond: Condition, as_of: date) -> list[ColumnElement[bool]]:  # noqa: ANN001
    """Facts up to as_of; with within_days N, from as_of − N days on (both ends included)."""
    parts = [col <= as_of]
    if cond.within_days is not None:
        parts.append(col >= _days_before(as_of, cond.within_days))
    return parts


def _sets(facts: Select, op: str) -> ColumnElement[bool]:
    """Multi-valued facts: = / in / comparisons mean some fact matches; != / not_in / is_empty none does."""
    return MemberIn(facts, negate=op in ("!=", "not_in", "is_empty"))


def _aggregate(grouped: Select, agg, cond: Condition, empty: int, per_member) -> ColumnElement[bool]:  # noqa: ANN001
    """Members whose aggregate over their facts satisfies the condition; `empty` is the value for none.

    `per_member` is the same aggregate as a scalar subquery correlated to the member (never NULL).
    """
    if _holds(cond.op, empty, cond.value):
        as_set = MemberIn(grouped.having(not_(_compare(agg, cond.op, cond.value))), negate=True)
    else:
        as_set = MemberIn(grouped.having(_compare(agg, cond.op, cond.value)))
    return ByDialect(_compare(per_member, cond.op, cond.value), as_set)


def _per_member(facts: Select, member_col) -> ColumnElement:  # noqa: ANN001
    return facts.where(member_col == Member.id).correlate(Member).scalar_subquery()


def _positive(op: str) -> str:
    return {"!=": "=", "not_in": "in"}.get(op, op)


# --- fields ---------------------------------------------------------------------------------------


def _member_column(col) -> Callable[[Condition, date], ColumnElement[bool]]:  # noqa: ANN001
    return lambda cond, as_of: _column(col, cond.op, cond.value)


def _age(cond: Condition, as_of: date) -> ColumnElement[bool]:
    if cond.op in ("is_empty", "not_empty"):
        return _column(Member.birth_date, cond.op, None)
    return _decreasing(Member.birth_date, cond.op, cond.value, lambda n: year_cut(as_of, n))


def _ids(codes: dict[str, int] | None, key_col, id_col, values: list):  # noqa: ANN001, ANN202
    """The ids of the codes: constants when the codes are known, else a sub-select (an unknown code matches none)."""
    if codes is None:
        return select(id_col).where(key_col.in_(values))
    return sorted({codes[v] for v in values if v in codes})


def _lookup(fk, key_col, id_col, which: str) -> Callable[[Condition, date, Codes | None], ColumnElement[bool]]:  # noqa: ANN001
    """A member column pointing at a row named by a code (branch code, advisor username)."""
    def compile_(cond: Condition, as_of: date, codes: Codes | None) -> ColumnElement[bool]:
        if cond.op in ("is_empty", "not_empty"):
            return _column(fk, cond.op, None)
        ids = _ids(getattr(codes, which) if codes else None, key_col, id_col, _values(cond))
        test = fk.not_in(ids) if cond.op in ("!=", "not_in") else fk.in_(ids)
        return and_(fk.is_not(None), test)
    return compile_


def _values(cond: Condition) -> list:
    return list(cond.value) if isinstance(cond.value, tuple) else [cond.value]


def _tag(cond: Condition, as_of: date, codes: Codes | None) -> ColumnElement[bool]:
    facts = select(MemberTag.member_id)
    if cond.op not in ("is_empty", "not_empty"):
        facts = facts.where(MemberTag.tag_id.in_(_ids(codes and codes.tags, Tag.name, Tag.id, _values(cond))))
    return _sets(facts, cond.op)


def _visit_department(cond: Condition, as_of: date, codes: Codes | None) -> ColumnElement[bool]:
    if cond.op in ("is_empty", "not_empty"):
        return _sets(select(Visit.member_id).where(*_window(Visit.visit_date, cond, as_of)), cond.op)
    facts = select(Visit.member_id).where(
        Visit.department_id.in_(_ids(codes and codes.departments, Department.code, Department.id, _values(cond))),
        *_window(Unindexed(Visit.visit_date), cond, as_of))
    return _sets(facts, cond.op)


def _visits_grouped(cond: Condition, as_of: date) -> Select:
    return select(Visit.member_id).where(*_window(Visit.visit_date, cond, as_of)).group_by(Visit.member_id)


def _paid_orders(cond: Condition, as_of: date) -> Select:
    return select(Order.member_id).where(Order.status == "paid", *_window(Order.ordered_at, cond, as_of))


def _visit_facts(column, cond: Condition, as_of: date) -> Select:  # noqa: ANN001
    return select(column).where(*_window(Visit.visit_date, cond, as_of))


def _visits_count(cond: Condition, as_of: date) -> ColumnElement[bool]:
    return _aggregate(_visits_grouped(cond, as_of), func.count(), cond, 0,
                      _per_member(_visit_facts(func.count(), cond, as_of), Visit.member_id))


def _visits_departments(cond: Condition, as_of: date) -> ColumnElement[bool]:
    distinct_departments = func.count(distinct(Visit.department_id))
    return _aggregate(_visits_grouped(cond, as_of), distinct_departments, cond, 0,
                      _per_member(_visit_facts(distinct_departments, cond, as_of), Visit.member_id))


def _visits_last_days(cond: Condition, as_of: date) -> ColumnElement[bool]:
    if cond.op in ("is_empty", "not_empty"):
        return _sets(select(Visit.member_id).where(*_window(Visit.visit_date, cond, as_of)), cond.op)
    def test(last) -> ColumnElement[bool]:  # noqa: ANN001
        return _decreasing(last, cond.op, cond.value, lambda n: _days_before(as_of, n))
    last = func.max(Visit.visit_date)
    per_member = _per_member(_visit_facts(last, cond, as_of), Visit.member_id)
    return ByDialect(test(per_member), MemberIn(_visits_grouped(cond, as_of).having(test(last))))


def _order_product(cond: Condition, as_of: date) -> ColumnElement[bool]:
    facts = _paid_orders(cond, as_of)
    if cond.op not in ("is_empty", "not_empty"):
        facts = facts.where(Order.product_code.in_(_values(cond)))
    return _sets(facts, cond.op)


def _orders_count(cond: Condition, as_of: date) -> ColumnElement[bool]:
    per_member = _per_member(_paid_orders(cond, as_of).with_only_columns(func.count()), Order.member_id)
    return _aggregate(_paid_orders(cond, as_of).group_by(Order.member_id), func.count(), cond, 0, per_member)


def _spend(cond: Condition, as_of: date) -> ColumnElement[bool]:
    facts = union_all(
        select(Visit.member_id, Visit.amount_cents.label("amount")).where(*_window(Visit.visit_date, cond, as_of)),
        select(Order.member_id, Order.amount_cents.label("amount")).where(
            Order.status == "paid", *_window(Order.ordered_at, cond, as_of)),
    ).subquery("spend_facts")
    grouped = select(facts.c.member_id).group_by(facts.c.member_id)
    visit_cents = _per_member(_visit_facts(func.coalesce(func.sum(Visit.amount_cents), 0), cond, as_of),
                              Visit.member_id)
    order_cents = _per_member(_paid_orders(cond, as_of).with_only_columns(
        func.coalesce(func.sum(Order.amount_cents), 0)), Order.member_id)
    return _aggregate(grouped, func.sum(facts.c.amount), cond, 0, visit_cents + order_cents)


def _pregnancy_week(cond: Condition, as_of: date) -> ColumnElement[bool]:
    pregnant = select(MaternityRecord.member_id).where(
        MaternityRecord.delivery_date.is_(None), MaternityRecord.expected_delivery_date > as_of)
    if cond.op in ("is_empty", "not_empty"):
        return _sets(pregnant, cond.op)
    return MemberIn(pregnant.where(_decreasing(MaternityRecord.expected_delivery_date, cond.op, cond.value,
                                               lambda n: _days_before(as_of, 7 * n - 280))))


def _delivered_days(cond: Condition, as_of: date) -> ColumnElement[bool]:
    delivered = select(MaternityRecord.member_id).where(MaternityRecord.delivery_date <= as_of)
    if cond.op in ("is_empty", "not_empty"):
        return _sets(delivered, cond.op)
    return MemberIn(delivered.where(_decreasing(MaternityRecord.delivery_date, cond.op, cond.value,
                                                lambda n: _days_before(as_of, n))))


def _child_age_months(cond: Condition, as_of: date) -> ColumnElement[bool]:
    own = aliased(HouseholdMember)
    child_link = aliased(HouseholdMember)
    child = aliased(Member)
    facts = (
        select(own.member_id)
        .join(child_link, and_(child_link.household_id == own.household_id, child_link.role == "child"))
        .join(child, child.id == child_link.member_id)
        .where(child.birth_date.is_not(None))
    )
    if cond.op not in ("is_empty", "not_empty"):
        facts = facts.where(_decreasing(child.birth_date, _positive(cond.op), cond.value,
                                        lambda n: month_cut(as_of, n)))
    return _sets(facts, cond.op)


def _key_person(cond: Condition, as_of: date) -> ColumnElement[bool]:
    linked = select(HouseholdMember.member_id)
    if cond.op in ("is_empty", "not_empty"):
        return _sets(linked, cond.op)
    return MemberIn(linked.where(_column(HouseholdMember.key_person, cond.op, cond.value)))


def _household_size(cond: Condition, as_of: date) -> ColumnElement[bool]:
    linked = select(HouseholdMember.member_id)
    if cond.op in ("is_empty", "not_empty"):
        return _sets(linked, cond.op)
    other = aliased(HouseholdMember)
    sized = (select(other.household_id).group_by(other.household_id)
             .having(_compare(func.count(), cond.op, cond.value)))
    return MemberIn(linked.where(HouseholdMember.household_id.in_(sized)))


def _rfm(col) -> Callable[[Condition, date], ColumnElement[bool]]:  # noqa: ANN001
    def compile_(cond: Condition, as_of: date) -> ColumnElement[bool]:
        scored = select(MemberRfm.member_id)
        if cond.op in ("is_empty", "not_empty"):
            return _sets(scored, cond.op)
        return MemberIn(scored.where(_column(col, cond.op, cond.value)))
    return compile_


_COMPILERS: dict[str, Callable[[Condition, date], ColumnElement[bool]]] = {
    "gender": _member_column(Member.gender),
    "age": _age,
    "city": _member_column(Member.city),
    "source_channel": _member_column(Member.source_channel),
    "joined_at": _member_column(Member.joined_at),
    "private_domain": _member_column(Member.private_domain),
    "consent.sms": _member_column(Member.sms_consent),
    "consent.wecom": _member_column(Member.wecom_consent),
    "visits.count": _visits_count,
    "visits.last_days": _visits_last_days,
    "visits.departments_count": _visits_departments,
    "orders.product_code": _order_product,
    "orders.count": _orders_count,
    "spend.total": _spend,
    "pregnancy.week": _pregnancy_week,
    "delivered_days": _delivered_days,
    "child.age_months": _child_age_months,
    "household.key_person": _key_person,
    "household.size": _household_size,
    "rfm.r": _rfm(MemberRfm.r),
    "rfm.f": _rfm(MemberRfm.f),
    "rfm.m": _rfm(MemberRfm.m),
    "rfm.segment": _rfm(MemberRfm.segment),
}

# fields whose values are codes of lookup tables
_CODED: dict[str, Callable[[Condition, date, Codes | None], ColumnElement[bool]]] = {
    "branch": _lookup(Member.branch_id, Branch.code, Branch.id, "branches"),
    "advisor": _lookup(Member.advisor_id, User.username, User.id, "advisors"),
    "tag": _tag,
    "visits.department": _visit_department,
}
