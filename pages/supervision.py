from ui.guard import require_page

actor = require_page("pages/supervision.py")

from dataclasses import asdict  # noqa: E402
from datetime import timedelta  # noqa: E402

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import Actor  # noqa: E402
from core.clock import today  # noqa: E402
from core.i18n import label, pct  # noqa: E402
from core.tasks import supervision  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402


@st.cache_data(ttl=120, show_spinner=False)
def _totals(who: Actor, start, end, on) -> supervision.Rates:  # noqa: ANN001
    with new_session() as s:
        return supervision.totals(s, who, start, end, on)


@st.cache_data(ttl=120, show_spinner=False)
def _rates(who: Actor, start, end, by: str, on) -> list:  # noqa: ANN001
    with new_session() as s:
        return supervision.rates(s, who, start, end, by, on)


@st.cache_data(ttl=120, show_spinner=False)
def _trend(who: Actor, start, end, on) -> list:  # noqa: ANN001
    with new_session() as s:
        return supervision.weekly_trend(s, who, start, end, on)


@st.cache_data(ttl=120, show_spinner=False)
def _tasks(who: Actor, start, end, on, by, key, overdue_only: bool) -> list:  # noqa: ANN001
    with new_session() as s:
        return supervision.tasks(s, who, start, end, on, by=by, key=key, overdue_only=overdue_only)


def _frame(rows: list) -> pd.DataFrame:
    return pd.DataFrame([{
        tr("supervision.col.name"): r.label, tr("supervision.col.due"): r.due, tr("supervision.col.done"): r.done,
        tr("supervision.col.on_time"): r.on_time, tr("supervision.col.overdue"): r.overdue,
        tr("supervision.completion"): pct(r.completion_rate), tr("supervision.on_time_rate"): pct(r.on_time_rate),
    } for r in rows])


def _task_frame(lines: list) -> pd.DataFrame:
    """The tasks behind a figure, with translated headings, statuses and outcomes."""
    frame = pd.DataFrame([asdict(t) for t in lines])
    if frame.empty:
        return frame
    frame["status"] = frame["status"].map(lambda v: label("supervision.task_status", v, lang()))
    frame["outcome"] = frame["outcome"].map(lambda v: label("worklist.outcome", v, lang()) if v else "")
    return frame.rename(columns={c: tr(f"supervision.task.{c}") for c in frame.columns})


st.title(tr("supervision.title"))
st.caption(tr("supervision.definition"))
on = today()
c1, c2, c3 = st.columns(3)
start = c1.date_input(tr("supervision.from"), on - timedelta(days=27), key="supervision_from")
end = c2.date_input(tr("supervision.to"), on, key="supervision_to")
by = c3.selectbox(tr("supervision.by"), supervision.DIMENSIONS, key="supervision_by",
                  format_func=lambda d: label("supervision.dim", d, lang()))
if start > end:
    st.error(tr("supervision.bad_period"))
    st.stop()

total = _totals(actor, start, end, on)
m1, m2, m3, m4 = st.columns(4)
m1.metric(tr("supervision.due"), f"{total.due:,}")
m2.metric(tr("supervision.completion"), pct(total.completion_rate))
m3.metric(tr("supervision.on_time_rate"), pct(total.on_time_rate))
m4.metric(tr("supervision.overdue"), f"{total.overdue:,}")

rows = _rates(actor, start, end, by, on)
if rows:
    st.subheader(tr("supervision.by_heading", dim=label("supervision.dim", by, lang())))
    chart_frame = pd.DataFrame([{"name": r.label, "rate": r.on_time_rate or 0.0, "due": r.due} for r in rows])
    st.altair_chart(alt.Chart(chart_frame).mark_bar().encode(
        x=alt.X("rate:Q", axis=alt.Axis(format="%"), title=tr("supervision.on_time_rate")),
        y=alt.Y("name:N", sort="-x", title=None), tooltip=["name", "due", alt.Tooltip("rate:Q", format=".1%")],
    ), width="stretch")
    st.dataframe(_frame(rows), width="stretch", hide_index=True)

    keys = {r.key: r.label for r in rows}
    drill = st.selectbox(tr("supervision.drill"), [""] + list(keys), key="supervision_drill",
                         format_func=lambda k: keys.get(k, "—"))
    if drill:
        lines = _tasks(actor, start, end, on, by, drill, False)
        st.caption(tr("supervision.drill_count", n=len(lines)))
        st.dataframe(_task_frame(lines), width="stretch", hide_index=True)
else:
    st.info(tr("supervision.empty"))

st.subheader(tr("supervision.trend"))
trend = _trend(actor, start, end, on)
trend_frame = pd.DataFrame([{"week": r.key, "completion": r.completion_rate, "on_time": r.on_time_rate}
                            for r in trend]).melt("week", var_name="measure", value_name="rate")
st.altair_chart(alt.Chart(trend_frame.dropna()).mark_line(point=True).encode(
    x=alt.X("week:O", title=None), y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title=None),
    color=alt.Color("measure:N", title=None)), width="stretch")

st.subheader(tr("supervision.overdue_list"))
overdue = _tasks(actor, start, end, on, None, None, True)
if overdue:
    st.dataframe(_task_frame(overdue), width="stretch", hide_index=True)
else:
    st.success(tr("supervision.no_overdue"))

if st.button(tr("supervision.export"), key="supervision_export", icon=":material/download:"):
    with new_session() as s:
        st.session_state["supervision_csv"] = supervision.export_csv(s, actor, start, end, on, by)
if st.session_state.get("supervision_csv"):
    st.download_button(tr("supervision.download"), st.session_state["supervision_csv"],
                       file_name=f"supervision-{by}-{start}-{end}.csv", mime="text/csv", key="supervision_download")
