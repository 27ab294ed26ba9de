"""Demo extension: a few saved segments a member-center lead would keep, RFM scores and size history."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.auth.model import SYSTEM, Actor
from core.rfm.services import refresh
from core.segments.services import save_segment, snapshot_sizes
from db.models import User

DEMO_SEGMENTS: tuple[tuple[str, str, dict], ...] = (
    ("孕中期会员", "孕 14–27 周、尚未分娩的会员，用于孕中期宣教与产品推荐。",
     {"field": "pregnancy.week", "op": "between", "value": [14, 27]}),
    ("6–12岁儿童家庭", "家庭中有 6–12 岁儿童的会员（含决策人），用于儿保与开学季眼科复查。",
     {"field": "child.age_months", "op": "between", "value": [72, 155]}),
    ("半年未复诊的洁牙客户", "看过口腔科、但近 180 天没有口腔科就诊的会员，用于洁牙召回。",
     {"all": [{"field": "visits.department", "op": "=", "value": "dental"},
              {"not": {"field": "visits.department", "op": "=", "value": "dental", "within_days": 180}}]}),
    ("高价值私域会员", "私域会员中 RFM 为重要价值或忠诚的客户。",
     {"all": [{"field": "private_domain", "op": "=", "value": True},
              {"field": "rfm.segment", "op": "in", "value": ["champions", "loyal"]}]}),
    ("开学季儿童眼科复查", "家庭中有 6–15 岁儿童、且一年内看过眼科的会员。",
     {"all": [{"field": "child.age_months", "op": "between", "value": [72, 191]},
              {"field": "visits.department", "op": "=", "value": "ophthalmology", "within_days": 365}]}),
)
HISTORY_WEEKS = 4


def _lead(session: Session) -> Actor:
    with session.begin():
        row = session.execute(select(User.id, User.username, User.display_name)
                              .where(User.role == "lead").order_by(User.id).limit(1)).first()
    return Actor(row.id, row.username, row.display_name, "lead") if row else SYSTEM


def seed(engine: Engine, session_factory: sessionmaker[Session], *, seed: int, as_of: date) -> None:
    """Save the demo segments, compute RFM on as_of and record weekly sizes up to as_of."""
    with session_factory() as session:
        lead = _lead(session)
        for name, description, rule in DEMO_SEGMENTS:
            save_segment(session, lead, name=name, description=description, rule=rule)
        refresh(session, lead, as_of=as_of)
        for weeks in range(HISTORY_WEEKS - 1, -1, -1):
            snapshot_sizes(session, on_date=as_of - timedelta(weeks=weeks))
