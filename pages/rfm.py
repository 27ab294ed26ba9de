from ui.guard import require_page

actor = require_page("pages/rfm.py")

import json  # noqa: E402
from datetime import date  # noqa: E402

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import Actor  # noqa: E402
from core.i18n import label, money, pct  # noqa: E402
from core.rfm import services as rfm  # noqa: E402
from core.rfm.model import RFM_SEGMENTS  # noqa: E402
from core.segments import services as segments  # noqa: E402
from core.segments.export import sample  # noqa: E402
from core.segments.services import MANAGERS  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402


@st.cache_data(ttl=300, show_spinner=False)
def _grid(who: Actor) -> list:
    with new_session() as s:
        return rfm.grid(s, who)


@st.cache_data(ttl=300, show_spinner=False)
def _computed_on(who: Actor) -> date | None:
    with new_session() as s:
        return rfm.computed_on(s, who)


@st.cache_data(ttl=300, show_spinner=False)
def _count(rule_json: str, as_of: date, who: Actor) -> int:
    with new_session() as s:
        return segments.count(s, who, json.loads(rule_json), as_of=as_of)


@st.cache_data(ttl=120, show_spinner=False)
def _sample(rule_json: str, as_of: date, who: Actor) -> list:
    with new_session() as s:
        return sample(s, who, json.loads(rule_json), as_of=as_of, limit=20)


def _name(code: str) -> str:
    return label("rfm.segment", code, lang())


st.title(tr("rfm.title"))
st.caption(tr("rfm.caption"))

if actor.role in ("lead", "admin") and st.button(tr("rfm.refresh"), key="rfm_refresh", icon=":material/refresh:"):
    with st.status(tr("rfm.refreshing")) as status:
        with new_session() as s:
            result = rfm.refresh(s, actor)
        status.update(label=tr("rfm.refreshed", n=f"{result.members:,}"), state="complete")
    _grid.clear()
    _computed_on.clear()
    _count.clear()
    _sample.clear()

computed = _computed_on(actor)
if computed is None:
    st.info(tr("rfm.never"))
    st.stop()
st.caption(tr("rfm.computed_on", date=computed.isoformat()))

cells = _grid(actor)
frame = pd.DataFrame([{"r": c.r, "f": c.f, "segment": _name(c.segment), "members": c.members,
                       "spend": c.monetary_yuan, "spend_text": money(c.monetary_cents)} for c in cells])
picked_cell = alt.selection_point(fields=["r", "f"], name="cell")
base = alt.Chart(frame).encode(
    x=alt.X("f:O", title="F"), y=alt.Y("r:O", title="R", sort="descending"),
    tooltip=[alt.Tooltip("segment:N", title=tr("rfm.col.segment")), alt.Tooltip("members:Q", title=tr("rfm.col.members")),
             alt.Tooltip("spend_text:N", title=tr("rfm.col.spend"))])
members_map = base.mark_rect().encode(
    color=alt.Color("members:Q", title=tr("rfm.col.members"), scale=alt.Scale(scheme="blues")),
    opacity=alt.condition(picked_cell, alt.value(1.0), alt.value(0.45)),
).add_params(picked_cell)
members_text = base.mark_text(baseline="middle").encode(text=alt.Text("members:Q", format=","))
spend_map = base.mark_rect().encode(color=alt.Color("spend:Q", title=tr("rfm.col.spend"), scale=alt.Scale(scheme="oranges")))
spend_text = base.mark_text(baseline="middle").encode(text=alt.Text("spend:Q", format=",.0f"))

left, right = st.columns(2)
with left:
    st.markdown(f"**{tr('rfm.members_grid')}**")
    event = st.altair_chart(members_map + members_text, on_select="rerun", selection_mode="cell", key="rfm_grid",
                            width="stretch")
with right:
    st.markdown(f"**{tr('rfm.spend_grid')}**")
    st.altair_chart(spend_map + spend_text, width="stretch")

points = (event.selection.get("cell") if event else None) or []
named = st.selectbox(tr("rfm.pick_segment"), [None, *RFM_SEGMENTS], key="rfm_segment",
                     format_func=lambda c: "—" if c is None else _name(c))
rule, caption = None, ""
if named is not None:
    rule, caption = rfm.cell_rule(segment=named), _name(named)
elif points:
    r, f = int(points[0]["r"]), int(points[0]["f"])
    rule = rfm.cell_rule(r, f)
    caption = tr("rfm.cell", r=r, f=f, name=_name(next((c.segment for c in cells if c.r == r and c.f == f), "lost")))
if rule is not None:
    rule_json = json.dumps(rule, sort_keys=True)
    st.subheader(tr("rfm.selection_count", label=caption, n=f"{_count(rule_json, computed, actor):,}"))
    if actor.role in MANAGERS:
        rows = _sample(rule_json, computed, actor)
        st.dataframe(pd.DataFrame([{
            tr("segments.col.external_id"): m.external_id, tr("common.name"): m.name, tr("segments.col.phone"): m.phone,
            tr("segments.col.city"): m.city, tr("segments.col.branch"): m.branch} for m in rows]),
            hide_index=True, width="stretch")
        if st.button(tr("rfm.open_in_builder"), key="rfm_open_builder", icon=":material/filter_alt:"):
            st.session_state["segments_incoming_rule"] = rule
            st.switch_page("pages/segments.py")

st.subheader(tr("rfm.segments_table"))
st.dataframe(pd.DataFrame([{
    tr("rfm.col.segment"): _name(t.segment), tr("rfm.col.members"): t.members, "%": pct(t.share),
    tr("rfm.col.spend"): money(t.monetary_cents)} for t in rfm.by_segment(cells)]), hide_index=True, width="stretch")
