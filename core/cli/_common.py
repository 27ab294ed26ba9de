"""What every command needs: settings, an engine and a session factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings, load_settings
from db.engine import make_engine, make_session_factory


@dataclass
class Db:
    settings: Settings
    engine: Engine
    Session: sessionmaker[Session]


def open_db() -> Db:
    """Settings from the environment (no cookie key needed on the CLI) and a fresh engine."""
    settings = load_settings(require_cookie_key=False)
    engine = make_engine(settings.database_url)
    return Db(settings, engine, make_session_factory(engine))
