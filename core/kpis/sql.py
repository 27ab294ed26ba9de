"""SQL building blocks shared by the KPI queries: portable date arithmetic, scopes, journey tables."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Date, Integer, Select, String, and_, false, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from core.kpis.definitions import KpiFilter
from db.models import Member

# Hospital-local dates are UTC+8 (Asia/Shanghai has no daylight saving time).
LOCAL_OFFSET_HOURS = 8


class add_days(FunctionElement):  # noqa: N801 - reads like the SQL function it is
    """`date + n days` for a DATE expression and a constant number of days."""

    type = Date()
    inherit_cache = True


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    expr, days = list(element.clauses)
    return f"date({compiler.process(expr, **kw)}, '+' || {compiler.process(days, **kw)} || ' days')"


@compiles(add_days)
def _add_days_default(element, compiler, **kw):  # noqa: ANN001, ANN202
    expr, days = list(element.clauses)
    return f"(CAST({compiler.process(expr, **kw)} AS DATE) + CAST({compiler.process(days, **kw)} AS INTEGER))"


class local_date(FunctionElement):  # noqa: N801
    """The hospital-local calendar day of a naive-UTC timestamp."""

    type = Date()
    inherit_cache = True


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    (expr,) = list(element.clauses)
    return f"date({compiler.process(expr, **kw)}, '+{LOCAL_OFFSET_HOURS} hours')"


@compiles(local_date)
def _local_date_default(element, compiler, **kw):  # noqa: ANN001, ANN202
    (expr,) = list(element.clauses)
    return f"CAST({compiler.process(expr, **kw)} + INTERVAL '{LOCAL_OFFSET_HOURS} hours' AS DATE)"


def member_scope(f: KpiFilter, member_col, segment: Select | None) -> list[ColumnElement[bool]]:  # noqa: ANN001
    """Conditions restricting `member_col` to the filter's branch (home branch) and segment."""
    conds: list[ColumnElement[bool]] = []
    if f.branch_id is not None:
        conds.append(member_col.in_(select(Member.id).where(Member.branch_id == f.branch_id)))
    if segment is not None:
        conds.append(member_col.in_(segment))
    return conds


def all_of(conds: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(true(), *conds) if conds else true()


def any_of(conds: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(false(), *conds) if conds else false()


class month_of(FunctionElement):  # noqa: N801
    """A DATE expression as its month, 'YYYY-MM'."""

    type = String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    (expr,) = list(element.clauses)
    return f"substr({compiler.process(expr, **kw)}, 1, 7)"


@compiles(month_of)
def _month_default(element, compiler, **kw):  # noqa: ANN001, ANN202
    (expr,) = list(element.clauses)
    return f"to_char({compiler.process(expr, **kw)}, 'YYYY-MM')"


def private_at(day) -> ColumnElement[bool]:  # noqa: ANN001
    """The member is in the private domain on `day` (flagged, and joined it on or before that day)."""
    return and_(Member.private_domain.is_(True),
                or_(Member.private_domain_since.is_(None), Member.private_domain_since <= day))


def as_int(value) -> int:  # noqa: ANN001
    """A SUM/COUNT result as int (PostgreSQL returns Decimal for big sums, NULL for empty sums)."""
    return int(value or 0)


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Naive-UTC instants [start, end) covering the hospital-local days first..last."""
    offset = timedelta(hours=LOCAL_OFFSET_HOURS)
    return (datetime.combine(first, time()) - offset, datetime.combine(last + timedelta(days=1), time()) - offset)


class week_of(FunctionElement):  # noqa: N801
    """The Monday of the week of a DATE expression."""

    type = Date()
    inherit_cache = True


@compiles(week_of, "sqlite")
def _week_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    (expr,) = list(element.clauses)
    return f"date({compiler.process(expr, **kw)}, 'weekday 0', '-6 days')"


@compiles(week_of)
def _week_default(element, compiler, **kw):  # noqa: ANN001, ANN202
    (expr,) = list(element.clauses)
    return f"CAST(date_trunc('week', {compiler.process(expr, **kw)}) AS DATE)"


class day_number(FunctionElement):  # noqa: N801
    """A DATE expression as a whole number of days (for checksums)."""

    type = Integer()
    inherit_cache = True


@compiles(day_number, "sqlite")
def _day_number_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    (expr,) = list(element.clauses)
    return f"CAST(julianday({compiler.process(expr, **kw)}) AS INTEGER)"


@compiles(day_number)
def _day_number_default(element, compiler, **kw):  # noqa: ANN001, ANN202
    (expr,) = list(element.clauses)
    return f"(CAST({compiler.process(expr, **kw)} AS DATE) - DATE '1970-01-01')"
