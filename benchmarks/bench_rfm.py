"""RFM refresh on the demo group: set-based SQL vs the same computation in pandas on preloaded frames.

    .venv/bin/python benchmarks/bench_rfm.py --members 1000000 [--backend sqlite|postgresql|both]

Uses the databases benchmarks/bench_segments.py builds (and builds them when missing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import text  # noqa: E402

from benchmarks.bench_segments import AS_OF, ensure_database  # noqa: E402
from core.auth.model import SYSTEM  # noqa: E402
from core.rfm.model import cut_ranks  # noqa: E402
from core.rfm.services import refresh  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402


def pandas_rfm(visits: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Recency, frequency, monetary and the same cut-point scores, in pandas."""
    facts = pd.concat([visits, orders], ignore_index=True)
    agg = facts.groupby("member_id").agg(last=("d", "max"), frequency=("d", "size"), monetary=("cents", "sum"))
    agg["recency"] = (pd.Timestamp(AS_OF) - agg["last"]).dt.days
    ranks = np.array(cut_ranks(len(agg))) - 1
    for col, higher in (("recency", False), ("frequency", True), ("monetary", True)):
        cuts = np.sort(agg[col].to_numpy())[ranks]
        above = np.searchsorted(cuts, agg[col].to_numpy(), side="left")
        agg[col[0]] = 1 + above if higher else 5 - above
    return agg


def run(backend: str, members: int, repeat: int) -> None:
    url = ensure_database(backend, members)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    times, result = [], None
    for _ in range(repeat):
        with session_factory() as s:
            started = time.perf_counter()
            result = refresh(s, SYSTEM, as_of=AS_OF)
            times.append(time.perf_counter() - started)
    with engine.connect() as conn:
        visits = pd.read_sql(text("SELECT member_id, visit_date AS d, amount_cents AS cents FROM visits "
                                  "WHERE visit_date <= :d"), conn, params={"d": AS_OF})
        orders = pd.read_sql(text("SELECT member_id, ordered_at AS d, amount_cents AS cents FROM orders "
                                  "WHERE status = 'paid' AND ordered_at <= :d"), conn, params={"d": AS_OF})
    visits["d"] = pd.to_datetime(visits["d"])
    orders["d"] = pd.to_datetime(orders["d"])
    pd_times = []
    for _ in range(repeat):
        started = time.perf_counter()
        frame = pandas_rfm(visits, orders)
        pd_times.append(time.perf_counter() - started)
    sql_s, pd_s = statistics.median(times), statistics.median(pd_times)
    print(f"[{backend}] {members:,} members, {len(visits) + len(orders):,} paid facts; {result.members:,} scored "
          f"(pandas: {len(frame):,})")
    print(f"  SQL refresh (aggregate, cut points, write member_rfm): median {sql_s:.2f} s of {repeat}")
    print(f"  pandas on preloaded frames (aggregate + scores, nothing written): median {pd_s:.2f} s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args.members, args.repeat)


if __name__ == "__main__":
    main()
