"""The role check every page runs first; it works when a page file runs alone, without app.py."""

from __future__ import annotations

import streamlit as st

from core.auth.model import Actor
from core.auth.pages import page
from core.auth.services import SessionEnded, check_session
from ui.runtime import new_session, settings, tr

SESSION_KEY = "auth_sid"


def current_actor() -> Actor | None:
    """The signed-in actor of this browser session, re-read from the database; None if not signed in."""
    sid = st.session_state.get(SESSION_KEY)
    if sid is None:
        return None
    cfg = settings()
    try:
        with new_session() as s:
            return check_session(s, sid, idle_minutes=cfg.session_idle_minutes, max_hours=cfg.session_max_hours)
    except SessionEnded:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state["auth_notice"] = "auth.session_ended"
        return None


def require_page(path: str) -> Actor:
    """Stop the page unless a signed-in user whose role may open `path` is present; return that actor."""
    spec = page(path)
    actor = current_actor()
    if actor is None:
        st.warning(tr("auth.required"))
        st.markdown(f"[{tr('auth.login')}](/)")
        st.stop()
    if actor.role not in spec.roles:
        st.error(tr("auth.forbidden"))
        st.stop()
    return actor
