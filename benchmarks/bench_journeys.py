"""Journey scheduling at scale: materialize N enrollments × the 27-step obstetrics journey, then a daily run.

    .venv/bin/python benchmarks/bench_journeys.py [--enrollments 200000] [--repeat 3] [--backend sqlite|postgresql]

PostgreSQL uses CARELOOP_TEST_DATABASE_URL (a server URL; a scratch database is created and dropped).
Prints the median of each measure beside the reference of issue 6 (materialize 5.4M rows < 30 s, daily run
< 5 s); it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, delete, func, insert, select, text, update  # noqa: E402

from core.journeys.scheduler import run  # noqa: E402
from core.journeys.senders import MemorySender  # noqa: E402
from core.journeys.templates import install  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Branch, Department, MaternityRecord, Member, User  # noqa: E402
from db.models.journeys import Enrollment, Journey, Task, Touch, TouchEvent  # noqa: E402

RUN_DAY = date(2026, 11, 23)
CHUNK = 20_000


class _Gateway:
    name = "bench"

    def send(self, messages, on):  # noqa: ANN001, ANN201
        return [m.touch_id for m in messages]


def _database(backend: str) -> tuple[str, callable]:
    if backend == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.db"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    server = os.environ.get("CARELOOP_TEST_DATABASE_URL", "").replace("postgresql://", "postgresql+psycopg://")
    if not server:
        raise SystemExit("set CARELOOP_TEST_DATABASE_URL for the PostgreSQL benchmark")
    name = f"careloop_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return server.rsplit("/", 1)[0] + f"/{name}", drop


def _load(Session, n: int) -> int:  # noqa: N803
    """n delivered members spread over a year, each enrolled early enough that all 27 steps are planned."""
    with Session() as s, s.begin():
        s.add(Branch(code="HQ", name="总院"))
        for code in ("obstetrics", "ophthalmology", "dental"):
            s.add(Department(code=code, name=code))
        s.flush()
        branch = s.scalar(select(Branch.id))
        s.execute(insert(User), [dict(username=f"adv{k}", display_name=f"adv{k}", role="advisor", branch_id=branch,
                                      password_hash="x", active=True, failed_logins=0, daily_capacity=40,
                                      created_at=datetime(2026, 1, 1)) for k in range(40)])
        journey_id = install(s, status="active")["obstetrics_27"]
        s.execute(update(Journey).where(Journey.id == journey_id).values(entry_audience=None, holdout_pct=0))
    for start in range(0, n, CHUNK):
        ids = range(start + 1, min(start + CHUNK, n) + 1)
        with Session() as s, s.begin():
            s.execute(insert(Member), [dict(id=i, external_id=f"B{i:07d}", name=f"会员{i}", gender="F",
                                            branch_id=1, sms_consent=i % 10 != 0, wecom_consent=i % 7 != 0,
                                            private_domain=True) for i in ids])
            s.execute(insert(MaternityRecord), [
                dict(member_id=i, expected_delivery_date=RUN_DAY + timedelta(days=i % 365 - 180),
                     delivery_date=RUN_DAY + timedelta(days=i % 365 - 180),
                     discharge_date=RUN_DAY + timedelta(days=i % 365 - 177)) for i in ids])
            s.execute(insert(Enrollment), [
                dict(journey_id=journey_id, member_id=i, enrolled_on=RUN_DAY + timedelta(days=i % 365 - 480),
                     source="bench", is_control=False) for i in ids])
    return journey_id


def _reset(Session) -> None:  # noqa: N803
    with Session() as s, s.begin():
        s.execute(delete(TouchEvent))
        s.execute(delete(Touch))
        s.execute(delete(Task))
        s.execute(update(Enrollment).values(anchor_key=None))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enrollments", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    url, drop = _database(args.backend)
    engine = make_engine(url)
    try:
        upgrade(engine)
        Session = make_session_factory(engine)  # noqa: N806
        started = time.perf_counter()
        _load(Session, args.enrollments)
        print(f"{args.backend}: loaded {args.enrollments:,} enrollments in {time.perf_counter() - started:.1f} s")
        materialize, daily = [], []
        rows = 0
        for k in range(args.repeat):
            if k:
                _reset(Session)
            t0, c0 = time.perf_counter(), time.process_time()
            first = run(Session, RUN_DAY, sender=_Gateway())
            materialize.append(time.perf_counter() - t0)
            cpu = time.process_time() - c0
            with Session() as s:
                rows = s.scalar(select(func.count()).select_from(Touch)) + s.scalar(
                    select(func.count()).select_from(Task))
            t0, c0 = time.perf_counter(), time.process_time()
            second = run(Session, RUN_DAY + timedelta(days=1), sender=MemorySender())
            daily.append(time.perf_counter() - t0)
            # on a shared machine wall time swells with the load; this process's CPU time (all of SQLite's work,
            # only the client's share on PostgreSQL) does much less
            print(f"  run {k + 1}: materialize {materialize[-1]:.1f} s, cpu {cpu:.1f} s ({first.line()}); "
                  f"daily {daily[-1]:.1f} s, cpu {time.process_time() - c0:.1f} s ({second.line()})")
        print(f"{args.backend}: {rows:,} touches+tasks for {args.enrollments:,} enrollments")
        print(f"{args.backend}: materialize median {statistics.median(materialize):.1f} s (reference < 30 s)")
        print(f"{args.backend}: daily run median {statistics.median(daily):.1f} s (reference < 5 s)")
    finally:
        engine.dispose()
        drop()


if __name__ == "__main__":
    main()
