from ui.guard import require_page

actor = require_page("pages/audit.py")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.audit.services import list_entries  # noqa: E402
from core.clock import to_local  # noqa: E402
from core.i18n import fmt_date  # noqa: E402
from ui.runtime import new_session, tr  # noqa: E402

LIMIT = 500
st.title(tr("audit.title"))
st.caption(tr("audit.intro"))
c1, c2, c3 = st.columns([2, 1, 1])
text = c1.text_input(tr("audit.filter_text"), key="audit_text")
date_from = c2.date_input(tr("common.period_from"), value=None, key="audit_from")
date_to = c3.date_input(tr("common.period_to"), value=None, key="audit_to")
with new_session() as s:
    entries = list_entries(s, actor, text=text, date_from=date_from, date_to=date_to, limit=LIMIT)
st.caption(tr("audit.rows", n=len(entries), limit=LIMIT))
st.dataframe(pd.DataFrame([{
    tr("audit.at"): fmt_date(to_local(e.at)), tr("audit.actor"): e.actor, tr("audit.action"): e.action,
    tr("audit.entity"): e.entity, tr("audit.entity_id"): e.entity_id or "", tr("audit.changes"): e.changes or "",
} for e in entries]), hide_index=True, width="stretch")
