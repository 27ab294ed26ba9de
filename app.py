"""CareLoop console: settings, sign-in, role-filtered navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.auth.pages import SECTION_ORDER, pages_for
from core.auth.services import set_language
from core.i18n import LANGS, label
from db.migrate import current_revisions, head_revisions
from ui.login import build_authenticator, sign_in, sign_out
from ui.runtime import engine, lang, new_session, settings, tr

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


def _language_picker(key: str) -> str:
    current = lang()
    choice = st.selectbox(tr("common.language"), LANGS, index=LANGS.index(current), key=key,
                          format_func=lambda c: {"zh_CN": "中文", "en": "English"}[c])
    st.session_state["lang"] = choice
    return choice


authenticator, credentials = build_authenticator()
actor = sign_in(authenticator, credentials)
if actor is None:
    with st.sidebar:
        _language_picker("app_lang_anon")
    _hidden_nav()
    st.stop()

with st.sidebar:
    st.markdown(f"**{actor.display_name}** · {label('role', actor.role, lang())}")
    chosen = _language_picker("app_lang")
    if chosen != actor.lang:
        with new_session() as s:
            set_language(s, actor, chosen)
    if st.button(tr("auth.logout"), key="app_logout", icon=":material/logout:"):
        sign_out(authenticator, actor)
        st.info(tr("auth.signed_out"))
        _hidden_nav()
        st.stop()

ROOT = Path(__file__).resolve().parent
sections: dict[str, list] = {}
for spec in pages_for(actor.role):
    if (ROOT / spec.path).exists():
        sections.setdefault(spec.section, []).append(
            st.Page(spec.path, title=tr(spec.title_key), icon=spec.icon, default=spec.path == "pages/home.py")
        )
st.navigation({tr(key): sections[key] for key in SECTION_ORDER if key in sections}).run()
