"""Member search and 360° profile on a large demo database: medians beside the 200 ms target.

Usage: python benchmarks/bench_profile.py --url sqlite:///benchmarks/.cache/demo_1000000.db [--repeat 7]
(build the database first with `careloop demo --members 1000000`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from benchmarks.common import median_ms  # noqa: E402
from core.auth.model import Actor
from core.members.services import member_profile, search_members
from core.settings import normalize_database_url
from db.engine import make_engine, make_session_factory
from db.models import Member

TARGET_MS = 200.0



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    engine = make_engine(normalize_database_url(args.url))
    Session = make_session_factory(engine)
    lead = Actor(2, "lead", "lead", "lead")
    with Session() as s:
        sample = s.execute(select(Member.id, Member.external_id, Member.name, Member.phone_tail)
                           .where(Member.id == 123_457)).one()
    cases = {
        "search by member id": lambda: search_members(Session(), lead, sample.external_id),
        "search by phone tail": lambda: search_members(Session(), lead, sample.phone_tail),
        "search by name prefix": lambda: search_members(Session(), lead, sample.name[:2]),
        "open 360° profile": lambda: member_profile(Session(), lead, sample.id),
    }
    print(f"{'case':28} {'median ms':>10} {'target ms':>10}  backend={engine.dialect.name}")
    for name, fn in cases.items():
        print(f"{name:28} {median_ms(fn, args.repeat):10.1f} {TARGET_MS:10.0f}")


if __name__ == "__main__":
    main()
