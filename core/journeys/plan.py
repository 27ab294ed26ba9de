"""Materialize a journey's day-anchored steps in two statements: one INSERT … SELECT of touches and one of tasks,
each over (new or re-planned enrollments) × (the journey's steps).

Why one statement per journey and not one per step: every enrollment's anchor dates are looked up once (a
materialized CTE, day numbers computed there), the rows come out in the order of the unique key
(enrollment, step lineage, occurrence) so that index is appended to rather than searched 27 times over, and
the per-row work is integer arithmetic plus one date formatting. At 200,000 enrollments × 27 steps this cut
materialization on SQLite from ~96 s to the figures in docs/benchmarks (see benchmarks/bench_journeys.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from core.clock import utcnow
from core.journeys import queries as q
from core.journeys.model import RECURRING_ANCHORS
from db.models import MaternityRecord, Member
from db.models.journeys import Enrollment, Task, Touch

MATERNITY_ANCHORS = {"edd": "expected_delivery_date", "delivery": "delivery_date", "discharge": "discharge_date"}
EPOCH_JULIAN = 2440587.5


def day_number(expr: ColumnElement, dialect: str) -> ColumnElement:
    """Whole days from 1970-01-01 to a date (NULL stays NULL), as an integer on both databases."""
    if dialect == "sqlite":
        return cast(func.julianday(expr) - EPOCH_JULIAN, Integer)
    return cast(expr, Date) - literal(date(1970, 1, 1), Date)


def _shift(anchor: ColumnElement, offset: ColumnElement, modifier: ColumnElement, dialect: str) -> ColumnElement:
    """anchor + offset days; on SQLite with the step's precomputed date() modifier ('-94 days')."""
    if dialect == "sqlite":
        return func.date(anchor, modifier)
    return cast(anchor, Date) + offset


def _enrollments(j, anchors: Sequence[str], dialect: str, advisor_of=None):  # noqa: ANN001, ANN202
    """The enrollments to plan, each with its anchor dates and their day numbers, looked up once (a CTE the
    databases materialize, so the step cross join does not repeat the look-ups per step)."""
    e = Enrollment.__table__
    source = e
    columns = [e.c.id.label("eid"), e.c.member_id.label("mid"), e.c.is_control.label("ctl"),
               day_number(e.c.enrolled_on, dialect).label("n_enrolled")]
    mr = None
    for anchor in anchors:
        if anchor == "enrollment":
            value = e.c.enrolled_on
        elif anchor in MATERNITY_ANCHORS:
            if mr is None:
                mr = MaternityRecord.__table__
                source = source.outerjoin(mr, mr.c.member_id == e.c.member_id)
            value = mr.c[MATERNITY_ANCHORS[anchor]]
        else:
            sub = {"child_birth": lambda: q.child_births(),
                   "last_visit": lambda: q.last_visits(j.anchor_department_id or 0),
                   "purchase": lambda: q.last_purchases(j.anchor_product_code or "")}[anchor]().alias(f"src_{anchor}")
            source = source.outerjoin(sub, sub.c.member_id == e.c.member_id)
            value = sub.c.anchor_date
        columns += [value.label(f"a_{anchor}"), day_number(value, dialect).label(f"n_{anchor}")]
    if advisor_of is not None:
        m = Member.__table__
        source = source.join(m, m.c.id == e.c.member_id)
        columns.append(advisor_of(m).label("adv"))
    return (select(*columns).select_from(source)
            .where(e.c.journey_id == j.id, e.c.exited_on.is_(None), e.c.anchor_key.is_(None))
            .cte(f"plan_{j.id}").prefix_with("MATERIALIZED"))


def _steps_table(steps, on: date):  # noqa: ANN001, ANN202
    """The steps as a small derived table of constants: ids, anchor, total offset, staleness, channel, links."""
    today = (on - date(1970, 1, 1)).days
    rows = []
    for k, s in enumerate(steps):
        offset = s.offset + q.base_offset(s.anchor)
        rows.append(select(
            literal(s.id, Integer).label("sid"), literal(s.lineage_id, Integer).label("lid"),
            literal(s.anchor, String(16)).label("anchor"), literal(offset, Integer).label("off"),
            literal(f"{offset} days", String(16)).label("modifier"),
            literal(today - s.late_days - offset, Integer).label("stale_below"),  # anchor day number < this: stale
            literal(1 if s.is_marketing else 0, Integer).label("mkt"),
            literal(1 if s.anchor in RECURRING_ANCHORS else 0, Integer).label("rec"),
            literal(s.channel, String(16)).label("channel"), literal(s.content_id, Integer).label("content_id"),
            literal(s.product_code, String(64)).label("product_code"), literal(k, Integer).label("k")))
    return union_all(*rows).subquery("st") if len(rows) > 1 else rows[0].subquery("st")


def _pick(st, anchors: Sequence[str], en, prefix: str) -> ColumnElement:  # noqa: ANN001
    if len(anchors) == 1:
        return en.c[f"{prefix}_{anchors[0]}"]
    return case(*[(st.c.anchor == a, en.c[f"{prefix}_{a}"]) for a in anchors])


def _insert(session: Session, table, cols: list[str], rows):  # noqa: ANN001, ANN202
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return ins.from_select(cols, rows).on_conflict_do_nothing(
        index_elements=["enrollment_id", "step_lineage_id", "occurrence"])


def plan_journey(session: Session, j, steps, on: date, pools: q.AdvisorPools | None) -> None:  # noqa: ANN001
    """Insert the touches and tasks of every day-anchored step for the journey's unplanned enrollments; rows
    already planned (same enrollment, step lineage and occurrence) are left as they are."""
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    for executor in ("system", "advisor"):
        # enrollments outside, steps (by lineage) inside: rows arrive in the unique key's order, no sort needed
        mine = sorted((s for s in steps if s.executor == executor), key=lambda s: s.lineage_id)
        if not mine:
            continue
        anchors = sorted({s.anchor for s in mine})
        advisor_of = None
        if executor == "advisor":
            def advisor_of(m):  # noqa: ANN001, ANN202
                return q.assigned_advisor(pools, m.c.id, m.c.branch_id, m.c.advisor_id)
        en = _enrollments(j, anchors, dialect, advisor_of)
        st = _steps_table(mine, on)
        n = _pick(st, anchors, en, "n")
        anchor = _pick(st, anchors, en, "a")
        when = _shift(anchor, st.c.off, st.c.modifier, dialect)
        stale = n < st.c.stale_below
        occurrence = case((st.c.rec == 1, n), else_=0)
        where = [n.is_not(None), n + st.c.off >= en.c.n_enrolled, or_(st.c.mkt == 0, en.c.ctl == false())]
        joined = en.join(st, true())
        if executor == "system":
            rows = (select(en.c.eid, literal(j.id), st.c.sid, st.c.lid, en.c.mid, occurrence, st.c.channel, when,
                           case((stale, "skipped"), else_="scheduled"), case((stale, "stale"), else_=None),
                           st.c.content_id, st.c.product_code)
                    .select_from(joined).where(*where))
            cols = ["enrollment_id", "journey_id", "step_id", "step_lineage_id", "member_id", "occurrence",
                    "channel", "scheduled_for", "status", "skip_reason", "content_id", "product_code"]
            connection.execute(_insert(session, Touch, cols, rows))
        else:
            rows = (select(en.c.eid, literal(j.id), st.c.sid, st.c.lid, occurrence, en.c.mid, en.c.adv, st.c.channel,
                           literal("step"), when, case((stale, "cancelled"), else_="open"),
                           case((stale, "stale"), else_=None), literal(utcnow(), DateTime))
                    .select_from(joined).where(*where, en.c.adv.is_not(None)))
            cols = ["enrollment_id", "journey_id", "step_id", "step_lineage_id", "occurrence", "member_id",
                    "advisor_id", "channel", "source", "due_date", "status", "cancel_reason", "created_at"]
            connection.execute(_insert(session, Task, cols, rows))


BULK_ROWS = 1_000_000  # a plan at least this large, and as large as the tables it writes, rebuilds their indexes
LOCK_WAIT = "5s"  # how long the bulk path waits for readers of touches and tasks before planning without it


def expected_rows(session: Session, journeys, steps) -> int:  # noqa: ANN001
    """Rows a plan may write: each journey's unplanned enrollments × its day-anchored steps (an upper bound)."""
    e = Enrollment.__table__
    per_journey = dict(session.connection().execute(
        select(e.c.journey_id, func.count()).where(e.c.exited_on.is_(None), e.c.anchor_key.is_(None))
        .group_by(e.c.journey_id)).all())
    return sum(per_journey.get(j.id, 0) * sum(1 for s in steps if s.journey_id == j.id and s.anchor != "yearly")
               for j in journeys)


def _secondary_indexes(session: Session, table: str) -> list[tuple[str, str]]:
    rows = session.connection().exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = %(t)s AND t.relnamespace = to_regnamespace(current_schema()) "
        "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.relname", {"t": table}).all()
    return [(name, definition) for name, definition in rows]


def _table_rows(session: Session, table: str) -> int:
    return int(session.connection().exec_driver_sql(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE relname = %(t)s "
        "AND relnamespace = to_regnamespace(current_schema())", {"t": table}).scalar() or 0)


def begin_bulk(session: Session, expected: int) -> list[str]:
    """On PostgreSQL, before a very large plan (≥ BULK_ROWS rows and at least the size of the tables), drop the
    secondary indexes of touches and tasks and return their definitions; rebuilt by `end_bulk` in the same
    transaction. Safe because one run at a time holds the scheduler lock and DDL is transactional: a run that
    dies rolls the drop back. Readers of touches and tasks wait for the run's commit meanwhile. On SQLite
    rebuilding costs as much as maintaining, so nothing is done."""
    if session.get_bind().dialect.name != "postgresql" or expected < BULK_ROWS:
        return []
    if expected < _table_rows(session, "touches") + _table_rows(session, "tasks"):
        return []
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
    connection.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    # a long report reading touches would make the drop wait and queue every reader behind it: give up the bulk
    # path after a few seconds and plan with the indexes in place instead
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
    definitions = []
    try:
        with session.begin_nested():
            for table in ("touches", "tasks"):
                for name, definition in _secondary_indexes(session, table):
                    session.connection().exec_driver_sql(f'DROP INDEX "{name}"')
                    definitions.append(definition)
    except OperationalError:
        definitions = []
    connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
    return definitions


def end_bulk(session: Session, definitions: list[str]) -> None:
    """Rebuild the indexes `begin_bulk` dropped."""
    connection = session.connection()
    for definition in definitions:
        connection.exec_driver_sql(definition)
