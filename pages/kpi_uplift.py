from ui.guard import require_page

actor = require_page("pages/kpi_uplift.py")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.kpis.report import format_value  # noqa: E402
from ui.kpi_filters import filter_bar, footer, load, options, table  # noqa: E402
from ui.runtime import tr  # noqa: E402

st.title(tr("nav.kpi_uplift"))
st.caption(tr("kpi.def.uplift"))
journeys = dict(options(actor).journeys)
if not journeys:
    st.info(tr("kpi.no_journeys"))
    st.stop()
top = st.columns(2)
journey_id = top[0].selectbox(tr("kpi.filter.journey"), list(journeys), key="kpi_uplift_journey_pick",
                              format_func=lambda j: journeys[j])
window = top[1].number_input(tr("kpi.window_days"), min_value=1, max_value=365, value=30, key="kpi_uplift_window")
f = filter_bar("kpi_uplift", actor, uses=("branch", "segment"))
view = load("uplift_view", actor, f, journey_id, int(window))
now = view.current
cols = st.columns(2)
cols[0].metric(tr("kpi.treated"), format_value("count", now["treated"]), help=tr("kpi.def.uplift"))
cols[1].metric(tr("kpi.control"), format_value("count", now["control"]), help=tr("kpi.def.uplift"))

rows = []
for key, kind in (("conversion", "rate"), ("arrival", "rate"), ("spend_cents", "money")):
    diff, before = now[key], view.previous[key]
    scale = 100 if kind == "money" else 1  # cents shown as yuan

    def shown(v, kind=kind, scale=scale):  # noqa: ANN001, ANN202
        return format_value("decimal" if kind == "money" else kind, None if v is None else v / scale)

    rows.append({
        tr("kpi.col.metric"): tr("kpi.spend") if kind == "money" else tr(f"kpi.{key}"),
        tr("kpi.treated"): shown(diff.treated), tr("kpi.control"): shown(diff.control),
        tr("kpi.difference"): shown(diff.difference),
        tr("kpi.ci"): "—" if diff.ci_low is None else f"[{shown(diff.ci_low)}, {shown(diff.ci_high)}]",
        tr("kpi.significant"): tr("kpi.significant") if diff.significant else tr("kpi.not_significant"),
        tr("kpi.col.previous"): shown(before.difference),
    })
table(pd.DataFrame(rows), "kpi_uplift", "summary", actor)

bars = pd.DataFrame([
    {"metric": tr(f"kpi.{k}"), "group": tr(f"kpi.{g}"), "value": getattr(now[k], g) or 0.0}
    for k in ("conversion", "arrival") for g in ("treated", "control")])
st.altair_chart(
    alt.Chart(bars).mark_bar().encode(
        x=alt.X("group:N", title=None), y=alt.Y("value:Q", axis=alt.Axis(format="%"), title=None),
        color=alt.Color("group:N", legend=None), column=alt.Column("metric:N", title=None),
        tooltip=[alt.Tooltip("metric:N"), alt.Tooltip("group:N"), alt.Tooltip("value:Q", format=".1%")]),
)
footer(view.elapsed_ms)
