from ui.guard import require_page

actor = require_page("pages/home.py")

import streamlit as st  # noqa: E402

from core.i18n import label  # noqa: E402
from core.members.services import headline_counts  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402

st.title(tr("home.title", name=actor.display_name))
st.caption(tr("home.role", role=label("role", actor.role, lang())))
with new_session() as s:
    counts = headline_counts(s, actor)
cols = st.columns(4)
cols[0].metric(tr("home.members"), f"{counts.members:,}")
cols[1].metric(tr("home.private_domain"), f"{counts.private_domain:,}",
               help=tr("home.private_domain_help"))
cols[2].metric(tr("home.visits_30d"), f"{counts.visits_30d:,}")
cols[3].metric(tr("home.my_members") if actor.role == "advisor" else tr("home.pregnant_now"),
               f"{counts.my_members if actor.role == 'advisor' else counts.pregnant_now:,}")
st.caption(tr("home.as_of", date=counts.as_of.isoformat()))
