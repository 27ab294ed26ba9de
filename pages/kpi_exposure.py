from ui.guard import require_page

actor = require_page("pages/kpi_exposure.py")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from ui.kpi_filters import channel_name, channel_scale, figure, filter_bar, footer, load, table  # noqa: E402
from ui.runtime import tr  # noqa: E402

st.title(tr("nav.kpi_exposure"))
f = filter_bar("kpi_exposure", actor, uses=("department",))
view = load("exposure_view", actor, f)
cols = st.columns(3)
figure(cols[0], "exposure_uplift_pct", "percent", view.current, view.previous, "kpi.def.exposure_uplift",
       key="uplift_pct")
figure(cols[1], "private_views", "count", view.current, view.previous, "kpi.def.private_views")
figure(cols[2], "baseline_views", "count", view.current, view.previous, "kpi.def.baseline_views")

st.subheader(tr("kpi.sec.by_channel"))
by_channel = pd.DataFrame(view.tables["by_channel"], columns=["month", "channel", "private_domain", "views"])
by_channel["name"] = by_channel["channel"].map(channel_name)
st.altair_chart(
    alt.Chart(by_channel).mark_bar().encode(
        x=alt.X("month:O", title=tr("kpi.col.period")), y=alt.Y("views:Q", stack=True, title=tr("kpi.col.value")),
        color=alt.Color("channel:N", scale=channel_scale(), title=tr("kpi.col.channel")),
        tooltip=[alt.Tooltip("month:O", title=tr("kpi.col.period")), alt.Tooltip("name:N", title=tr("kpi.col.channel")),
                 alt.Tooltip("views:Q", title=tr("kpi.col.value"))]),
    width="stretch")

st.subheader(tr("kpi.sec.by_content"))
items = pd.DataFrame(view.tables["by_content"],
                     columns=["content_id", "code", "title", "kind", "private_views", "baseline_views", "uplift_pct"])
table(items.drop(columns=["content_id"]).rename(columns={
    "code": "ID", "title": tr("kpi.col.content"), "kind": tr("kpi.col.kind"), "private_views": tr("kpi.private_views"),
    "baseline_views": tr("kpi.baseline_views"), "uplift_pct": tr("kpi.exposure_uplift_pct")}),
    "kpi_exposure", "by_content", actor,
    column_config={tr("kpi.exposure_uplift_pct"): st.column_config.NumberColumn(format="%.1f%%")})
table(by_channel.drop(columns=["name"]).rename(columns={
    "month": tr("kpi.col.period"), "channel": tr("kpi.col.channel"), "private_domain": tr("kpi.group.private"),
    "views": tr("kpi.col.value")}), "kpi_exposure", "by_channel", actor)
footer(view.elapsed_ms)
