"""The role check every page runs first; it works when a page file runs alone, without app.py."""

from __future__ import annotations

import streamlit as st

from core.auth.model import Actor
from core.auth.pages import page
from core.auth.services import SessionEnded, check_session, set_language
from core.i18n import LANGS, label
from ui.runtime import lang, new_session, settings, tr

SESSION_KEY = "auth_sid"
AUTHENTICATOR_KEY = "auth_authenticator"
LANG_NAMES = {"zh_CN": "中文", "en": "English"}


def language_picker(key: str) -> str:
    """The language switch; the choice holds for this browser session."""
    st.session_state.setdefault(key, lang())
    choice = st.selectbox("语言 / Language", LANGS, key=key, format_func=LANG_NAMES.__getitem__)
    st.session_state["lang"] = choice
    return choice


def _account_box(actor: Actor) -> None:
    """Who is signed in, the language (remembered per user) and sign-out, in the sidebar of every page."""
    with st.sidebar:
        st.markdown(f"**{actor.display_name}** · {label('role', actor.role, lang())}")
        chosen = language_picker("app_lang")
        if chosen != actor.lang:
            with new_session() as s:
                set_language(s, actor, chosen)
        if st.button(tr("auth.logout"), key="app_logout", icon=":material/logout:"):
            from ui.login import sign_out

            sign_out(st.session_state.get(AUTHENTICATOR_KEY), actor)
            st.info(tr("auth.signed_out"))
            st.stop()


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
    _account_box(actor)
    return actor
