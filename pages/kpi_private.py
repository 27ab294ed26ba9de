from ui.guard import require_page

actor = require_page("pages/kpi_private.py")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.i18n import label, money  # noqa: E402
from ui.kpi_filters import figure, filter_bar, footer, load, table  # noqa: E402
from ui.runtime import lang, tr  # noqa: E402

st.title(tr("nav.kpi_private"))
f = filter_bar("kpi_private", actor, uses=("branch", "segment"))
view = load("private_view", actor, f)
cols = st.columns(4)
figure(cols[0], "private_domain_member_share", "rate", view.current, view.previous, "kpi.def.private_member_share",
       key="member_share")
figure(cols[1], "private_domain_spend_share", "rate", view.current, view.previous, "kpi.def.private_spend_share",
       key="spend_share")
figure(cols[2], "multi_department_rate_private", "rate", view.current, view.previous,
       "kpi.def.multi_department_private")
figure(cols[3], "multi_department_rate_all", "rate", view.current, view.previous, "kpi.def.multi_department_all")

share = pd.DataFrame([
    {"what": tr("kpi.col.members"), "group": tr(f"kpi.group.{g}"), "value": v}
    for g, v in (("private", view.current["private_members"]), ("other", view.current["other_members"]))
] + [
    {"what": tr("kpi.col.spend"), "group": tr(f"kpi.group.{g}"), "value": v / 100}
    for g, v in (("private", view.current["private_spend_cents"]), ("other", view.current["other_spend_cents"]))
])
st.altair_chart(
    alt.Chart(share).mark_bar().encode(
        x=alt.X("value:Q", stack="normalize", axis=alt.Axis(format="%"), title=None),
        y=alt.Y("what:N", title=None), color=alt.Color("group:N", title=tr("kpi.col.group")),
        tooltip=[alt.Tooltip("what:N"), alt.Tooltip("group:N", title=tr("kpi.col.group")),
                 alt.Tooltip("value:Q", format=",.0f")]),
    width="stretch")

st.subheader(tr("kpi.sec.spend_by_month"))
months = pd.DataFrame(view.tables["spend_by_month"], columns=["month", "group", "spend_cents"])
months["group_name"] = months["group"].map(lambda g: tr(f"kpi.group.{g}"))
months["spend"] = months["spend_cents"] / 100
st.altair_chart(
    alt.Chart(months).mark_bar().encode(
        x=alt.X("month:O", title=tr("kpi.col.period")), y=alt.Y("spend:Q", title=tr("kpi.col.spend")),
        color=alt.Color("group_name:N", title=tr("kpi.col.group")), xOffset="group_name:N",
        tooltip=[alt.Tooltip("month:O", title=tr("kpi.col.period")),
                 alt.Tooltip("group_name:N", title=tr("kpi.col.group")),
                 alt.Tooltip("spend:Q", format=",.2f", title=tr("kpi.col.spend"))]),
    width="stretch")
months["spend"] = months["spend_cents"].map(money)
table(months[["month", "group_name", "spend"]].rename(columns={
    "month": tr("kpi.col.period"), "group_name": tr("kpi.col.group"), "spend": tr("kpi.col.spend")}),
    "kpi_private", "spend_by_month", actor)

st.subheader(tr("kpi.sec.rfm"))
rfm = pd.DataFrame(view.tables["rfm"], columns=["rfm_segment", "group", "members"])
rfm["cell"] = rfm["rfm_segment"].map(lambda c: label("rfm.segment", c, lang()))
rfm["group_name"] = rfm["group"].map(lambda g: tr(f"kpi.group.{g}"))
st.altair_chart(
    alt.Chart(rfm).mark_bar().encode(
        x=alt.X("members:Q", stack="normalize", axis=alt.Axis(format="%"), title=tr("kpi.col.members")),
        y=alt.Y("group_name:N", title=None), color=alt.Color("cell:N", title=tr("kpi.col.rfm")),
        tooltip=[alt.Tooltip("group_name:N", title=tr("kpi.col.group")), alt.Tooltip("cell:N", title=tr("kpi.col.rfm")),
                 alt.Tooltip("members:Q", title=tr("kpi.col.members"))]),
    width="stretch")
table(rfm[["group_name", "cell", "members"]].rename(columns={
    "group_name": tr("kpi.col.group"), "cell": tr("kpi.col.rfm"), "members": tr("kpi.col.members")}),
    "kpi_private", "rfm", actor)
st.subheader(tr("kpi.sec.households"))
if st.toggle(tr("kpi.households_show"), key="kpi_private_households"):
    homes = load("household_view", actor, f)
    figure(st, "key_person_reach", "rate", homes.current, homes.previous, "kpi.def.key_person_reach", key="rate")
    households = pd.DataFrame(homes.tables["households"], columns=[
        "group", "households", "spend_cents", "mean_spend_cents", "multi_department_rate"])
    households["group"] = households["group"].map(lambda g: tr(f"kpi.group.{g}"))
    households["spend_cents"] = households["spend_cents"].map(money)
    households["mean_spend_cents"] = households["mean_spend_cents"].map(lambda c: money(round(c)) if c else "—")
    table(households.rename(columns={
        "group": tr("kpi.col.group"), "households": tr("kpi.col.households"), "spend_cents": tr("kpi.col.spend"),
        "mean_spend_cents": tr("kpi.col.mean_spend"), "multi_department_rate": tr("kpi.multi_department_rate_all")}),
        "kpi_private", "households", actor)
    footer(homes.elapsed_ms)
footer(view.elapsed_ms)
