"""`careloop doctor`, `backup` and `restore`: what an operator runs, as plain functions over settings."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy import table as sa_table
from sqlalchemy.exc import SQLAlchemyError

from core.settings import MIN_COOKIE_KEY, Settings, SettingsError, load_settings
from db.engine import make_engine
from db.migrate import current_revisions, head_revisions

# The tables whose row counts tell an operator at a glance what the database holds.
MAIN_TABLES = (
    "users", "user_sessions", "members", "households", "visits", "orders", "segments", "member_rfm",
    "products", "quotes", "journeys", "enrollments", "touches", "tasks", "kpi_reach_days", "import_runs",
    "audit_log",
)


class OpsError(Exception):
    """An operator command cannot run; `key` is the catalogue key of the sentence, `params` its values."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Check:
    name: str            # catalogue key of the check's title
    ok: bool
    detail: str          # catalogue key of the outcome
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DoctorReport:
    checks: list[Check]
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _cookie_check(env: dict | None) -> Check:
    try:
        cfg = load_settings(env, require_cookie_key=True)
    except SettingsError as exc:
        return Check("ops.check.cookie_key", False, "ops.detail.cookie_bad", {"message": str(exc)})
    detail = "ops.detail.cookie_demo" if cfg.demo_mode else "ops.detail.cookie_ok"
    return Check("ops.check.cookie_key", True, detail, {"length": len(cfg.cookie_key), "minimum": MIN_COOKIE_KEY})


def doctor(env: dict | None = None) -> DoctorReport:
    """Check the settings, the database connection, the migration level and the cookie key; count main tables."""
    try:
        cfg = load_settings(env, require_cookie_key=False)
    except SettingsError as exc:
        return DoctorReport([Check("ops.check.settings", False, "ops.detail.settings_bad", {"message": str(exc)})], {})
    checks = [Check("ops.check.settings", True, "ops.detail.settings_ok", {"url": _safe_url(cfg)})]
    engine = make_engine(cfg.database_url)
    counts: dict[str, int] = {}
    try:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            checks.append(Check("ops.check.database", False, "ops.detail.database_bad",
                                {"message": str(exc.orig or exc).strip().splitlines()[0]}))
            checks.append(_cookie_check(env))
            return DoctorReport(checks, counts)
        checks.append(Check("ops.check.database", True, "ops.detail.database_ok", {"dialect": engine.dialect.name}))
        current, heads = current_revisions(engine), head_revisions()
        if current == heads:
            checks.append(Check("ops.check.migrations", True, "ops.detail.migrations_ok",
                                {"revisions": ", ".join(sorted(current))}))
        else:
            checks.append(Check("ops.check.migrations", False,
                                "ops.detail.migrations_none" if not current else "ops.detail.migrations_behind",
                                {"current": ", ".join(sorted(current)) or "-", "heads": ", ".join(sorted(heads))}))
        checks.append(_cookie_check(env))
        present = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            for table in MAIN_TABLES:
                if table in present:
                    counts[table] = conn.execute(select(func.count()).select_from(sa_table(table))).scalar_one()
    finally:
        engine.dispose()
    return DoctorReport(checks, counts)


def _safe_url(cfg: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(cfg.database_url).render_as_string(hide_password=True)


def _sqlite_path(cfg: Settings) -> Path:
    if not cfg.database_url.startswith("sqlite"):
        raise OpsError("ops.error.postgres")
    path = cfg.database_url.split("///", 1)[-1]
    if not path or path == ":memory:":
        raise OpsError("ops.error.memory")
    return Path(path)


def backup(out: Path, env: dict | None = None) -> int:
    """Copy the live SQLite database to `out` with SQLite's online backup API; returns the bytes written."""
    cfg = load_settings(env, require_cookie_key=False)
    source = _sqlite_path(cfg)
    if not source.exists():
        raise OpsError("ops.error.no_database", path=str(source))
    out = Path(out)
    if out.exists():
        raise OpsError("ops.error.exists", path=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(out)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()
    return out.stat().st_size


def _check_backup(path: Path) -> set[str]:
    if not path.exists():
        raise OpsError("ops.error.no_backup", path=str(path))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise OpsError("ops.error.corrupt", path=str(path))
            return {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise OpsError("ops.error.not_careloop", path=str(path)) from None


def restore(backup_file: Path, env: dict | None = None) -> set[str]:
    """Replace the configured SQLite database's content with a backup (online); returns its migration level."""
    cfg = load_settings(env, require_cookie_key=False)
    target = _sqlite_path(cfg)
    backup_file = Path(backup_file)
    revisions = _check_backup(backup_file)
    if not revisions or not revisions <= _known_revisions():
        raise OpsError("ops.error.unknown_level", revisions=", ".join(sorted(revisions)) or "-")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return revisions


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}

