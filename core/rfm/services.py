"""RFM use cases: refresh the scores of every member, read the R×F grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.clock import today
from core.rfm import queries
from core.segments.services import transaction
from db.models.segments import MemberRfm

READERS = ("lead", "admin", "product_manager")


@dataclass(frozen=True)
class RefreshResult:
    computed_on: date
    members: int
    cuts: dict[str, list[int]]


@dataclass(frozen=True)
class Cell:
    r: int
    f: int
    segment: str
    members: int
    monetary_cents: int

    @property
    def monetary_yuan(self) -> float:
        return self.monetary_cents / 100


@dataclass(frozen=True)
class SegmentTotal:
    segment: str
    members: int
    monetary_cents: int
    share: float  # of scored members


def by_segment(cells: list[Cell]) -> list[SegmentTotal]:
    """Members and spend per named cell, largest first, with the share of scored members."""
    totals: dict[str, list[int]] = {}
    for c in cells:
        entry = totals.setdefault(c.segment, [0, 0])
        entry[0] += c.members
        entry[1] += c.monetary_cents
    everyone = sum(v[0] for v in totals.values()) or 1
    return sorted((SegmentTotal(k, v[0], v[1], v[0] / everyone) for k, v in totals.items()),
                  key=lambda t: (-t.members, t.segment))


def cell_rule(r: int | None = None, f: int | None = None, segment: str | None = None) -> dict:
    """The segment rule selecting one R×F cell or one named cell."""
    if segment is not None:
        return {"field": "rfm.segment", "op": "=", "value": segment}
    return {"all": [{"field": "rfm.r", "op": "=", "value": r}, {"field": "rfm.f", "op": "=", "value": f}]}


def refresh(session: Session, actor: Actor, *, as_of: date | None = None) -> RefreshResult:
    """Recompute recency, frequency, monetary and their 1–5 scores for every member with a paid fact."""
    require_role(actor, "admin", "lead")
    as_of = as_of or today()
    with transaction(session):
        n = queries.build_aggregates(session, as_of)
        cuts = queries.cut_points(session, n) if n else {m: [0, 0, 0, 0] for m in queries.MEASURES}
        queries.write_scores(session, cuts, as_of)
        record(session, actor, "refresh", "rfm", None, {"computed_on": as_of, "members": n})
    return RefreshResult(as_of, n, cuts)


def grid(session: Session, actor: Actor) -> list[Cell]:
    """Members and spend in each R×F cell (cells without members are left out)."""
    require_role(actor, *READERS)
    with transaction(session):
        return [Cell(int(r), int(f), seg, int(n), int(cents or 0))
                for r, f, seg, n, cents in session.execute(queries.grid())]


def computed_on(session: Session, actor: Actor) -> date | None:
    """The date the stored scores were computed on (None before the first refresh)."""
    require_role(actor, *READERS)
    with transaction(session):
        return session.scalar(select(func.max(MemberRfm.computed_on)))
