"""Process-wide resources (settings, engine, session factory) and the current language."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.i18n import DEFAULT_LANG, t
from core.settings import Settings, SettingsError, load_settings
from db.engine import make_engine, make_session_factory


def settings() -> Settings:
    """The checked settings; a bad setting stops the page with one sentence."""
    try:
        return load_settings()
    except SettingsError as exc:
        st.error(t("app.config_error", st.session_state.get("lang", DEFAULT_LANG), message=str(exc)))
        st.stop()


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """The shared engine for the configured database."""
    return _engine(settings().database_url)


def session_factory() -> sessionmaker[Session]:
    """A session factory bound to the shared engine."""
    return make_session_factory(engine())


def new_session() -> Session:
    """A new session; use it in a `with` block and hand it to one core service call."""
    return session_factory()()


def lang() -> str:
    """The language of this browser session (zh_CN by default)."""
    return st.session_state.get("lang") or settings().lang or DEFAULT_LANG


def tr(key: str, **params: object) -> str:
    """Translate a catalogue key into the current language."""
    return t(key, lang(), **params)
