"""Set-based RFM SQL: per-member aggregates of paid facts, quintile cut points, scored rows."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import (
    Integer,
    Select,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from core.rfm.model import cells, cut_ranks
from db.models import Order, Visit
from db.models.segments import MemberRfm

FACTS = table("rfm_facts", column("member_id"), column("recency_days"), column("frequency"), column("monetary_cents"))
MEASURES = ("recency_days", "frequency", "monetary_cents")


def _days_since(session: Session, as_of: date, last) -> ColumnElement[int]:  # noqa: ANN001
    if session.bind.dialect.name == "postgresql":
        return cast(literal(as_of) - last, Integer)
    return cast(func.julianday(literal(as_of.isoformat())) - func.julianday(last), Integer)


def _visits(session: Session, as_of: date) -> Select:
    return (select(Visit.member_id, _days_since(session, as_of, func.max(Visit.visit_date)), func.count(),
                   func.sum(Visit.amount_cents))
            .where(Visit.visit_date <= as_of).group_by(Visit.member_id))


def _orders(session: Session, as_of: date) -> Select:
    return (select(Order.member_id, _days_since(session, as_of, func.max(Order.ordered_at)), func.count(),
                   func.sum(Order.amount_cents))
            .where(Order.status == "paid", Order.ordered_at <= as_of).group_by(Order.member_id))


def build_aggregates(session: Session, as_of: date) -> int:
    """Fill the temporary table rfm_facts (days since the last paid fact, count, cents per member); returns its rows.

    Each fact table is aggregated in member order off its covering (member_id, date, …) index; the two
    per-member streams are then merged, never re-grouped (a UNION of both, grouped again, costs twice as
    much). PostgreSQL merges them with a FULL JOIN (a merge join of two sorted streams); SQLite, which has
    no merge join, writes the visits straight into the table's rowid and upserts the paid orders.
    """
    postgres = session.bind.dialect.name == "postgresql"
    session.execute(text("DROP TABLE IF EXISTS rfm_facts"))
    columns = ["member_id", *MEASURES]
    if postgres:
        session.execute(text("CREATE TEMPORARY TABLE rfm_facts (member_id BIGINT, recency_days INTEGER, "
                             "frequency INTEGER, monetary_cents BIGINT)"))
        v, o = _visits(session, as_of).subquery("v"), _orders(session, as_of).subquery("o")
        merged = select(
            func.coalesce(v.c[0], o.c[0]), func.least(v.c[1], o.c[1]),
            func.coalesce(v.c[2], 0) + func.coalesce(o.c[2], 0), func.coalesce(v.c[3], 0) + func.coalesce(o.c[3], 0),
        ).select_from(v.join(o, v.c[0] == o.c[0], full=True))
        session.execute(insert(FACTS).from_select(columns, merged))
        session.execute(text("ANALYZE rfm_facts"))
    else:
        session.execute(text("CREATE TEMPORARY TABLE rfm_facts (member_id INTEGER PRIMARY KEY, "
                             "recency_days INTEGER, frequency INTEGER, monetary_cents BIGINT)"))
        session.execute(insert(FACTS).from_select(columns, _visits(session, as_of)))
        merge = sqlite_insert(FACTS).from_select(columns, _orders(session, as_of))
        session.execute(merge.on_conflict_do_update(index_elements=[FACTS.c.member_id], set_={
            "recency_days": func.min(FACTS.c.recency_days, merge.excluded.recency_days),
            "frequency": FACTS.c.frequency + merge.excluded.frequency,
            "monetary_cents": FACTS.c.monetary_cents + merge.excluded.monetary_cents,
        }))
    return int(session.scalar(select(func.count()).select_from(FACTS)) or 0)


def cut_points(session: Session, n: int) -> dict[str, list[int]]:
    """The four quintile cut points of each measure (values at ranks ⌈n·i/5⌉).

    Selecting k-th values of three integer columns is a partial sort in numpy: a window
    function per measure costs seconds on SQLite at a million rows, the fetch under one.
    """
    ranks = np.array(cut_ranks(n)) - 1
    # the driver's cursor: SQLAlchemy's row objects cost 5× the fetch itself at a million rows
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT recency_days, frequency, monetary_cents FROM rfm_facts")
        values = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, len(MEASURES))
    finally:
        cursor.close()
    out: dict[str, list[int]] = {}
    for i, name in enumerate(MEASURES):
        column = np.partition(values[:, i], ranks)
        out[name] = [int(column[k]) for k in ranks]
    return out


def _score(col, cuts: list[int], *, higher_is_better: bool) -> ColumnElement[int]:  # noqa: ANN001
    above = sum((case((col > c, 1), else_=0) for c in cuts), literal(0))
    return (1 + above) if higher_is_better else (5 - above)


def write_scores(session: Session, cuts: dict[str, list[int]], as_of: date) -> None:
    """Replace member_rfm with the aggregates, their scores and named cells."""
    agg = FACTS
    scored = select(
        agg.c.member_id, agg.c.recency_days, agg.c.frequency, agg.c.monetary_cents,
        _score(agg.c.recency_days, cuts["recency_days"], higher_is_better=False).label("r"),
        _score(agg.c.frequency, cuts["frequency"], higher_is_better=True).label("f"),
        _score(agg.c.monetary_cents, cuts["monetary_cents"], higher_is_better=True).label("m"),
    ).subquery("scored")
    # CASE r WHEN … THEN CASE f WHEN … : each score is computed once per row, not once per cell
    by_r: dict[int, dict[int, str]] = {}
    for r, f, name in cells():
        by_r.setdefault(r, {})[f] = name
    segment = case({r: case(by_f, value=scored.c.f) for r, by_f in by_r.items()}, value=scored.c.r)
    rows = select(scored.c.member_id, scored.c.recency_days, scored.c.frequency, scored.c.monetary_cents,
                  scored.c.r, scored.c.f, scored.c.m, segment, literal(as_of))
    connection = session.connection()
    indexes = list(MemberRfm.__table__.indexes)
    if connection.dialect.name == "postgresql":
        session.execute(text("TRUNCATE member_rfm"))
    else:
        session.execute(delete(MemberRfm))
    for index in indexes:  # rebuilding an index after a bulk insert is far cheaper than maintaining it
        index.drop(connection)
    session.execute(insert(MemberRfm).from_select(
        ["member_id", "recency_days", "frequency", "monetary_cents", "r", "f", "m", "segment", "computed_on"], rows))
    for index in indexes:
        index.create(connection)
    session.execute(text("DROP TABLE rfm_facts"))
    if session.bind.dialect.name == "postgresql":
        session.execute(text("ANALYZE member_rfm"))  # fresh statistics for the planner of segment counts


def grid() -> Select:
    """Members and spend per R×F cell, with the cell's name."""
    return (select(MemberRfm.r, MemberRfm.f, MemberRfm.segment, func.count().label("members"),
                   func.sum(MemberRfm.monetary_cents).label("monetary_cents"))
            .group_by(MemberRfm.r, MemberRfm.f, MemberRfm.segment))
