"""CareLoop console: settings, sign-in, role-filtered navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.auth.pages import SECTION_ORDER, pages_for
from db.migrate import current_revisions, head_revisions
from ui.guard import AUTHENTICATOR_KEY, language_picker
from ui.login import build_authenticator, sign_in
from ui.runtime import engine, settings, tr

st.set_page_config(page_title="CareLoop", page_icon=":material/favorite:", layout="wide")

settings()


@st.cache_data(ttl=60, show_spinner=False)
def _schema_ready(url: str) -> bool:
    return current_revisions(engine()) == head_revisions()


if not _schema_ready(settings().database_url):
    st.error(tr("app.db_not_ready"))
    st.stop()


def _hidden_nav() -> None:
    st.navigation([st.Page(lambda: None, title=tr("auth.form_title"), url_path="login", default=True)],
                  position="hidden").run()


authenticator, credentials = build_authenticator()
actor = sign_in(authenticator, credentials)
if actor is None:
    with st.sidebar:
        language_picker("app_lang_anon")
    _hidden_nav()
    st.stop()

st.session_state[AUTHENTICATOR_KEY] = authenticator
ROOT = Path(__file__).resolve().parent
sections: dict[str, list] = {}
for spec in pages_for(actor.role):
    if (ROOT / spec.path).exists():
        sections.setdefault(spec.section, []).append(
            st.Page(spec.path, title=tr(spec.title_key), icon=spec.icon, default=spec.path == "pages/home.py")
        )
st.navigation({tr(key): sections[key] for key in SECTION_ORDER if key in sections}, expanded=True).run()
