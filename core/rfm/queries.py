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
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from core.rfm.model import cells, cut_ranks
from db.models import Order, Visit
from db.models.segments import MemberRfm

AGG = table("rfm_agg", column("member_id"), column("recency_days"), column("frequency"), column("monetary_cents"))
MEASURES = ("recency_days", "frequency", "monetary_cents")


def _days_since(session: Session, as_of: date, last) -> ColumnElement[int]:  # noqa: ANN001
    if session.bind.dialect.name == "postgresql":
        return cast(literal(as_of) - last, Integer)
    return cast(func.julianday(literal(as_of.isoformat())) - func.julianday(last), Integer)


def aggregate(session: Session, as_of: date) -> Select:
    """Per member with a fact up to as_of: days since the last, the count, and the cents summed.

    Each table is aggregated on its covering (member_id, date, …) index first, then the two
    per-member rows are merged, so only one row per member and table is ever sorted or hashed.
    """
    visits = (select(Visit.member_id.label("member_id"), func.max(Visit.visit_date).label("last"),
                     func.count().label("n"), func.sum(Visit.amount_cents).label("cents"))
              .where(Visit.visit_date <= as_of).group_by(Visit.member_id))
    orders = (select(Order.member_id.label("member_id"), func.max(Order.ordered_at).label("last"),
                     func.count().label("n"), func.sum(Order.amount_cents).label("cents"))
              .where(Order.status == "paid", Order.ordered_at <= as_of).group_by(Order.member_id))
    both = union_all(visits, orders).subquery("facts")
    return (select(both.c.member_id, _days_since(session, as_of, func.max(both.c.last)).label("recency_days"),
                   cast(func.sum(both.c.n), Integer).label("frequency"),
                   func.sum(both.c.cents).label("monetary_cents"))
            .group_by(both.c.member_id))


def build_aggregates(session: Session, as_of: date) -> int:
    """Fill the temporary table rfm_agg; returns how many members have facts."""
    session.execute(text("DROP TABLE IF EXISTS rfm_agg"))
    session.execute(text("CREATE TEMPORARY TABLE rfm_agg (member_id BIGINT, recency_days INTEGER, "
                         "frequency INTEGER, monetary_cents BIGINT)"))
    session.execute(insert(AGG).from_select(["member_id", *MEASURES], aggregate(session, as_of)))
    return int(session.scalar(select(func.count()).select_from(AGG)) or 0)


def cut_points(session: Session, n: int) -> dict[str, list[int]]:
    """The four quintile cut points of each measure (values at ranks ⌈n·i/5⌉).

    Selecting k-th values of three integer columns is a partial sort in numpy: a window
    function per measure costs seconds on SQLite at a million rows, the fetch under one.
    """
    ranks = np.array(cut_ranks(n)) - 1
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT recency_days, frequency, monetary_cents FROM rfm_agg")
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
    scored = select(
        AGG.c.member_id, AGG.c.recency_days, AGG.c.frequency, AGG.c.monetary_cents,
        _score(AGG.c.recency_days, cuts["recency_days"], higher_is_better=False).label("r"),
        _score(AGG.c.frequency, cuts["frequency"], higher_is_better=True).label("f"),
        _score(AGG.c.monetary_cents, cuts["monetary_cents"], higher_is_better=True).label("m"),
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
    session.execute(text("DROP TABLE rfm_agg"))
    if session.bind.dialect.name == "postgresql":
        session.execute(text("ANALYZE member_rfm"))  # fresh statistics for the planner of segment counts


def grid() -> Select:
    """Members and spend per R×F cell, with the cell's name."""
    return (select(MemberRfm.r, MemberRfm.f, MemberRfm.segment, func.count().label("members"),
                   func.sum(MemberRfm.monetary_cents).label("monetary_cents"))
            .group_by(MemberRfm.r, MemberRfm.f, MemberRfm.segment))
