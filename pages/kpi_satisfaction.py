from ui.guard import require_page

actor = require_page("pages/kpi_satisfaction.py")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from ui.kpi_filters import figure, filter_bar, footer, load, options, table  # noqa: E402
from ui.runtime import tr  # noqa: E402

st.title(tr("nav.kpi_satisfaction"))
f = filter_bar("kpi_satisfaction", actor)
view = load("satisfaction_view", actor, f)
cols = st.columns(3)
figure(cols[0], "csat", "decimal", view.current, view.previous, "kpi.def.csat")
figure(cols[1], "nps", "points", view.current, view.previous, "kpi.def.nps")
figure(cols[2], "survey_response_rate", "rate", view.current, view.previous, "kpi.def.response_rate",
       key="response_rate")

names = {"csat": tr("kpi.csat"), "nps": tr("kpi.nps"), "responses": tr("kpi.col.responses")}
st.subheader(tr("kpi.sec.trend"))
trend = pd.DataFrame(view.tables["trend"], columns=["month", "csat", "nps", "responses"])
st.altair_chart(
    alt.Chart(trend).mark_line(point=True).encode(
        x=alt.X("month:O", title=tr("kpi.col.period")), y=alt.Y("csat:Q", scale=alt.Scale(domain=[1, 5]),
                                                                 title=tr("kpi.csat")),
        tooltip=[alt.Tooltip("month:O", title=tr("kpi.col.period")), alt.Tooltip("csat:Q", format=".2f", title=names["csat"]),
                 alt.Tooltip("nps:Q", format=".1f", title=names["nps"]),
                 alt.Tooltip("responses:Q", title=names["responses"])]),
    width="stretch")
table(trend.rename(columns={"month": tr("kpi.col.period"), **names}), "kpi_satisfaction", "trend", actor)

users, steps_named = options(actor).users, options(actor).steps
left, right = st.columns(2)
with left:
    st.subheader(tr("kpi.sec.worst_steps"))
    steps = pd.DataFrame(view.tables["by_step"], columns=["step_id", "csat", "nps", "responses"]).sort_values("csat")
    steps["step_id"] = steps["step_id"].map(lambda i: steps_named.get(i, i))
    table(steps.rename(columns={"step_id": tr("kpi.col.step"), **names}), "kpi_satisfaction", "by_step", actor)
with right:
    st.subheader(tr("kpi.sec.worst_advisors"))
    advisors = pd.DataFrame(view.tables["by_advisor"], columns=["advisor_id", "csat", "nps", "responses"])
    advisors["advisor_id"] = advisors["advisor_id"].map(lambda a: users.get(a, a))
    table(advisors.sort_values("csat").rename(columns={"advisor_id": tr("kpi.col.advisor"), **names}),
          "kpi_satisfaction", "by_advisor", actor)

st.subheader(tr("kpi.sec.verbatims"))
verbatims = pd.DataFrame(view.tables["verbatims"],
                         columns=["responded_on", "csat", "nps", "text", "step_id", "advisor_id"])
verbatims["advisor_id"] = verbatims["advisor_id"].map(lambda a: users.get(a, a))
verbatims["step_id"] = verbatims["step_id"].map(lambda i: steps_named.get(i, i))
table(verbatims.rename(columns={"responded_on": tr("kpi.col.date"), "text": tr("kpi.col.text"),
                                "step_id": tr("kpi.col.step"), "advisor_id": tr("kpi.col.advisor"), **names}),
      "kpi_satisfaction", "verbatims", actor)
footer(view.elapsed_ms)
