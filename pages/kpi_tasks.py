from ui.guard import require_page

actor = require_page("pages/kpi_tasks.py")

from pathlib import Path  # noqa: E402

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.pages import page  # noqa: E402
from core.clock import today  # noqa: E402
from ui.kpi_filters import figure, filter_bar, footer, load, options, table  # noqa: E402
from ui.runtime import tr  # noqa: E402

SUPERVISION = "pages/supervision.py"

st.title(tr("nav.kpi_tasks"))
f = filter_bar("kpi_tasks", actor, uses=("branch", "channel", "journey", "segment"))
view = load("tasks_view", actor, f, today())
cols = st.columns(3)
figure(cols[0], "task_completion_rate", "rate", view.current, view.previous, "kpi.def.task_completion",
       key="completion_rate")
figure(cols[1], "due", "count", view.current, view.previous, "kpi.def.task_completion")
figure(cols[2], "overdue", "count", view.current, view.previous, "kpi.def.overdue", inverse=True)
if (Path(__file__).resolve().parents[1] / SUPERVISION).exists() and actor.role in page(SUPERVISION).roles:
    st.page_link(SUPERVISION, label=tr("kpi.supervision_link"), icon=":material/monitoring:")

st.subheader(tr("kpi.sec.by_advisor"))
users = options(actor).users
advisors = pd.DataFrame(view.tables["by_advisor"], columns=[
    "advisor_id", "due", "done_by_due", "done_late", "overdue", "completion_rate"])
advisors["advisor_id"] = advisors["advisor_id"].map(lambda a: users.get(a, a))
st.altair_chart(
    alt.Chart(advisors).mark_bar().encode(
        x=alt.X("completion_rate:Q", axis=alt.Axis(format="%"), title=tr("kpi.task_completion_rate")),
        y=alt.Y("advisor_id:N", sort="x", title=tr("kpi.col.advisor")),
        tooltip=[alt.Tooltip("advisor_id:N", title=tr("kpi.col.advisor")), alt.Tooltip("due:Q", title=tr("kpi.due")),
                 alt.Tooltip("done_by_due:Q", title=tr("kpi.col.done_by_due")),
                 alt.Tooltip("overdue:Q", title=tr("kpi.overdue")),
                 alt.Tooltip("completion_rate:Q", format=".1%", title=tr("kpi.task_completion_rate"))]),
    width="stretch")
table(advisors.rename(columns={
    "advisor_id": tr("kpi.col.advisor"), "due": tr("kpi.due"), "done_by_due": tr("kpi.col.done_by_due"),
    "done_late": tr("kpi.col.done_late"), "overdue": tr("kpi.overdue"),
    "completion_rate": tr("kpi.task_completion_rate")}), "kpi_tasks", "by_advisor", actor)
footer(view.elapsed_ms)
