"""The demo extension saves the example segments, scores RFM and draws a size history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.segments.demo import DEMO_SEGMENTS, HISTORY_WEEKS, seed
from db.models.segments import MemberRfm, Segment, SegmentSize
from tests.builders import make_member, make_user, make_visit


def test_demo_seed_saves_segments_scores_rfm_and_records_sizes(engine, Session):
    with Session() as s:
        make_user(s, "lead", "lead")
        for i in range(5):
            make_visit(s, make_member(s), date(2026, 5, 1 + i), department="dental")
    seed(engine, Session, seed=42, as_of=date(2026, 6, 15))
    with Session() as s:
        assert s.scalars(select(Segment.name).order_by(Segment.id)).all() == [n for n, _, _ in DEMO_SEGMENTS]
        assert s.scalar(select(func.count()).select_from(MemberRfm)) == 5
        assert s.scalar(select(func.count()).select_from(SegmentSize)) == HISTORY_WEEKS * len(DEMO_SEGMENTS)
        assert set(s.scalars(select(Segment.created_by))) == {"lead"}
