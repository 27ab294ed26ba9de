"""Segment counts on the demo group: one SQL statement per rule vs pandas on frames already in memory.

    .venv/bin/python benchmarks/bench_segments.py --members 1000000 [--backend sqlite|postgresql|both]

The demo data (base generator only, as of 2026-06-15) is built once per backend into
benchmarks/.cache/ (SQLite) or the PostgreSQL database named by CARELOOP_BENCH_PG_URL, then RFM is
refreshed so rfm.* fields have data. Each rule is counted `--repeat` times warm; the median is printed
beside the median of the same filter written in pandas over preloaded frames, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from benchmarks.common import median_ms  # noqa: E402
from core.auth.model import SYSTEM  # noqa: E402
from core.segments.services import count  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Member  # noqa: E402

AS_OF = date(2026, 6, 15)
CACHE = ROOT / "benchmarks" / ".cache"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/careloop_bench"

RULES: dict[str, dict] = {
    "women 25–40, dental in a year, WeCom consent": {"all": [
        {"field": "gender", "op": "=", "value": "F"},
        {"field": "age", "op": "between", "value": [25, 40]},
        {"field": "visits.department", "op": "=", "value": "dental", "within_days": 365},
        {"field": "consent.wecom", "op": "=", "value": True}]},
    "mid-pregnancy private-domain VIP in 上海": {"all": [
        {"field": "pregnancy.week", "op": "between", "value": [14, 27]},
        {"field": "private_domain", "op": "=", "value": True},
        {"field": "tag", "op": "in", "value": ["VIP", "高端客户"]},
        {"field": "city", "op": "=", "value": "上海"}]},
    "dental, not back in 180 days, adult, HQ": {"all": [
        {"field": "visits.department", "op": "=", "value": "dental"},
        {"not": {"field": "visits.department", "op": "=", "value": "dental", "within_days": 180}},
        {"field": "age", "op": ">=", "value": 18},
        {"field": "branch", "op": "=", "value": "HQ"}]},
    "champions/loyal women, ≥2 visits in a year, WeCom or referral": {"all": [
        {"field": "rfm.segment", "op": "in", "value": ["champions", "loyal"]},
        {"field": "visits.count", "op": ">=", "value": 2, "within_days": 365},
        {"field": "gender", "op": "=", "value": "F"},
        {"field": "source_channel", "op": "in", "value": ["wecom", "referral"]}]},
}


def database_url(backend: str, members: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{CACHE / f'demo_{members}.db'}"
    base = os.environ.get("CARELOOP_BENCH_PG_URL", PG_DEFAULT)
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base[len("postgresql://"):]
    return f"{base}_{members}"


def ensure_database(backend: str, members: int) -> str:
    """The URL of a database holding the demo group (built on first use, with RFM refreshed)."""
    url = database_url(backend, members)
    if backend == "postgresql":
        admin_url, _, name = url.rpartition("/")
        admin = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    session_factory = make_session_factory(engine)
    with session_factory() as s:
        have = s.scalar(select(func.count()).select_from(Member))
    if not have:
        import core.demo.services as demo_services
        from core.rfm.services import refresh

        demo_services.EXTENSIONS = ()  # the base group only; other contexts are not measured here
        started = time.perf_counter()
        demo_services.build_demo(engine, session_factory, members=members, seed=42, as_of=AS_OF)
        print(f"[{backend}] built the demo group of {members:,} members in {time.perf_counter() - started:.0f} s")
        with session_factory() as s:
            refresh(s, SYSTEM, as_of=AS_OF)
        if backend == "postgresql":
            # what autovacuum does on a live database: visibility map for index-only scans, statistics
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return url



def load_frames(url: str) -> dict[str, pd.DataFrame]:
    """The tables the rules read, as pandas frames (loaded once, not timed)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        frames = {
            "members": pd.read_sql(text("SELECT id, gender, birth_date, city, branch_id, source_channel, private_domain, "
                                        "wecom_consent FROM members"), conn),
            "visits": pd.read_sql(text("SELECT member_id, department_id, visit_date FROM visits"), conn),
            "maternity": pd.read_sql(text("SELECT member_id, expected_delivery_date, delivery_date "
                                          "FROM maternity_records"), conn),
            "tags": pd.read_sql(text("SELECT mt.member_id, t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id"),
                                conn),
            "rfm": pd.read_sql(text("SELECT member_id, segment FROM member_rfm"), conn),
            "departments": pd.read_sql(text("SELECT id, code FROM departments"), conn),
            "branches": pd.read_sql(text("SELECT id, code FROM branches"), conn),
        }
    engine.dispose()
    for name, cols in (("members", ["birth_date"]), ("visits", ["visit_date"]),
                       ("maternity", ["expected_delivery_date", "delivery_date"])):
        for col in cols:
            frames[name][col] = pd.to_datetime(frames[name][col])
    frames["members"]["private_domain"] = frames["members"]["private_domain"].astype(bool)
    frames["members"]["wecom_consent"] = frames["members"]["wecom_consent"].astype(bool)
    return frames


def pandas_filters(f: dict[str, pd.DataFrame]) -> dict[str, object]:
    """The same four rules, vectorized over the preloaded frames."""
    m, v = f["members"], f["visits"]
    as_of = pd.Timestamp(AS_OF)
    dept = dict(zip(f["departments"]["code"], f["departments"]["id"], strict=True))
    hq = int(f["branches"].loc[f["branches"]["code"] == "HQ", "id"].iloc[0])

    def age_between(lo: int, hi: int) -> pd.Series:
        b = m["birth_date"]
        years = as_of.year - b.dt.year - ((b.dt.month > as_of.month) | ((b.dt.month == as_of.month)
                                                                       & (b.dt.day > as_of.day)))
        return years.between(lo, hi)

    def visited(code: str, within: int | None) -> np.ndarray:
        rows = v[(v["department_id"] == dept[code]) & (v["visit_date"] <= as_of)]
        if within is not None:
            rows = rows[rows["visit_date"] >= as_of - pd.Timedelta(days=within)]
        return rows["member_id"].unique()

    def rule1() -> int:
        mask = (m["gender"] == "F") & age_between(25, 40) & m["wecom_consent"] & m["id"].isin(visited("dental", 365))
        return int(mask.sum())

    def rule2() -> int:
        mt = f["maternity"]
        days = (mt["expected_delivery_date"] - as_of).dt.days
        week = (280 - days) // 7
        pregnant = mt[mt["delivery_date"].isna() & (days > 0) & week.between(14, 27)]["member_id"]
        tagged = f["tags"][f["tags"]["name"].isin(["VIP", "高端客户"])]["member_id"]
        mask = m["private_domain"] & (m["city"] == "上海") & m["id"].isin(pregnant) & m["id"].isin(tagged)
        return int(mask.sum())

    def rule3() -> int:
        adult = m["birth_date"] <= pd.Timestamp(AS_OF.replace(year=AS_OF.year - 18))
        mask = (m["id"].isin(visited("dental", None)) & ~m["id"].isin(visited("dental", 180)) & adult
                & (m["branch_id"] == hq))
        return int(mask.sum())

    def rule4() -> int:
        recent = v[(v["visit_date"] <= as_of) & (v["visit_date"] >= as_of - pd.Timedelta(days=365))]
        counts = recent["member_id"].value_counts()
        frequent = counts[counts >= 2].index
        good = f["rfm"][f["rfm"]["segment"].isin(["champions", "loyal"])]["member_id"]
        mask = ((m["gender"] == "F") & m["source_channel"].isin(["wecom", "referral"]) & m["id"].isin(good)
                & m["id"].isin(frequent))
        return int(mask.sum())

    return dict(zip(RULES, (rule1, rule2, rule3, rule4), strict=True))


def run(backend: str, members: int, repeat: int) -> None:
    url = ensure_database(backend, members)
    engine = make_engine(url)
    frames = load_frames(url)
    by_pandas = pandas_filters(frames)
    print(f"\n[{backend}] {members:,} members, as of {AS_OF}, median of {repeat} warm runs")
    print(f"{'rule':66} {'count':>9} {'SQL ms':>8} {'pandas ms':>10} {'pandas/SQL':>10}")
    ratios = []
    with make_session_factory(engine)() as session:
        for name, rule in RULES.items():
            # what the page does on each edit: the service (codes read, one count statement)
            def by_sql(rule=rule) -> int:
                return count(session, SYSTEM, rule, as_of=AS_OF)
            n = by_sql()
            sql_ms = median_ms(by_sql, repeat)
            expected = by_pandas[name]()
            pd_ms = median_ms(by_pandas[name], repeat)
            flag = "" if expected == n else f"  MISMATCH pandas={expected}"
            ratios.append(pd_ms / sql_ms)
            print(f"{name:66} {n:>9,} {sql_ms:>8.1f} {pd_ms:>10.1f} {pd_ms / sql_ms:>9.1f}x{flag}")
    print(f"geometric mean pandas/SQL: {statistics.geometric_mean(ratios):.1f}x")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--build-only", action="store_true", help="only build the cached database")
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        if args.build_only:
            ensure_database(backend, args.members)
        else:
            run(backend, args.members, args.repeat)


if __name__ == "__main__":
    main()
