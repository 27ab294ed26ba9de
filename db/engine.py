"""Engine and session factory; created by app.py or the CLI, never at import time."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA cache_size=-131072")
            cur.execute("PRAGMA temp_store=MEMORY")
            # member look-ups by id dominate segment counts on large files: map the file into memory
            cur.execute("PRAGMA mmap_size=2147483648")
            cur.close()

        return engine
    # JIT compilation costs more than it saves on our short analytical queries
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         connect_args={"options": "-c jit=off"}, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values readable after commit (services return plain values)."""
    return sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine_or_session) -> bool:  # noqa: ANN001
    """True when the bound database is PostgreSQL."""
    bind = getattr(engine_or_session, "bind", None) or engine_or_session
    return bind.dialect.name == "postgresql"
