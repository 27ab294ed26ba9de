"""Every KPI dashboard's queries over a large hospital group, medians on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_kpis.py [--members 1000000] [--touch-events 10000000]
        [--backend sqlite|postgresql|both] [--repeat 3] [--skip-rebuild] [--only reach,private,...]

Builds (once) its own database per backend and size: the base demo group, the KPI demo (content,
views, surveys, leads) and synthetic journeys — 27-step SOPs, enrollments, touches and advisor tasks
whose sent/delivered/opened/replied/opt-out timestamps add up to `--touch-events` events (the KPI
engine reads those timestamps on `touches`). Then it times the one-pass rollup rebuild, a one-day
incremental refresh, the raw year-long reach by channel (the reference the rollups replace), and each
dashboard view for the last 30 days and for the whole year. The target: every page < 2 s. Views a page
computes only on request (the touches-per-member distribution over long periods, the household view) are
timed separately. `--skip-rebuild` re-times the pages on the rollups already built.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from benchmarks.common import median_ms  # noqa: E402
from core.auth.model import SYSTEM  # noqa: E402
from core.demo.loader import analyze, load_table, reset_sequences  # noqa: E402
from core.kpis import queries_touches as qt  # noqa: E402
from core.kpis import rollups, services  # noqa: E402
from core.kpis.definitions import KpiFilter  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Member, User  # noqa: E402
from db.models.journeys import Journey, JourneyStep, Touch  # noqa: E402

AS_OF = date(2026, 6, 15)
CACHE = ROOT / "benchmarks" / ".cache"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/careloop_bench_kpis"
JOURNEYS = 8
STEPS = 27
TOUCHES_PER_ENROLLMENT = 20
EVENTS_PER_TOUCH = 1.55  # events per generated touch: sent, delivered, opened, replied, opted out (future ones none)
CHANNELS = np.array(["sms", "wecom", "wecom_group", "moments"], dtype=object)


def database_url(backend: str, members: int, events: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{CACHE / f'kpis_{members}_{events}.db'}"
    base = os.environ.get("CARELOOP_BENCH_PG_URL", PG_DEFAULT)
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base[len("postgresql://"):]
    return f"{base}_{members}_{events}"


def _create_pg(url: str) -> None:
    admin_url, _, name = url.rpartition("/")
    admin = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _journeys(engine, session_factory, events: int, rng: np.random.Generator) -> None:  # noqa: ANN001
    """Synthetic SOPs and their touches and tasks over the year before AS_OF (numpy, bulk-loaded)."""
    now = datetime(2025, 6, 1)
    with session_factory() as s, s.begin():
        members = s.scalar(select(func.count()).select_from(Member))
        advisors = np.array(s.scalars(select(User.id).where(User.role == "advisor")).all())
        steps: dict[int, list[tuple[int, str, str]]] = {}
        for j in range(JOURNEYS):
            journey = Journey(code=f"BENCH{j}", name=f"基准旅程{j}", status="active", anchor="enrollment",
                              holdout_pct=10, created_at=now)
            s.add(journey)
            s.flush()
            for p in range(STEPS):
                executor = "advisor" if p % 9 == 4 else "system"
                step = JourneyStep(journey_id=journey.id, position=p + 1, name=f"步骤{p + 1}", kind="service_reminder",
                                   channel=str(CHANNELS[p % 4]) if executor == "system" else "phone",
                                   executor=executor, offset_days=p * 13)
                s.add(step)
                s.flush()
                steps.setdefault(journey.id, []).append((step.id, step.channel, executor))
    n_touch = int(events / EVENTS_PER_TOUCH)
    n_enr = max(1, n_touch // TOUCHES_PER_ENROLLMENT)
    journey_ids = np.array(sorted(steps))
    enr_member = rng.choice(np.arange(1, members + 1), n_enr, replace=n_enr > members)
    enr_journey = rng.choice(journey_ids, n_enr)
    # one enrollment per (journey, member)
    _, keep = np.unique(enr_journey.astype(np.int64) * (members + 1) + enr_member, return_index=True)
    enr_member, enr_journey = enr_member[keep], enr_journey[keep]
    n_enr = len(keep)
    enrolled = np.datetime64(AS_OF) - rng.integers(0, 365, n_enr).astype("timedelta64[D]")
    control = rng.random(n_enr) < 0.1
    load_table(engine, "enrollments", {
        "id": np.arange(1, n_enr + 1), "journey_id": enr_journey, "member_id": enr_member,
        "enrolled_on": enrolled.astype(object), "source": np.full(n_enr, "segment", dtype=object),
        "is_control": control})
    treated = np.flatnonzero(~control)  # the hold-out gets no touches and no tasks
    per = np.minimum(rng.poisson(TOUCHES_PER_ENROLLMENT, len(treated)), STEPS)
    enr_of = np.repeat(treated, per)
    position = np.concatenate([np.arange(k) for k in per])
    row = np.searchsorted(journey_ids, enr_journey[enr_of])
    step_id = np.array([[sid for sid, _, _ in steps[j]] for j in journey_ids])[row, position]
    executor = np.array([[ex for _, _, ex in steps[j]] for j in journey_ids], dtype=object)[row, position]
    channel = np.array([[ch for _, ch, _ in steps[j]] for j in journey_ids], dtype=object)[row, position]
    sched = enrolled[enr_of] + (position * 13).astype("timedelta64[D]")
    past = sched <= np.datetime64(AS_OF)
    system = executor == "system"
    t_idx = np.flatnonzero(system)
    sent_at = sched[t_idx].astype("datetime64[s]") + rng.integers(3600, 12 * 3600, len(t_idx)).astype("timedelta64[s]")
    sent = past[t_idx]
    delivered = sent & (rng.random(len(t_idx)) < 0.92)
    opened = delivered & (rng.random(len(t_idx)) < 0.45)
    replied = opened & (rng.random(len(t_idx)) < 0.13)
    opted = delivered & (rng.random(len(t_idx)) < 0.005)

    def stamp(mask: np.ndarray, minutes: int) -> np.ndarray:
        out = np.full(len(t_idx), None, dtype=object)
        out[mask] = (sent_at[mask] + np.timedelta64(minutes, "m")).astype(datetime)
        return out

    m = len(t_idx)
    status = np.where(delivered, "delivered", np.where(sent, "failed", "scheduled")).astype(object)
    load_table(engine, "touches", {
        "id": np.arange(1, m + 1), "enrollment_id": enr_of[t_idx] + 1, "journey_id": enr_journey[enr_of[t_idx]],
        "step_id": step_id[t_idx], "step_lineage_id": step_id[t_idx], "member_id": enr_member[enr_of[t_idx]],
        "occurrence": np.zeros(m, dtype=int), "channel": channel[t_idx], "scheduled_for": sched[t_idx].astype(object),
        "status": status, "sent_on": np.where(sent, sched[t_idx].astype(object), None),
        "sent_at": stamp(sent, 0), "delivered_at": stamp(delivered, 1), "opened_at": stamp(opened, 90),
        "replied_at": stamp(replied, 120), "opted_out_at": stamp(opted, 150)})
    k_idx = np.flatnonzero(~system)
    k = len(k_idx)
    done = past[k_idx] & (rng.random(k) < 0.8)
    late = rng.integers(-2, 3, k).astype("timedelta64[D]")
    completed = np.full(k, None, dtype=object)
    completed[done] = (sched[k_idx][done] + late[done]).astype("datetime64[s]").astype(datetime)
    outcome = np.full(k, None, dtype=object)
    outcome[done] = rng.choice(["reached", "unreachable", "declined", "appointment", "purchased"], int(done.sum()),
                               p=(0.55, 0.2, 0.1, 0.1, 0.05))
    load_table(engine, "tasks", {
        "id": np.arange(1, k + 1), "enrollment_id": enr_of[k_idx] + 1, "journey_id": enr_journey[enr_of[k_idx]],
        "step_id": step_id[k_idx], "step_lineage_id": step_id[k_idx], "occurrence": np.zeros(k, dtype=int),
        "member_id": enr_member[enr_of[k_idx]], "advisor_id": rng.choice(advisors, k), "channel": channel[k_idx],
        "source": np.full(k, "step", dtype=object), "due_date": sched[k_idx].astype(object),
        "status": np.where(done, "done", np.where(past[k_idx], "open", "open")).astype(object), "outcome": outcome,
        "completed_at": completed, "created_at": np.full(k, now, dtype=object)})
    reset_sequences(engine, ["enrollments", "touches", "tasks"])
    print(f"  journeys: {n_enr:,} enrollments, {m:,} touches, {k:,} tasks, "
          f"~{int(sent.sum() + delivered.sum() + opened.sum() + replied.sum() + opted.sum()):,} touch events")


def ensure_database(backend: str, members: int, events: int) -> str:
    url = database_url(backend, members, events)
    if backend == "postgresql":
        _create_pg(url)
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    session_factory = make_session_factory(engine)
    with session_factory() as s:
        have = s.scalar(select(func.count()).select_from(Touch))
    if not have:
        import core.demo.services as demo_services
        from core.kpis import demo as kpi_demo

        started = time.perf_counter()
        with session_factory() as s:
            has_members = s.scalar(select(func.count()).select_from(Member))
        if not has_members:
            demo_services.EXTENSIONS = ()
            demo_services.build_demo(engine, session_factory, members=members, seed=42, as_of=AS_OF)
        print(f"[{backend}] base group of {members:,} members: {time.perf_counter() - started:.0f} s")
        _journeys(engine, session_factory, events, np.random.default_rng(11))
        kpi_demo.seed(engine, session_factory, seed=42, as_of=AS_OF)  # content, surveys, leads, rollups
        analyze(engine)
        print(f"[{backend}] built in {time.perf_counter() - started:.0f} s")
    engine.dispose()
    return url



def measurements(session_factory, repeat: int, *, rebuild: bool = True,  # noqa: ANN001
                 only: tuple[str, ...] = ()) -> dict[str, float]:
    month = KpiFilter(AS_OF - timedelta(days=29), AS_OF)
    year = KpiFilter(AS_OF - timedelta(days=364), AS_OF)
    results: dict[str, float] = {}

    def timed(name: str, fn) -> None:  # noqa: ANN001
        if only and not any(o in name for o in only):
            return

        def run() -> None:
            with session_factory() as s:
                fn(s)
        results[name] = median_ms(run, repeat)
        print(f"  {name:<44} {results[name]:>10.0f} ms", flush=True)

    def rebuild_year(s) -> None:  # noqa: ANN001
        with s.begin():
            rollups.rebuild(s, AS_OF - timedelta(days=364), AS_OF)

    def refresh_one(s) -> None:  # noqa: ANN001
        with s.begin():
            rollups.refresh_day(s, AS_OF)

    if rebuild:
        started = time.perf_counter()
        with session_factory() as s:
            rebuild_year(s)
        results["rollup rebuild, a year (once)"] = (time.perf_counter() - started) * 1000
        print(f"  {'rollup rebuild, a year (once)':<44} {results['rollup rebuild, a year (once)']:>10.0f} ms",
              flush=True)
        timed("rollup refresh, one day", refresh_one)
        timed("raw reach by channel, a year (reference)", lambda s: qt.reach_by(s, year, "channel", use_rollup=False))
    journey = 1
    for label, f in (("30 days", month), ("year", year)):
        timed(f"reach page, {label}", lambda s, f=f: services.reach_view(s, SYSTEM, f, "week"))
        timed(f"touches per member (on request), {label}", lambda s, f=f: services.frequency_view(s, SYSTEM, f))
        timed(f"exposure page, {label}", lambda s, f=f: services.exposure_view(s, SYSTEM, f))
        timed(f"satisfaction page, {label}", lambda s, f=f: services.satisfaction_view(s, SYSTEM, f))
        timed(f"step page, {label}", lambda s, f=f: services.steps_view(s, SYSTEM, f, journey, 7))
        timed(f"conversion page, {label}", lambda s, f=f: services.conversion_view(s, SYSTEM, f))
        timed(f"repurchase by channel (on request), {label}",
              lambda s, f=f: services.repurchase_channel_view(s, SYSTEM, f))
        timed(f"uplift page, {label}", lambda s, f=f: services.uplift_view(s, SYSTEM, f, journey, 30))
        timed(f"private-domain page, {label}", lambda s, f=f: services.private_view(s, SYSTEM, f))
        timed(f"household view (on demand), {label}", lambda s, f=f: services.household_view(s, SYSTEM, f))
        timed(f"task page, {label}", lambda s, f=f: services.tasks_view(s, SYSTEM, f, AS_OF))
    timed("monthly report", lambda s: services.monthly_report(s, SYSTEM, AS_OF, None, "zh_CN", AS_OF))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--touch-events", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-rebuild", action="store_true", help="time the pages on the rollups already built")
    parser.add_argument("--only", default="", help="comma-separated words: time only measurements naming one")
    args = parser.parse_args()
    only = tuple(w.strip() for w in args.only.split(",") if w.strip())
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    table: dict[str, dict[str, float]] = {}
    for backend in backends:
        url = ensure_database(backend, args.members, args.touch_events)
        engine = make_engine(url)
        print(f"[{backend}] medians of {args.repeat} runs", flush=True)
        table[backend] = measurements(make_session_factory(engine), args.repeat, rebuild=not args.skip_rebuild,
                                      only=only)
        engine.dispose()
    print(f"\n{args.members:,} members, {args.touch_events:,} touch events; target: every page < 2000 ms")
    print(f"{'measurement':<44} " + " ".join(f"{b:>12}" for b in backends))
    for name in table[backends[0]]:
        print(f"{name:<44} " + " ".join(f"{table[b].get(name, float('nan')):>10.0f}ms" for b in backends))


if __name__ == "__main__":
    main()
