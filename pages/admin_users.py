from ui.guard import require_page

actor = require_page("pages/admin_users.py")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.admin.settings import InvalidSetting, current_settings, set_setting  # noqa: E402
from core.auth.model import ROLES, InvalidUser, WeakPassword  # noqa: E402
from core.auth.services import branch_codes, create_user, list_users, set_password, update_user  # noqa: E402
from core.i18n import fmt_date, label  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402

L = lang()
st.title(tr("users.title"))
st.caption(tr("users.intro"))


def _error(exc: Exception) -> None:
    if isinstance(exc, InvalidUser):
        st.error(tr(exc.key, **exc.params))
    else:
        st.error(tr(exc.args[0]))


with new_session() as s:
    users = list_users(s, actor)
    branches = branch_codes(s)

st.dataframe(pd.DataFrame([{
    tr("auth.username"): u.username, tr("users.display_name"): u.display_name,
    tr("users.role"): label("role", u.role, L), tr("users.team"): u.team or "", tr("users.branch"): u.branch or "",
    tr("users.active"): tr("common.yes") if u.active else tr("common.no"),
    tr("users.locked_until"): fmt_date(u.locked_until), tr("users.capacity"): u.daily_capacity,
} for u in users]), hide_index=True, width="stretch")

new_col, edit_col = st.columns(2)
with new_col, st.form("users_create", clear_on_submit=True):
    st.subheader(tr("users.create"))
    username = st.text_input(tr("auth.username"), key="users_new_username")
    display = st.text_input(tr("users.display_name"), key="users_new_display")
    role = st.selectbox(tr("users.role"), ROLES, key="users_new_role", format_func=lambda r: label("role", r, L))
    team = st.text_input(tr("users.team"), key="users_new_team")
    branch = st.selectbox(tr("users.branch"), [""] + branches, key="users_new_branch")
    password = st.text_input(tr("auth.password"), type="password", key="users_new_password")
    if st.form_submit_button(tr("users.create"), type="primary"):
        try:
            with new_session() as s:
                create_user(s, actor, username=username, display_name=display, role=role, password=password,
                            team=team or None, branch_code=branch or None)
            st.success(tr("users.created", username=username.strip().lower()))
        except (InvalidUser, WeakPassword) as exc:
            _error(exc)

with edit_col:
    st.subheader(tr("users.edit"))
    names = [u.username for u in users]
    picked = st.selectbox(tr("users.pick"), names, key="users_pick")
    current = next(u for u in users if u.username == picked)
    with st.form("users_edit"):
        new_role = st.selectbox(tr("users.role"), ROLES, index=ROLES.index(current.role), key="users_edit_role",
                                format_func=lambda r: label("role", r, L))
        new_team = st.text_input(tr("users.team"), value=current.team or "", key="users_edit_team")
        new_active = st.checkbox(tr("users.active"), value=current.active, key="users_edit_active")
        new_capacity = st.number_input(tr("users.capacity"), min_value=0, max_value=500,
                                       value=current.daily_capacity, key="users_edit_capacity")
        if st.form_submit_button(tr("users.apply")):
            try:
                with new_session() as s:
                    update_user(s, actor, picked, role=new_role, active=new_active, team=new_team,
                                daily_capacity=int(new_capacity))
                st.success(tr("users.updated", username=picked))
            except InvalidUser as exc:
                _error(exc)
    with st.form("users_reset", clear_on_submit=True):
        new_password = st.text_input(tr("users.new_password"), type="password", key="users_reset_password")
        if st.form_submit_button(tr("users.reset_password")):
            try:
                with new_session() as s:
                    set_password(s, actor, picked, new_password)
                st.success(tr("users.password_reset", username=picked))
            except (InvalidUser, WeakPassword) as exc:
                _error(exc)

st.divider()
st.subheader(tr("settings.title"))
st.caption(tr("settings.intro"))
with new_session() as s:
    values = current_settings(s, actor)
with st.form("settings_form"):
    entered = {key: st.text_input(tr(f"settings.{key}"), value=value, key=f"users_setting_{key}")
               for key, value in values.items()}
    if st.form_submit_button(tr("settings.save")):
        try:
            for key, value in entered.items():
                with new_session() as s:
                    set_setting(s, actor, key, value)
            st.success(tr("settings.saved"))
        except InvalidSetting as exc:
            st.error(f"{tr(f'settings.{key}')}: {tr(exc.key, **exc.params)}")
