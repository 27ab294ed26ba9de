"""Time `careloop import` of generated HIS files beside a raw executemany/COPY reference.

    .venv/bin/python benchmarks/bench_import.py [--members 1000000] [--visits 5000000] [--repeat 3]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench]

Files are generated once into benchmarks/.cache/. Each repeat runs on a freshly migrated database
(a SQLite file under the cache, or the given PostgreSQL database, which is dropped and re-created).
Each import runs in its own child process, so the peak resident memory printed is that import's.
The target in issue 3 is < 3 minutes and < 2 GB for 1M members or 5M visits on a 2-core machine.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from core.auth.model import SYSTEM  # noqa: E402
from core.imports.services import import_file  # noqa: E402
from core.settings import normalize_database_url  # noqa: E402
from db.engine import is_postgres, make_engine, make_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Branch, Department  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
DEPARTMENTS = ("obstetrics", "pediatrics", "dental", "ophthalmology", "gynecology", "aesthetics")
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"


def members_csv(n: int) -> Path:
    path = CACHE / f"members_{n}.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(7)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "name", "gender", "birth_date", "phone", "city", "branch", "source_channel",
                    "joined_at", "private_domain", "sms_consent", "wecom_consent"])
        for i in range(n):
            birth = date(1960, 1, 1) + timedelta(days=rnd.randrange(20000))
            w.writerow([f"M{i:08d}", rnd.choice(SURNAMES) + "某", rnd.choice("FM"), birth.isoformat(),
                        f"13{rnd.randrange(10**9):09d}", "上海", rnd.choice(("HQ", "PD", "XH")), "his",
                        "2024-01-01", rnd.choice("01"), "1", rnd.choice("01")])
    return path


def visits_csv(n: int, members: int) -> Path:
    path = CACHE / f"visits_{n}_{members}.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(11)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "member_external_id", "visit_date", "branch", "department", "kind", "amount"])
        for i in range(n):
            w.writerow([f"V{i:09d}", f"M{rnd.randrange(members):08d}",
                        (date(2024, 1, 1) + timedelta(days=rnd.randrange(700))).isoformat(),
                        rnd.choice(("HQ", "PD", "XH")), rnd.choice(DEPARTMENTS), "outpatient",
                        f"{rnd.randrange(100, 500000) / 100:.2f}"])
    return path


def fresh_engine(url: str | None):  # noqa: ANN201
    if url is None:
        path = CACHE / "bench_import.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
    else:
        url = normalize_database_url(url)
        base, _, name = url.rpartition("/")
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(Branch), [{"code": c, "name": c} for c in ("HQ", "PD", "XH")])
        conn.execute(insert(Department), [{"code": d, "name": d} for d in DEPARTMENTS])
    return engine


def _import_in_child(url: str, kind: str, path: Path, out) -> None:  # noqa: ANN001
    engine = make_engine(url)
    Session = make_session_factory(engine)  # noqa: N806
    start, cpu = time.perf_counter(), time.process_time()
    with Session() as s:
        result = import_file(s, SYSTEM, kind, path, max_mb=10_000, max_rows=100_000_000)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.send((elapsed, time.process_time() - cpu, peak_mb, result.summary()))
    engine.dispose()


def timed_import(engine, kind: str, path: Path) -> tuple[float, float]:  # noqa: ANN001
    """(wall seconds, peak resident MB) of one import, run in a fresh child process."""
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_import_in_child, args=(url, kind, path, send))
    child.start()
    elapsed, cpu, peak_mb, summary = receive.recv()
    child.join()
    # on a shared machine the CPU seconds of the importing process tell more than the wall clock
    print(f"    {kind}: {elapsed:7.1f} s wall, {cpu:7.1f} s CPU in the importing process, "
          f"peak RSS {peak_mb:6.0f} MB  ({summary})", flush=True)
    return elapsed, peak_mb


def reference(engine, path: Path, table: str) -> float:  # noqa: ANN001
    """Raw load of the same file without validation: executemany on SQLite, COPY on PostgreSQL."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        with open(path, encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        conn.exec_driver_sql(f"CREATE TABLE {table} ({', '.join(h + ' TEXT' for h in header)})")
    start = time.perf_counter()
    with engine.begin() as conn, open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        dbapi = conn.connection.dbapi_connection
        if is_postgres(engine):
            with dbapi.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as cp:
                for row in reader:
                    cp.write_row(row)
        else:
            marks = ", ".join("?" * len(header))
            # table is one of this script's two constant names
            dbapi.cursor().executemany(f"INSERT INTO {table} VALUES ({marks})", reader)  # noqa: S608
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--visits", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database-url", default=None, help="PostgreSQL URL of a scratch database (dropped!)")
    args = ap.parse_args()
    m_path = members_csv(args.members)
    v_path = visits_csv(args.visits, args.members) if args.visits else None
    backend = "postgresql" if args.database_url else "sqlite"
    runs: dict[str, list[float]] = {"members": [], "again": [], "visits": [], "ref_members": [], "ref_visits": []}
    peaks: dict[str, float] = {"members": 0.0, "again": 0.0, "visits": 0.0}
    for i in range(args.repeat):
        print(f"run {i + 1}/{args.repeat} on {backend}", flush=True)
        engine = fresh_engine(args.database_url)
        steps = [("members", "members", m_path), ("again", "members", m_path)]
        if v_path:
            steps.append(("visits", "visits", v_path))
        for name, kind, path in steps:
            elapsed, peak = timed_import(engine, kind, path)
            runs[name].append(elapsed)
            peaks[name] = max(peaks[name], peak)
        runs["ref_members"].append(reference(engine, m_path, "bench_ref_members"))
        if v_path:
            runs["ref_visits"].append(reference(engine, v_path, "bench_ref_visits"))
        engine.dispose()
    print(f"\nmedian of {args.repeat} on {backend} (target < 180 s and < 2048 MB each):")
    print(f"  import {args.members:>10,} members  {statistics.median(runs['members']):7.1f} s"
          f"   raw reference {statistics.median(runs['ref_members']):7.1f} s   peak RSS {peaks['members']:6.0f} MB")
    print(f"  re-import same members     {statistics.median(runs['again']):7.1f} s   (all unchanged)"
          f"   peak RSS {peaks['again']:6.0f} MB")
    if v_path:
        print(f"  import {args.visits:>10,} visits   {statistics.median(runs['visits']):7.1f} s"
              f"   raw reference {statistics.median(runs['ref_visits']):7.1f} s   peak RSS {peaks['visits']:6.0f} MB")


if __name__ == "__main__":
    main()
