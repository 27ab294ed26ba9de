"""AppTest fixtures: a migrated database with one user per role, and sign-in through the real form."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.builders import PASSWORD, make_branch, make_user

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
COOKIE_KEY = "k" * 48

# username -> role; every UI test database has these users (password tests.builders.PASSWORD)
ROLE_USERS = {
    "admin1": "admin",
    "lead1": "lead",
    "pm1": "product_manager",
    "sup1": "supervisor",
    "adv1": "advisor",
    "adv2": "advisor",
}


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    # tests want the real error text; production config hides it from users
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def ui_db(db_url, Session, monkeypatch):
    """A fresh database URL with a branch and one user per role; the app reads it from the environment."""
    with Session() as s:
        branch = make_branch(s, "HQ", "总院")
        for username, role in ROLE_USERS.items():
            make_user(s, username, role, branch_id=branch, team="A" if role == "advisor" else None,
                      display_name=username)
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    monkeypatch.setenv("CARELOOP_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("CARELOOP_LANG", "zh_CN")
    return db_url


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def sign_in(username: str, password: str = PASSWORD) -> AppTest:
    """An AppTest of app.py signed in as `username` through the real sign-in form."""
    at = new_app().run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    at.run()
    return at


def open_page(username: str, page: str) -> AppTest:
    """Signed in as `username`, switched to `page` (e.g. 'pages/segments.py')."""
    at = sign_in(username)
    at.switch_page(page).run()
    return at


def page_alone(page: str) -> AppTest:
    """A page file run by itself, as Streamlit serves /<page> before any st.navigation call."""
    return AppTest.from_file(str(ROOT / page), default_timeout=60).run()


def texts(at: AppTest) -> str:
    """All visible text of markdown, titles, captions, alerts and metrics, for assertions."""
    parts = []
    for kind in ("markdown", "title", "header", "subheader", "caption", "info", "warning", "error",
                 "success", "text"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return "\n".join(parts)


__all__ = ["ROLE_USERS", "new_app", "open_page", "page_alone", "sign_in", "texts", "os"]
