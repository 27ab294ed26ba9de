from ui.guard import require_page

actor = require_page("pages/kpi_conversion.py")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.i18n import label  # noqa: E402
from ui.kpi_filters import channel_name, channel_scale, figure, filter_bar, footer, load, table  # noqa: E402
from ui.runtime import lang, tr  # noqa: E402

st.title(tr("nav.kpi_conversion"))
f = filter_bar("kpi_conversion", actor, uses=("branch", "department", "channel", "segment"))
view = load("conversion_view", actor, f)
cols = st.columns(4)
figure(cols[0], "leads", "count", view.current, view.previous, "kpi.def.leads")
figure(cols[1], "appointments", "count", view.current, view.previous, "kpi.def.appointments")
figure(cols[2], "arrival_conversion_rate", "rate", view.current, view.previous, "kpi.def.arrival_conversion")
figure(cols[3], "repurchase_rate", "rate", view.current, view.previous, "kpi.def.repurchase")

st.subheader(tr("kpi.sec.by_channel_category"))
rows = pd.DataFrame(view.tables["by_channel_category"], columns=[
    "channel", "product_category", "leads", "appointments", "arrived", "arrival_conversion_rate"])
rows["channel_name"] = rows["channel"].map(channel_name)
rows["category"] = rows["product_category"].map(lambda c: label("category", c, lang()))
st.altair_chart(
    alt.Chart(rows).mark_bar().encode(
        x=alt.X("leads:Q", stack=True, title=tr("kpi.leads")), y=alt.Y("category:N", title=tr("kpi.col.category")),
        color=alt.Color("channel:N", scale=channel_scale(), title=tr("kpi.col.channel")),
        tooltip=[alt.Tooltip("channel_name:N", title=tr("kpi.col.channel")),
                 alt.Tooltip("category:N", title=tr("kpi.col.category")), alt.Tooltip("leads:Q", title=tr("kpi.leads")),
                 alt.Tooltip("arrived:Q", title=tr("kpi.col.arrived")),
                 alt.Tooltip("arrival_conversion_rate:Q", format=".1%", title=tr("kpi.arrival_conversion_rate"))]),
    width="stretch")
table(rows[["channel_name", "category", "leads", "appointments", "arrived", "arrival_conversion_rate"]].rename(columns={
    "channel_name": tr("kpi.col.channel"), "category": tr("kpi.col.category"), "leads": tr("kpi.leads"),
    "appointments": tr("kpi.appointments"), "arrived": tr("kpi.col.arrived"),
    "arrival_conversion_rate": tr("kpi.arrival_conversion_rate")}), "kpi_conversion", "by_channel_category", actor,
    column_config={tr("kpi.arrival_conversion_rate"): st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                                      format="percent")})

st.subheader(tr("kpi.sec.by_category"))
cats = pd.DataFrame(view.tables["by_category"], columns=[
    "product_category", "leads", "appointments", "arrived", "arrival_conversion_rate"])
cats["category"] = cats["product_category"].map(lambda c: label("category", c, lang()))
rep_cat = pd.DataFrame(view.tables["repurchase_by_category"],
                       columns=["category", "buyers", "repeat_buyers", "repurchase_rate"])
rep_cat["category"] = rep_cat["category"].map(lambda c: label("dept", c, lang()) if c != "other" else tr("kpi.other"))
left, right = st.columns(2)
with left:
    table(cats[["category", "leads", "appointments", "arrived", "arrival_conversion_rate"]].rename(columns={
        "category": tr("kpi.col.category"), "leads": tr("kpi.leads"), "appointments": tr("kpi.appointments"),
        "arrived": tr("kpi.col.arrived"), "arrival_conversion_rate": tr("kpi.arrival_conversion_rate")}),
        "kpi_conversion", "arrival_by_category", actor,
        column_config={tr("kpi.arrival_conversion_rate"): st.column_config.ProgressColumn(
            min_value=0, max_value=1, format="percent")})
with right:
    st.altair_chart(
        alt.Chart(rep_cat).mark_bar().encode(
            x=alt.X("repurchase_rate:Q", axis=alt.Axis(format="%"), title=tr("kpi.repurchase_rate")),
            y=alt.Y("category:N", sort="-x", title=tr("kpi.col.product_line")),
            tooltip=[alt.Tooltip("category:N", title=tr("kpi.col.product_line")),
                     alt.Tooltip("buyers:Q", title=tr("kpi.col.buyers")),
                     alt.Tooltip("repeat_buyers:Q", title=tr("kpi.col.repeat_buyers")),
                     alt.Tooltip("repurchase_rate:Q", format=".1%", title=tr("kpi.repurchase_rate"))]),
        width="stretch")
st.caption(tr("kpi.def.repurchase_by_category"))
table(rep_cat.rename(columns={"category": tr("kpi.col.product_line"), "buyers": tr("kpi.col.buyers"),
                              "repeat_buyers": tr("kpi.col.repeat_buyers"), "repurchase_rate": tr("kpi.repurchase_rate")}),
      "kpi_conversion", "repurchase_by_category", actor,
      column_config={tr("kpi.repurchase_rate"): st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                                format="percent")})

st.subheader(tr("kpi.sec.repurchase_by_channel"))
if st.toggle(tr("kpi.repurchase_channel_show"), value=f.days <= 92, key="kpi_conversion_by_channel"):
    by_channel = load("repurchase_channel_view", actor, f)
    rep = pd.DataFrame(by_channel.tables["repurchase_by_channel"],
                       columns=["channel", "buyers", "repeat_buyers", "repurchase_rate"])
    rep["channel"] = rep["channel"].map(channel_name)
    table(rep.rename(columns={"channel": tr("kpi.col.channel"), "buyers": tr("kpi.col.buyers"),
                              "repeat_buyers": tr("kpi.col.repeat_buyers"),
                              "repurchase_rate": tr("kpi.repurchase_rate")}),
          "kpi_conversion", "repurchase_by_channel", actor)
    footer(by_channel.elapsed_ms)
footer(view.elapsed_ms)
