"""Build the demo hospital group into an empty database (`careloop demo`)."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.auth.services import hash_password
from core.clock import utcnow
from core.demo import EXTENSIONS
from core.demo.generator import BRANCHES, DEPARTMENTS, TAGS, generate
from core.demo.loader import analyze, drop_secondary_indexes, load_table, recreate_indexes, reset_sequences
from core.demo.users import DEMO_MARKER, DEMO_PASSWORD, DEMO_USERS
from db.models import AppSetting, AuditLog, Branch, Department, Member, Tag, User

BIG_TABLES = ["members", "households", "household_members", "maternity_records", "visits", "orders", "member_tags"]


class DatabaseNotEmpty(Exception):
    """The demo only loads into an empty database."""


@dataclass
class DemoReport:
    members: int = 0
    visits: int = 0
    orders: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def has_members(session: Session) -> bool:
    """True when any member or staff user exists."""
    with session.begin():
        return bool(session.scalar(select(func.count()).select_from(Member))) or bool(
            session.scalar(select(func.count()).select_from(User))
        )


def _seed_organisation(session: Session) -> dict[int, list[int]]:
    with session.begin():
        for code, name, city in BRANCHES:
            session.add(Branch(code=code, name=name, city=city))
        for code, name in DEPARTMENTS:
            session.add(Department(code=code, name=name))
        for name in TAGS:
            session.add(Tag(name=name))
        session.flush()
        branch_ids = {b.code: b.id for b in session.scalars(select(Branch))}
        pw_hash = hash_password(DEMO_PASSWORD)
        now = utcnow()
        for username, display, role, team, branch in DEMO_USERS:
            session.add(User(username=username, display_name=display, role=role, team=team,
                             branch_id=branch_ids.get(branch), password_hash=pw_hash, active=True,
                             failed_logins=0, created_at=now, password_changed_at=now, daily_capacity=40))
        session.add(AppSetting(key=DEMO_MARKER, value=now.isoformat(), updated_at=now))
        session.add(AuditLog(at=now, actor="cli", action="demo", entity="database", entity_id=None, changes=None))
        session.flush()
        by_branch: dict[int, list[int]] = {}
        for user in session.scalars(select(User).where(User.role == "advisor").order_by(User.id)):
            by_branch.setdefault(user.branch_id, []).append(user.id)
        return by_branch


def build_demo(
    engine: Engine,
    session_factory: sessionmaker[Session],
    *,
    members: int,
    seed: int = 42,
    as_of: date,
    progress: Callable[[str, float], None] | None = None,
    extensions: bool = True,
) -> DemoReport:
    """Load the deterministic demo group; progress(step, fraction_done) is called as it goes."""
    report = DemoReport()
    started = time.perf_counter()

    def step(name: str, fraction: float) -> None:
        report.steps[name] = round(time.perf_counter() - started, 2)
        if progress:
            progress(name, fraction)

    with session_factory() as s:
        if has_members(s):
            raise DatabaseNotEmpty("the database already has members or users")
        step("organisation", 0.01)
        advisors = _seed_organisation(s)
    data = generate(members, seed, as_of, advisors)
    step("generate", 0.15)
    dropped = drop_secondary_indexes(engine, BIG_TABLES)
    tables = [
        ("members", data.members), ("households", data.households),
        ("household_members", data.household_members), ("maternity_records", data.maternity),
        ("visits", data.visits), ("orders", data.orders), ("member_tags", data.member_tags),
    ]
    total = sum(len(next(iter(cols.values()))) for _, cols in tables) or 1
    done = 0
    for name, cols in tables:
        def tick(k: int, name: str = name) -> None:
            nonlocal done
            done += k
            if progress:
                progress(f"load {name}", 0.15 + 0.65 * done / total)
        load_table(engine, name, cols, tick)
    step("load", 0.8)
    reset_sequences(engine, ["members", "households", "visits", "orders"])
    recreate_indexes(engine, dropped)
    analyze(engine)
    step("index", 0.85)
    for module_name in EXTENSIONS if extensions else ():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.seed(engine, session_factory, seed=seed, as_of=as_of)
        step(module_name, 0.85 + 0.15 * (EXTENSIONS.index(module_name) + 1) / len(EXTENSIONS))
    report.members = len(data.members["id"])
    report.visits = len(data.visits["id"])
    report.orders = len(data.orders["id"])
    report.seconds = round(time.perf_counter() - started, 1)
    return report
