"""Sign-in with streamlit-authenticator, backed by our users table, lockout and server sessions."""

from __future__ import annotations

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from core.auth.model import Actor
from core.auth.services import (
    SessionEnded,
    check_session,
    equalize_failed_login,
    login_credentials,
    logout,
    record_login_attempt,
    session_id_for_token,
    start_session,
)
from ui.guard import SESSION_KEY, current_actor
from ui.runtime import new_session, settings, tr

COOKIE_NAME = "careloop_auth"


def build_authenticator() -> tuple[stauth.Authenticate, dict]:
    """One Authenticate per run, fed from the users table (active, unlocked users only)."""
    cfg = settings()
    with new_session() as s:
        credentials = login_credentials(s)
    authenticator = stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=cfg.cookie_key,
        cookie_expiry_days=cfg.cookie_expiry_hours / 24,
        auto_hash=False,
        # 0.4.x reads its cookie from the request headers (st.context.cookies), so its pre-login wait
        # for the browser-side cookie manager only slows every signed-out run down.
        login_sleep_time=0,
    )
    return authenticator, credentials


def _cookie_token(username: str, exp_date: float) -> str:
    return jwt.encode({"username": username, "exp_date": exp_date}, settings().cookie_key, algorithm="HS256")


def _adopt_cookie_session() -> Actor | None:
    """A tab restored from the cookie: accept it only if its server session is still alive."""
    token = st.context.cookies.get(COOKIE_NAME)
    if not isinstance(token, str) or not token:
        return None
    cfg = settings()
    with new_session() as s:
        sid = session_id_for_token(s, token)
        if sid is None:
            return None
        try:
            actor = check_session(s, sid, idle_minutes=cfg.session_idle_minutes, max_hours=cfg.session_max_hours)
        except SessionEnded:
            return None
    st.session_state[SESSION_KEY] = sid
    st.session_state["lang"] = st.session_state.get("lang") or actor.lang
    return actor


def _failed_username(credentials: dict) -> str | None:
    for username, entry in credentials["usernames"].items():
        if entry.get("failed_login_attempts", 0) > 0:
            return username
    return None


def sign_in(authenticator: stauth.Authenticate, credentials: dict) -> Actor | None:
    """Show the sign-in form; return the actor when a live session exists after this run's sign-in step."""
    actor = current_actor()
    if actor is not None:
        return actor
    notice = st.session_state.pop("auth_notice", None)
    if not st.session_state.get("logout"):
        # A reload or a new tab: accept the cookie at once when its server session is alive, before the
        # library's own (slower) cookie check, so the first run already shows the requested page.
        actor = _adopt_cookie_session()
        if actor is not None:
            st.session_state.update(authentication_status=True, username=actor.username, name=actor.display_name)
            return actor
    if st.session_state.get("authentication_status"):
        # The library re-authenticated from its cookie (or stale state): require a live server session.
        actor = _adopt_cookie_session()
        if actor is not None:
            return actor
        authenticator.logout(location="unrendered")
        notice = notice or "auth.session_ended"
    st.title(tr("app.title"))
    st.caption(tr("app.tagline"))
    if notice:
        st.info(tr(notice))
    fields = {"Form name": tr("auth.form_title"), "Username": tr("auth.username"),
              "Password": tr("auth.password"), "Login": tr("auth.login")}
    succeeded: dict[str, str] = {}
    try:
        authenticator.login(location="main", fields=fields, key="auth_login",
                            callback=lambda info: succeeded.update(username=info["username"]))
    except LoginError:
        st.session_state["authentication_status"] = False
    status = st.session_state.get("authentication_status")
    if status and succeeded:
        username = succeeded["username"]
        exp_date = authenticator.cookie_controller.cookie_model.exp_date
        token = _cookie_token(username, exp_date) if exp_date else f"nocookie:{username}:{id(st.session_state)}"
        with new_session() as s:
            record_login_attempt(s, username, True)
            st.session_state[SESSION_KEY] = start_session(s, username, token)
        actor = current_actor()
        if actor is not None:
            st.session_state["lang"] = actor.lang or st.session_state.get("lang")
            # No st.rerun() here: it would drop the cookie write. The next run shows the console.
            st.success(tr("auth.welcome", name=actor.display_name))
            st.button(tr("auth.continue"), key="auth_continue", type="primary")
        return None
    if status is False:
        username = _failed_username(credentials)
        with new_session() as s:
            if username:
                record_login_attempt(s, username, False)
            else:
                equalize_failed_login("")
        st.error(tr("auth.failed"))
    elif status and not succeeded:
        return _adopt_cookie_session()
    return None


def sign_out(authenticator: stauth.Authenticate | None, actor: Actor) -> None:
    """End every session of the user on the server, then clear this browser's state and cookie."""
    with new_session() as s:
        logout(s, actor)
    st.session_state.pop(SESSION_KEY, None)
    if authenticator is not None:
        authenticator.logout(location="unrendered")
    st.session_state.update(authentication_status=None, username=None, name=None, logout=True)
