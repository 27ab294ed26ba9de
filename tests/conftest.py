"""Fixtures: a fresh, migrated database per test on SQLite, and on PostgreSQL when
CARELOOP_TEST_DATABASE_URL is set (the same test code, parametrized)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("CARELOOP_BCRYPT_ROUNDS", "4")

from db.engine import make_engine, make_session_factory  # noqa: E402
from db.migrate import upgrade  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("CARELOOP_TEST_DATABASE_URL", "").strip()
if PG_URL.startswith("postgresql://"):
    PG_URL = "postgresql+psycopg://" + PG_URL[len("postgresql://"):]
RUN_ID = uuid.uuid4().hex[:8]
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; each test copies it."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template():
    """A PostgreSQL database migrated once per test run; each test clones it (CREATE DATABASE ... TEMPLATE)."""
    if not PG_URL:
        yield None
        return
    name = f"careloop_tpl_{RUN_ID}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(_pg_url(name))
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_url(backend: str, tmp_path: Path, sqlite_template: Path, pg_template: str | None) -> tuple[str, callable]:
    if backend == "sqlite":
        path = tmp_path / "careloop.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}", lambda: None
    name = f"careloop_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return _pg_url(name), drop


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, sqlite_template, pg_template):
    """The URL of a fresh, fully migrated database (SQLite file or PostgreSQL database)."""
    if request.param == "postgresql":
        pg_template = request.getfixturevalue("pg_template")
    url, drop = _fresh_url(request.param, tmp_path, sqlite_template, pg_template)
    yield url
    drop()


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def Session(engine):  # noqa: N802 - a factory, named like the class it makes
    return make_session_factory(engine)


@pytest.fixture
def session(Session):
    with Session() as s:
        yield s
