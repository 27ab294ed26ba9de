"""RFM refresh: SQL aggregates and quintile scores equal a plain-Python computation."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from core.auth.model import SYSTEM, Actor
from core.rfm import services
from core.rfm.model import cell_name, cut_points, score
from core.segments.services import count
from db.models import AuditLog, Member, Order, Visit
from db.models.segments import MemberRfm

AS_OF = date(2026, 6, 15)


def _seed(session, rng: random.Random) -> dict[int, list[tuple[date, int]]]:
    facts: dict[int, list[tuple[date, int]]] = {}
    seq = 0
    for i in range(1, 61):
        session.add(Member(id=i, external_id=f"M{i}", name=f"会员{i}"))
    session.flush()
    for i in range(1, 61):
        for _ in range(rng.choice([0, 1, 1, 2, 3, 6])):
            seq += 1
            d = AS_OF - timedelta(days=rng.randint(-10, 700))
            cents = rng.choice([0, 1000, 25_000, 99_900])
            session.add(Visit(id=seq, external_id=f"V{seq}", member_id=i, department_id=1, visit_date=d,
                              kind="outpatient", amount_cents=cents))
            if d <= AS_OF:
                facts.setdefault(i, []).append((d, cents))
        for _ in range(rng.choice([0, 0, 1, 2])):
            seq += 1
            d = AS_OF - timedelta(days=rng.randint(-10, 700))
            cents, status = rng.choice([5000, 120_000]), rng.choice(["paid", "paid", "refunded"])
            session.add(Order(id=seq, external_id=f"O{seq}", member_id=i, ordered_at=d, amount_cents=cents,
                              status=status, product_code="P"))
            if d <= AS_OF and status == "paid":
                facts.setdefault(i, []).append((d, cents))
    session.commit()
    return facts


def test_refresh_scores_every_member_with_paid_facts_like_plain_python(session):
    from tests.builders import make_department

    make_department(session, "obstetrics")
    facts = _seed(session, random.Random(3))
    result = services.refresh(session, SYSTEM, as_of=AS_OF)

    agg = {m: ((AS_OF - max(d for d, _ in fs)).days, len(fs), sum(c for _, c in fs)) for m, fs in facts.items()}
    cuts = [cut_points(sorted(v[k] for v in agg.values())) for k in range(3)]
    assert result.members == len(agg)
    assert result.cuts == {"recency_days": cuts[0], "frequency": cuts[1], "monetary_cents": cuts[2]}
    rows = {row.member_id: row for row in session.scalars(select(MemberRfm))}
    assert set(rows) == set(agg)
    for member, (recency, frequency, monetary) in agg.items():
        row = rows[member]
        r = score(recency, cuts[0], higher_is_better=False)
        f = score(frequency, cuts[1])
        m = score(monetary, cuts[2])
        assert (row.recency_days, row.frequency, row.monetary_cents) == (recency, frequency, monetary)
        assert (row.r, row.f, row.m, row.segment, row.computed_on) == (r, f, m, cell_name(r, f), AS_OF)
    assert session.scalar(select(AuditLog.action).where(AuditLog.entity == "rfm")) == "refresh"


def test_refresh_replaces_the_previous_scores_and_segments_can_use_them(session):
    from tests.builders import make_member, make_visit

    a, b = make_member(session), make_member(session)
    make_visit(session, a, AS_OF - timedelta(days=2), amount_cents=900_000)
    make_visit(session, a, AS_OF - timedelta(days=9), amount_cents=900_000)
    make_visit(session, b, AS_OF - timedelta(days=400), amount_cents=100)
    services.refresh(session, SYSTEM, as_of=AS_OF - timedelta(days=30))
    services.refresh(session, SYSTEM, as_of=AS_OF)
    assert {r.computed_on for r in session.scalars(select(MemberRfm))} == {AS_OF}
    lead = Actor(1, "lead1", "lead1", "lead")
    assert count(session, lead, {"field": "rfm.r", "op": "=", "value": 5}, as_of=AS_OF) == 1
    assert count(session, lead, {"field": "rfm.segment", "op": "=", "value": "hibernating"}, as_of=AS_OF) == 1
    cells = services.grid(session, lead)
    assert sum(c.members for c in cells) == 2 and sum(c.monetary_cents for c in cells) == 1_800_100


def test_refresh_without_any_fact_leaves_no_scores(session):
    assert services.refresh(session, SYSTEM, as_of=AS_OF).members == 0
    assert session.scalars(select(MemberRfm)).all() == []
