from ui.guard import require_page

actor = require_page("pages/home.py")

from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

from core.auth.model import Actor  # noqa: E402
from core.auth.pages import pages_for  # noqa: E402
from core.i18n import label  # noqa: E402
from core.members.services import headline_counts  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402

st.title(tr("home.title", name=actor.display_name))
st.caption(tr("home.role", role=label("role", actor.role, lang())))


@st.cache_data(ttl=300, show_spinner=False)
def _counts(user_id: int, role: str):
    with new_session() as s:
        return headline_counts(s, Actor(user_id, "", "", role))


counts = _counts(actor.user_id, actor.role)
cols = st.columns(4)
cols[0].metric(tr("home.members"), f"{counts.members:,}")
cols[1].metric(tr("home.private_domain"), f"{counts.private_domain:,}", help=tr("home.private_domain_help"))
cols[2].metric(tr("home.visits_30d"), f"{counts.visits_30d:,}")
if actor.role == "advisor":
    cols[3].metric(tr("home.my_members"), f"{counts.my_members:,}")
else:
    cols[3].metric(tr("home.pregnant_now"), f"{counts.pregnant_now:,}")
st.caption(tr("home.as_of", date=counts.as_of.isoformat()))

st.subheader(tr("home.quick_links"))
ROOT = Path(__file__).resolve().parent.parent
links = [p for p in pages_for(actor.role) if p.path != "pages/home.py" and (ROOT / p.path).exists()]
grid = st.columns(3)
for i, spec in enumerate(links):
    grid[i % 3].page_link(spec.path, label=tr(spec.title_key), icon=spec.icon)
