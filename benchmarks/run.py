"""One benchmark run: build the demo group once per backend (cached), time every benchmark, print one table.

    .venv/bin/python -m benchmarks.run [--members 1000000] [--backend sqlite|postgresql|both] [--repeat 3]
        [--only demo,segments,rfm,kpis,pricing,journeys,import]

The demo group (`careloop demo`'s generator with every context's extension, seed 42, as of 2026-06-15)
is built once per backend and size: benchmarks/.cache/run_demo_<members>.db for SQLite, the database
`careloop_bench` on the local PostgreSQL (server from CARELOOP_BENCH_PG_SERVER, default
postgresql://postgres@127.0.0.1:5432). Segments, RFM, KPI pages and the price quote are timed on it;
the import and journey benchmarks build their own scratch databases (import: N members and 5N visits;
journeys: N/5 enrollments × the 27-step obstetrics SOP, i.e. 5.4M touches and tasks for 1M members).
Every figure is the median of `--repeat` warm runs beside its reference: pandas on preloaded frames
(segments, RFM), a raw executemany/COPY (imports), or the target of the issue (pages, quote, journeys).
It asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable

from benchmarks.common import AS_OF, ROOT, Result, ensure_demo, format_table, median_seconds

BENCHMARKS = ("demo", "segments", "rfm", "kpis", "pricing", "journeys", "import")
PAGE_TARGET_S = 2.0
QUOTE_TARGET_S = 0.050


def _stderr(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def bench_segments(backend: str, url: str, members: int, repeat: int) -> list[Result]:
    """Each saved-rule shape of bench_segments: one SQL count vs the same filter in pandas over loaded frames."""
    from benchmarks.bench_segments import RULES, load_frames, pandas_filters
    from core.auth.model import SYSTEM
    from core.segments.services import count
    from db.engine import make_engine, make_session_factory

    frames = load_frames(url)
    by_pandas = pandas_filters(frames)
    engine = make_engine(url)
    results = []
    try:
        with make_session_factory(engine)() as session:
            for name, rule in RULES.items():
                sql_s = median_seconds(lambda rule=rule: count(session, SYSTEM, rule, as_of=AS_OF), repeat)
                pd_s = median_seconds(by_pandas[name], repeat)
                results.append(Result(f"segment count: {name}", backend, sql_s, pd_s, "pandas"))
    finally:
        engine.dispose()
    return results


def bench_rfm(backend: str, url: str, members: int, repeat: int) -> list[Result]:
    """RFM refresh of every member (written to member_rfm) vs the same scores in pandas over loaded frames."""
    import pandas as pd
    from sqlalchemy import text

    from benchmarks.bench_rfm import pandas_rfm
    from core.auth.model import SYSTEM
    from core.rfm.services import refresh
    from db.engine import make_engine, make_session_factory

    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    try:
        def sql() -> None:
            with session_factory() as s:
                refresh(s, SYSTEM, as_of=AS_OF)

        sql_s = median_seconds(sql, repeat, warm=False)
        with engine.connect() as conn:
            visits = pd.read_sql(text("SELECT member_id, visit_date AS d, amount_cents AS cents FROM visits "
                                      "WHERE visit_date <= :d"), conn, params={"d": AS_OF})
            orders = pd.read_sql(text("SELECT member_id, ordered_at AS d, amount_cents AS cents FROM orders "
                                      "WHERE status = 'paid' AND ordered_at <= :d"), conn, params={"d": AS_OF})
        visits["d"] = pd.to_datetime(visits["d"])
        orders["d"] = pd.to_datetime(orders["d"])
        pd_s = median_seconds(lambda: pandas_rfm(visits, orders), repeat, warm=False)
    finally:
        engine.dispose()
    return [Result("RFM refresh", backend, sql_s, pd_s, "pandas")]


def bench_kpis(backend: str, url: str, members: int, repeat: int) -> list[Result]:
    """Every KPI dashboard's service call (30 days and a year) beside the 2 s page target."""
    from benchmarks import bench_kpis
    from db.engine import make_engine, make_session_factory

    engine = make_engine(url)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            measured = bench_kpis.measurements(make_session_factory(engine), repeat)
    finally:
        engine.dispose()
    raw = measured.get("raw reach by channel, a year (reference)")
    results = []
    for name, ms in measured.items():
        if name.startswith("raw reach"):
            continue
        if name.startswith("rollup"):
            results.append(Result(f"KPI {name}", backend, ms / 1000))
        elif name == "reach page, year" and raw:
            results.append(Result(f"KPI {name}", backend, ms / 1000, raw / 1000, "raw touches"))
        else:
            results.append(Result(f"KPI {name}", backend, ms / 1000, PAGE_TARGET_S, "target"))
    return results


def bench_pricing(backend: str, url: str, members: int, repeat: int) -> list[Result]:
    """A saved-catalogue price quote through the service (member wallet + promotions + optimizer)."""
    from sqlalchemy import select

    from benchmarks.bench_pricing import DAY
    from core.auth.model import SYSTEM
    from core.pricing.services import quote
    from db.engine import make_engine, make_session_factory
    from db.models.products import MemberCoupon, Product

    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    try:
        with session_factory() as s:
            codes = list(s.scalars(select(Product.code).where(Product.status == "published")
                                   .order_by(Product.code)))[:10]
            member = s.scalar(select(MemberCoupon.member_id).order_by(MemberCoupon.member_id))
        if not codes or member is None:
            return []

        def one() -> None:
            with session_factory() as s:
                quote(s, SYSTEM, member_id=member, product_codes=codes, channel="meituan", on_date=DAY, points=2_000)

        quote_s = median_seconds(one, max(repeat, 5))
    finally:
        engine.dispose()
    return [Result(f"price quote, {len(codes)} products", backend, quote_s, QUOTE_TARGET_S, "target")]


def _script(args: list[str], env: dict | None = None) -> str:
    _stderr("$", " ".join(args))
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True)
    sys.stderr.write(done.stdout)
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        raise RuntimeError(f"{args[0]} exited with {done.returncode}")
    return done.stdout


def _seconds(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None


def bench_journeys(backend: str, url: str, members: int, repeat: int) -> list[Result]:
    """Materializing N/5 enrollments × 27 steps, then the next day's run (benchmarks/bench_journeys.py)."""
    from benchmarks.common import PG_SERVER

    enrollments = max(members // 5, 100)
    env = {"CARELOOP_TEST_DATABASE_URL": f"{PG_SERVER}/postgres"} if backend == "postgresql" else {}
    out = _script(["benchmarks/bench_journeys.py", "--backend", backend, "--enrollments", str(enrollments),
                   "--repeat", str(repeat)], env)
    rows = _seconds(r"([\d,]+) touches\+tasks", out.replace(",", "")) if "touches+tasks" in out else None
    label = f"{int(rows):,} touches+tasks" if rows else f"{enrollments:,} enrollments"
    results = []
    materialize = _seconds(r"materialize median ([\d.]+) s", out)
    daily = _seconds(r"daily run median ([\d.]+) s", out)
    if materialize is not None:
        results.append(Result(f"journey materialization, {label}", backend, materialize, 30.0, "target"))
    if daily is not None:
        results.append(Result("journey daily run", backend, daily, 5.0, "target"))
    return results


def bench_import(backend: str, url: str, members: int, repeat: int) -> list[Result]:
    """`careloop import` of N members and 5N visits vs a raw executemany/COPY (benchmarks/bench_import.py)."""
    from benchmarks.common import PG_SERVER

    args = ["benchmarks/bench_import.py", "--members", str(members), "--visits", str(members * 5),
            "--repeat", str(repeat)]
    if backend == "postgresql":
        args += ["--database-url", f"{PG_SERVER}/careloop_bench_import"]
    out = _script(args)
    results = []
    for kind in ("members", "visits"):
        match = re.search(rf"import\s+([\d,]+) {kind}\s+([\d.]+) s\s+raw reference\s+([\d.]+) s", out)
        if match:
            results.append(Result(f"import {match.group(1)} {kind}", backend, float(match.group(2)),
                                  float(match.group(3)), "raw load"))
    again = _seconds(r"re-import same members\s+([\d.]+) s", out)
    if again is not None:
        results.append(Result("re-import of unchanged members", backend, again))
    return results


RUNNERS: dict[str, Callable[[str, str, int, int], list[Result]]] = {
    "segments": bench_segments, "rfm": bench_rfm, "kpis": bench_kpis, "pricing": bench_pricing,
    "journeys": bench_journeys, "import": bench_import,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results: list[Result] = []
    started = time.perf_counter()
    for backend in backends:
        needs_demo = any(name in chosen for name in ("demo", "segments", "rfm", "kpis", "pricing"))
        url = ""
        if needs_demo:
            _stderr(f"[{backend}] demo group of {args.members:,} members (built once, then cached)")
            url, build_s = ensure_demo(backend, args.members)
            if "demo" in chosen:
                results.append(Result(f"demo build, {args.members:,} members", backend, build_s))
        for name in chosen:
            if name == "demo":
                continue
            _stderr(f"[{backend}] {name}")
            try:
                results.extend(RUNNERS[name](backend, url, args.members, args.repeat))
            except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
                _stderr(f"[{backend}] {name} failed: {exc}")
    print(f"\nCareLoop benchmarks: {args.members:,} members, median of {args.repeat} warm runs, "
          f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{time.perf_counter() - started:.0f} s in all")
    print(format_table(results))


if __name__ == "__main__":
    main()
