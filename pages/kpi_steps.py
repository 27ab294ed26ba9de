from ui.guard import require_page

actor = require_page("pages/kpi_steps.py")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.kpis.definitions import DEFAULT_CONVERSION_DAYS  # noqa: E402
from ui.kpi_filters import channel_name, figure, filter_bar, footer, load, options, table  # noqa: E402
from ui.runtime import tr  # noqa: E402

STAGES = ("scheduled", "sent", "delivered", "opened", "replied", "converted")
RATES = ("delivery_rate", "open_rate", "conversion_rate", "opt_out_rate")

st.title(tr("nav.kpi_steps"))
st.caption(tr("kpi.def.step"))
journeys = dict(options(actor).journeys)
if not journeys:
    st.info(tr("kpi.no_journeys"))
    st.stop()
top = st.columns(2)
journey_id = top[0].selectbox(tr("kpi.filter.journey"), list(journeys), key="kpi_steps_journey_pick",
                              format_func=lambda j: journeys[j])
window = top[1].number_input(tr("kpi.window_days"), min_value=1, max_value=90, value=DEFAULT_CONVERSION_DAYS,
                             key="kpi_steps_window")
f = filter_bar("kpi_steps", actor, uses=("branch", "channel", "segment"))
view = load("steps_view", actor, f, journey_id, int(window))
cols = st.columns(4)
figure(cols[0], "touches", "count", view.current, view.previous, "kpi.def.step", key="scheduled")
figure(cols[1], "col.delivered", "count", view.current, view.previous, "kpi.def.step", key="delivered")
figure(cols[2], "step_conversion", "rate", view.current, view.previous, "kpi.def.step", key="conversion_rate")
figure(cols[3], "col.opted_out", "count", view.current, view.previous, "kpi.def.step", key="opted_out", inverse=True)

funnel = pd.DataFrame(view.tables["funnel"], columns=[
    "step_id", "position", "name", "kind", "channel", *STAGES, "opted_out", "delivery_rate", "open_rate",
    "conversion_rate", "opt_out_rate"])
st.subheader(tr("kpi.sec.funnel"))
st.caption(tr("kpi.funnel_hint"))
stage_names = [tr(f"kpi.col.{s}") for s in STAGES]
long = funnel.melt(id_vars=["position", "name"], value_vars=list(STAGES), var_name="stage", value_name="count")
long["step"] = long["position"].astype(str) + ". " + long["name"]
long["stage_name"] = long["stage"].map(lambda s: tr(f"kpi.col.{s}"))
long["stage_rank"] = long["stage"].map(STAGES.index)
step_order = list(funnel.sort_values("position").apply(lambda r: f"{r['position']}. {r['name']}", axis=1))
rows = alt.Y("step:N", sort=step_order, title=None, axis=alt.Axis(labelLimit=280))
# one row per step; the stages are drawn over each other, widest first, so each row reads as its funnel
stages = alt.Chart(long).mark_bar(height={"band": 0.8}).encode(
    y=rows,
    x=alt.X("count:Q", stack=None, title=tr("common.count")),
    color=alt.Color("stage_name:N", sort=stage_names, title=tr("kpi.col.stage"), legend=alt.Legend(orient="top"),
                    scale=alt.Scale(domain=stage_names,
                                    range=["#CBD5E1", "#93C5FD", "#3B82F6", "#1D4ED8", "#0F766E", "#F59E0B"])),
    order=alt.Order("stage_rank:Q"),
    tooltip=[alt.Tooltip("step:N", title=tr("kpi.col.step")), alt.Tooltip("stage_name:N", title=tr("kpi.col.stage")),
             alt.Tooltip("count:Q", title=tr("common.count"))],
).properties(height=alt.Step(20), width=520)
optouts = alt.Chart(funnel.assign(step=funnel["position"].astype(str) + ". " + funnel["name"])).mark_bar(
    color="#DC2626", height={"band": 0.6}).encode(
    y=alt.Y("step:N", sort=step_order, title=None, axis=None),
    x=alt.X("opt_out_rate:Q", title=tr("kpi.col.opt_out_rate"), axis=alt.Axis(format="%")),
    tooltip=[alt.Tooltip("step:N", title=tr("kpi.col.step")),
             alt.Tooltip("opted_out:Q", title=tr("kpi.col.opted_out")),
             alt.Tooltip("opt_out_rate:Q", title=tr("kpi.col.opt_out_rate"), format=".1%")],
).properties(height=alt.Step(20), width=160)
st.altair_chart(alt.hconcat(stages, optouts, spacing=8).resolve_scale(y="shared"))
funnel["channel"] = funnel["channel"].map(channel_name)
shown = funnel.drop(columns=["step_id", "kind"]).rename(columns={
    "position": tr("kpi.col.position"), "name": tr("kpi.col.step"), "channel": tr("kpi.col.channel"),
    **{s: tr(f"kpi.col.{s}") for s in (*STAGES, "opted_out", *RATES)}})
table(shown, "kpi_steps", "funnel", actor,
      column_config={tr(f"kpi.col.{r}"): st.column_config.NumberColumn(format="percent") for r in RATES})
footer(view.elapsed_ms)
