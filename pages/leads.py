from ui.guard import require_page

actor = require_page("pages/leads.py")

from datetime import timedelta  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.clock import today  # noqa: E402
from core.i18n import fmt_date, label  # noqa: E402
from core.kpis import leads  # noqa: E402
from ui.export import download_buttons  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402

STATUS = ("booked", "arrived", "no_show", "cancelled")


def _done(message: str) -> None:
    st.session_state["leads_notice"] = message
    st.rerun()


def _channel(c: str | None) -> str:
    return label("channel", c, lang()) if c else "—"


def _category(c: str | None) -> str:
    return label("category", c, lang()) if c else "—"


st.title(tr("nav.leads"))
if st.session_state.get("leads_notice"):
    st.success(st.session_state.pop("leads_notice"))

cols = st.columns(4)
day = today()
date_from = cols[0].date_input(tr("common.period_from"), value=day - timedelta(days=29), key="leads_from")
date_to = cols[1].date_input(tr("common.period_to"), value=day, key="leads_to")
channel = cols[2].selectbox(tr("common.channel"), [None, *leads.LEAD_CHANNELS], key="leads_channel",
                            format_func=lambda c: tr("common.all") if c is None else _channel(c))
category = cols[3].selectbox(tr("kpi.col.category"), [None, *leads.LEAD_CATEGORIES], key="leads_category",
                             format_func=lambda c: tr("common.all") if c is None else _category(c))

with new_session() as s:
    rows = leads.list_leads(s, actor, date_from=date_from, date_to=date_to, channel=channel, category=category)

booked = sum(1 for r in rows if r.appointment_id)
arrived = sum(1 for r in rows if r.status == "arrived")
m = st.columns(3)
m[0].metric(tr("kpi.leads"), f"{len(rows):,}", help=tr("kpi.def.leads"))
m[1].metric(tr("kpi.appointments"), f"{booked:,}", help=tr("kpi.def.appointments"))
m[2].metric(tr("leads.arrived"), f"{arrived:,}", help=tr("leads.def.arrived"))

frame = pd.DataFrame([{
    "id": r.id, tr("kpi.col.date"): fmt_date(r.created_on), tr("common.channel"): _channel(r.channel),
    tr("kpi.col.category"): _category(r.product_category), tr("leads.col.member"): r.member or "—",
    tr("leads.col.appointment"): fmt_date(r.scheduled_for) if r.scheduled_for else "—",
    tr("leads.col.status"): tr(f"leads.status.{r.status}") if r.status else "—",
    tr("leads.col.arrived_on"): fmt_date(r.appointment_arrived_on) if r.appointment_arrived_on else "—",
    tr("leads.col.visited_on"): fmt_date(r.visited_on) if r.visited_on else "—",
    tr("leads.col.note"): r.note or "",
} for r in rows])
st.dataframe(frame, hide_index=True, width="stretch", key="leads_table")
download_buttons(frame, file_stem="leads", entity="leads", actor=actor, key="leads_export")

left, right = st.columns(2)
with left, st.form("leads_new_form", clear_on_submit=True):
    st.subheader(tr("leads.new"))
    new_channel = st.selectbox(tr("common.channel"), leads.LEAD_CHANNELS, key="leads_new_channel", format_func=_channel)
    new_category = st.selectbox(tr("kpi.col.category"), leads.LEAD_CATEGORIES, key="leads_new_category",
                                format_func=_category)
    member = st.text_input(tr("leads.member_id"), key="leads_new_member", help=tr("leads.member_hint"))
    created_on = st.date_input(tr("kpi.col.date"), value=day, key="leads_new_day")
    note = st.text_input(tr("leads.col.note"), key="leads_new_note", max_chars=300)
    if st.form_submit_button(tr("leads.record"), type="primary"):
        try:
            with new_session() as s:
                leads.record_lead(s, actor, channel=new_channel, product_category=new_category, created_on=created_on,
                                  member_external_id=member, note=note)
        except leads.LeadError as err:
            st.error(tr(err.args[0]))
        else:
            _done(tr("leads.recorded"))

with right:
    st.subheader(tr("leads.appointments"))
    by_id = {r.id: r for r in rows}

    def lead_name(i: int) -> str:
        r = by_id[i]
        return f"#{r.id} · {fmt_date(r.created_on)} · {_category(r.product_category)} · {r.member or '—'}"

    bookable = [r.id for r in rows if r.member]
    with st.form("leads_book_form"):
        lead_id = st.selectbox(tr("leads.pick_lead"), bookable, key="leads_book_lead", format_func=lead_name)
        scheduled = st.date_input(tr("leads.col.appointment"), value=day + timedelta(days=1), key="leads_book_day")
        if st.form_submit_button(tr("leads.book")) and lead_id is not None:
            try:
                with new_session() as s:
                    leads.book_appointment(s, actor, lead_id, scheduled_for=scheduled, booked_on=day)
            except leads.LeadError as err:
                st.error(tr(err.args[0]))
            else:
                _done(tr("leads.booked"))
    waiting = [r.id for r in rows if r.status == "booked"]
    with st.form("leads_arrive_form"):
        arrive_id = st.selectbox(tr("leads.pick_booked"), waiting, key="leads_arrive_lead", format_func=lead_name)
        arrived_on = st.date_input(tr("leads.col.arrived_on"), value=day, key="leads_arrive_day")
        if st.form_submit_button(tr("leads.mark_arrival")) and arrive_id is not None:
            try:
                with new_session() as s:
                    leads.mark_arrival(s, actor, by_id[arrive_id].appointment_id, arrived_on=arrived_on)
            except leads.LeadError as err:
                st.error(tr(err.args[0]))
            else:
                _done(tr("leads.arrival_marked"))
