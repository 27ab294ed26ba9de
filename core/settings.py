"""One settings object, read from the environment and checked at start."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEMO_KEY_FILE = DATA_DIR / "demo_cookie_key"
DEFAULT_DATABASE_URL = "sqlite:///data/careloop.db"
LANGS = ("zh_CN", "en")
MIN_COOKIE_KEY = 32


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one sentence for the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    cookie_key: str
    lang: str = "zh_CN"
    demo_mode: bool = False
    cookie_expiry_hours: float = 8.0
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    timezone: str = "Asia/Shanghai"
    import_max_mb: int = 512
    import_max_rows: int = 5_000_000


def normalize_database_url(url: str) -> str:
    """Resolve relative SQLite paths against the project root and pick the psycopg driver."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        rel = url[len("sqlite:///"):]
        url = "sqlite:///" + str((ROOT / rel).resolve())
    return url


def _int(env: dict, name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\d+", raw.strip()):
        raise SettingsError(f"{name} must be a whole number between {lo} and {hi}, not {raw!r}.")
    value = int(raw)
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, not {value}.")
    return value


def load_settings(env: dict | None = None, *, require_cookie_key: bool = True) -> Settings:
    """Read and check every CARELOOP_* setting; raise SettingsError with one clear sentence."""
    env = dict(os.environ if env is None else env)
    url = env.get("CARELOOP_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not re.match(r"^(sqlite|postgres|postgresql)(\+\w+)?://", url):
        raise SettingsError(
            "CARELOOP_DATABASE_URL must start with sqlite:/// or postgresql://, "
            f"not {url.split(':', 1)[0]!r}."
        )
    lang = env.get("CARELOOP_LANG") or "zh_CN"
    if lang not in LANGS:
        raise SettingsError(f"CARELOOP_LANG must be one of {', '.join(LANGS)}, not {lang!r}.")
    key = env.get("CARELOOP_COOKIE_KEY", "")
    demo_mode = False
    if not key and DEMO_KEY_FILE.exists():
        key = DEMO_KEY_FILE.read_text(encoding="utf-8").strip()
        demo_mode = True
    if require_cookie_key:
        if not key:
            raise SettingsError(
                "CARELOOP_COOKIE_KEY is not set: export a random secret of at least 32 characters "
                "(or run `careloop demo`, which generates one for the demo)."
            )
        if len(key) < MIN_COOKIE_KEY:
            raise SettingsError(
                f"CARELOOP_COOKIE_KEY is {len(key)} characters long; it needs at least {MIN_COOKIE_KEY}."
            )
    expiry_raw = env.get("CARELOOP_COOKIE_EXPIRY_HOURS", "8")
    try:
        expiry = float(expiry_raw)
    except ValueError:
        raise SettingsError(f"CARELOOP_COOKIE_EXPIRY_HOURS must be a number of hours, not {expiry_raw!r}.") from None
    if not 0 < expiry <= 24 * 30:
        raise SettingsError("CARELOOP_COOKIE_EXPIRY_HOURS must be between 0 and 720.")
    return Settings(
        database_url=normalize_database_url(url),
        cookie_key=key,
        lang=lang,
        demo_mode=demo_mode,
        cookie_expiry_hours=expiry,
        session_idle_minutes=_int(env, "CARELOOP_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
        session_max_hours=_int(env, "CARELOOP_SESSION_MAX_HOURS", 12, 1, 24 * 7),
        timezone=env.get("CARELOOP_TIMEZONE") or "Asia/Shanghai",
        import_max_mb=_int(env, "CARELOOP_IMPORT_MAX_MB", 512, 1, 10_000),
        import_max_rows=_int(env, "CARELOOP_IMPORT_MAX_ROWS", 5_000_000, 1, 100_000_000),
    )
