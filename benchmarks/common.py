"""What the benchmark runner shares: the cached demo database per backend, medians, the result table."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from db.engine import make_engine, make_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
AS_OF = date(2026, 6, 15)    # the benchmarks' "today" (the same day bench_segments/bench_rfm/bench_kpis use)
SEED = 42
PG_SERVER = os.environ.get("CARELOOP_BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DATABASE = "careloop_bench"


@dataclass(frozen=True)
class Result:
    benchmark: str
    backend: str
    median_s: float
    reference_s: float | None = None
    reference: str = ""        # what the reference is: pandas, raw COPY, target, …


def median_seconds(fn: Callable[[], object], repeat: int, *, warm: bool = True) -> float:
    """The median wall time of `repeat` calls (after one untimed warm-up call when `warm`)."""
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """The median wall time in milliseconds of `repeat` warm calls."""
    return median_seconds(fn, repeat) * 1000


def _pg_url(name: str) -> str:
    server = PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1) if PG_SERVER.startswith(
        "postgresql://") else PG_SERVER
    return f"{server}/{name}"


def demo_url(backend: str, members: int) -> str:
    """Where the runner keeps the full demo group of `members` members for a backend."""
    if backend == "sqlite":
        return f"sqlite:///{CACHE / f'run_demo_{members}.db'}"
    return _pg_url(PG_DATABASE)


def _stamp_path(backend: str, members: int) -> Path:
    return CACHE / (f"run_demo_{members}.json" if backend == "sqlite" else f"run_demo_{PG_DATABASE}.json")


def _fresh_pg() -> None:
    admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()


def ensure_demo(backend: str, members: int) -> tuple[str, float]:
    """The URL of the cached full demo group (built when missing or of another size) and its build seconds."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stamp = _stamp_path(backend, members)
    url = demo_url(backend, members)
    if stamp.exists():
        built = json.loads(stamp.read_text(encoding="utf-8"))
        if built.get("members") == members and built.get("seed") == SEED:
            engine = make_engine(url)
            try:
                upgrade(engine)  # a cache built by an older release gets the newer migrations
            finally:
                engine.dispose()
            return url, built["seconds"]
    if backend == "postgresql":
        _fresh_pg()
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(url.split("///", 1)[1] + suffix).unlink(missing_ok=True)
    from core.demo.services import build_demo

    engine = make_engine(url)
    try:
        started = time.perf_counter()
        upgrade(engine)
        build_demo(engine, make_session_factory(engine), members=members, seed=SEED, as_of=AS_OF)
        seconds = time.perf_counter() - started
        if backend == "postgresql":
            # what autovacuum does on a live database: statistics and the visibility map
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    stamp.write_text(json.dumps({"members": members, "seed": SEED, "as_of": AS_OF.isoformat(),
                                 "seconds": round(seconds, 1)}), encoding="utf-8")
    return url, seconds


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def format_table(results: list[Result]) -> str:
    """One line per result: benchmark, backend, median, reference (and what it is), median/reference."""
    head = ("benchmark", "backend", "median", "reference", "ratio")
    rows = []
    for r in results:
        ref = "—" if r.reference_s is None else f"{_fmt(r.reference_s)} ({r.reference})"
        ratio = "—" if not r.reference_s else f"{r.median_s / r.reference_s:.2f}"
        rows.append((r.benchmark, r.backend, _fmt(r.median_s), ref, ratio))
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    for row in rows:
        lines.append("  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                                *(cell.rjust(w) for cell, w in zip(row[2:], widths[2:], strict=True))]))
    return "\n".join(lines)
