from ui.guard import require_page

actor = require_page("pages/kpi_reach.py")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from ui.kpi_filters import channel_name, channel_scale, figure, filter_bar, footer, load, options, table  # noqa: E402
from ui.runtime import tr  # noqa: E402

st.title(tr("nav.kpi_reach"))
f = filter_bar("kpi_reach", actor, uses=("branch", "channel", "journey", "segment"))
grain = st.radio(tr("kpi.grain"), ["day", "week", "month"], index=1, horizontal=True, key="kpi_reach_grain",
                 format_func=lambda g: tr(f"kpi.grain.{g}"))
view = load("reach_view", actor, f, grain)
cols = st.columns(3)
figure(cols[0], "reach", "count", view.current, view.previous, "kpi.def.reach")
figure(cols[1], "touches", "count", view.current, view.previous, "kpi.def.touches")
figure(cols[2], "frequency", "decimal", view.current, view.previous, "kpi.def.frequency")
if not view.current["touches"]:
    st.info(tr("kpi.no_rollup"))

st.subheader(tr("kpi.sec.series"))
series = pd.DataFrame(view.tables["series"], columns=[grain, "reached", "touches", "frequency"])
series[grain] = series[grain].astype(str)
st.altair_chart(
    alt.Chart(series).mark_line(point=True).encode(
        x=alt.X(f"{grain}:O", title=tr("kpi.col.period")), y=alt.Y("reached:Q", title=tr("kpi.reach")),
        tooltip=[alt.Tooltip(f"{grain}:O", title=tr("kpi.col.period")),
                 alt.Tooltip("reached:Q", title=tr("kpi.reach")), alt.Tooltip("touches:Q", title=tr("kpi.touches")),
                 alt.Tooltip("frequency:Q", title=tr("kpi.frequency"), format=".2f")]),
    width="stretch")

left, right = st.columns(2)
with left:
    st.subheader(tr("kpi.sec.by_channel"))
    by_channel = pd.DataFrame(view.tables["by_channel"], columns=["channel", "reached", "touches", "frequency"])
    by_channel["name"] = by_channel["channel"].map(channel_name)
    st.altair_chart(
        alt.Chart(by_channel).mark_bar().encode(
            x=alt.X("reached:Q", title=tr("kpi.reach")), y=alt.Y("name:N", sort="-x", title=tr("kpi.col.channel")),
            color=alt.Color("channel:N", scale=channel_scale(), legend=None),
            tooltip=[alt.Tooltip("name:N", title=tr("kpi.col.channel")), alt.Tooltip("reached:Q", title=tr("kpi.reach")),
                     alt.Tooltip("touches:Q", title=tr("kpi.touches")),
                     alt.Tooltip("frequency:Q", title=tr("kpi.frequency"), format=".2f")]),
        width="stretch")
    table(by_channel[["name", "reached", "touches", "frequency"]].rename(columns={
        "name": tr("kpi.col.channel"), "reached": tr("kpi.reach"), "touches": tr("kpi.touches"),
        "frequency": tr("kpi.frequency")}), "kpi_reach", "by_channel", actor)
with right:
    st.subheader(tr("kpi.sec.distribution"))
    # adding up every member's touches is quick for a quarter and slow for a year: long periods ask first
    if st.toggle(tr("kpi.distribution_show"), value=f.days <= 92, key="kpi_reach_distribution"):
        freq = load("frequency_view", actor, f)
        dist = pd.DataFrame(freq.tables["distribution"], columns=["bucket", "members"])
        st.altair_chart(
            alt.Chart(dist).mark_bar().encode(
                x=alt.X("bucket:O", sort=None, title=tr("kpi.col.bucket")),
                y=alt.Y("members:Q", title=tr("kpi.col.members")),
                tooltip=[alt.Tooltip("bucket:O", title=tr("kpi.col.bucket")),
                         alt.Tooltip("members:Q", title=tr("kpi.col.members"))]),
            width="stretch")
        table(dist.rename(columns={"bucket": tr("kpi.col.bucket"), "members": tr("kpi.col.members")}),
              "kpi_reach", "distribution", actor)
        footer(freq.elapsed_ms)

st.subheader(tr("kpi.sec.by_journey"))
journeys = dict(options(actor).journeys)
by_journey = pd.DataFrame(view.tables["by_journey"], columns=["journey_id", "reached", "touches", "frequency"])
by_journey["journey_id"] = by_journey["journey_id"].map(lambda j: journeys.get(j, "—"))
table(by_journey.rename(columns={"journey_id": tr("kpi.col.journey"), "reached": tr("kpi.reach"),
                                 "touches": tr("kpi.touches"), "frequency": tr("kpi.frequency")}),
      "kpi_reach", "by_journey", actor)
table(series.rename(columns={grain: tr("kpi.col.period"), "reached": tr("kpi.reach"), "touches": tr("kpi.touches"),
                             "frequency": tr("kpi.frequency")}), "kpi_reach", "series", actor)
footer(view.elapsed_ms)
