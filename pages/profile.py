from ui.guard import require_page

actor = require_page("pages/profile.py")

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import PermissionDenied  # noqa: E402
from core.clock import today  # noqa: E402
from core.i18n import fmt_date, label, money  # noqa: E402
from core.journeys.services import SUPPRESSION_REASONS, record_suppression  # noqa: E402
from core.members.services import member_profile, search_members  # noqa: E402
from core.pricing.services import member_quotes  # noqa: E402
from core.pricing.wallet import member_wallet  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402

L = lang()
st.title(tr("profile.title"))
query = st.text_input(tr("profile.search"), key="profile_query", max_chars=40)
if not query.strip():
    st.stop()
with new_session() as s:
    hits = search_members(s, actor, query)
if not hits:
    st.info(tr("profile.no_hits"))
    st.stop()
st.caption(tr("profile.hits", n=len(hits)))
choice = st.selectbox(
    tr("profile.pick"), [h.id for h in hits], key="profile_pick",
    format_func=lambda mid: next(
        f"{h.name} · {h.external_id} · {h.phone or ''} · {label('gender', h.gender, L)} {h.age if h.age is not None else ''}"
        for h in hits if h.id == mid),
)
try:
    with new_session() as s:
        p = member_profile(s, actor, choice)
except PermissionDenied:
    st.error(tr("profile.not_yours"))
    st.stop()

if p.pii != "full":
    st.caption(tr("profile.pii_masked"))
if actor.role in ("admin", "lead", "supervisor", "advisor"):
    with st.popover(tr("profile.pause_marketing"), icon=":material/notifications_paused:"), \
            st.form("profile_pause_form", clear_on_submit=True):
        reason = st.selectbox(tr("profile.pause_reason"), SUPPRESSION_REASONS, key="profile_pause_reason",
                              format_func=lambda r: tr(f"worklist.suppress.{r}"))
        note = st.text_input(tr("profile.pause_note"), key="profile_pause_note", max_chars=200)
        if st.form_submit_button(tr("profile.pause_submit")):
            with new_session() as s:
                record_suppression(s, actor, p.id, reason, today(), note or None)
            st.success(tr("profile.paused"))
st.header(f"{p.name or ''} · {p.external_id}")
cols = st.columns(5)
cols[0].metric(tr("profile.spend_total"), money(p.total_spend_cents), help=tr("profile.spend_help"))
cols[1].metric(tr("profile.visits"), p.visit_count)
cols[2].metric(tr("profile.orders"), p.order_count)
cols[3].metric(tr("profile.departments"), p.departments_visited)
cols[4].metric(tr("profile.last_visit"), fmt_date(p.last_visit) or "—")

left, right = st.columns(2)
with left:
    st.subheader(tr("profile.basics"))
    yes, no = tr("common.yes"), tr("common.no")
    basics = [
        (tr("profile.gender"), label("gender", p.gender, L)),
        (tr("profile.age"), tr("profile.age_value", n=p.age) if p.age is not None else "—"),
        (tr("profile.birth_date"), fmt_date(p.birth_date) or "—"),
        (tr("profile.phone"), p.phone or "—"),
        (tr("profile.city"), p.city or "—"),
        (tr("profile.branch"), p.branch or "—"),
        (tr("profile.source"), label("channel", p.source_channel, L) or "—"),
        (tr("profile.joined"), fmt_date(p.joined_at) or "—"),
        (tr("profile.private"), (tr("profile.private_since", date=fmt_date(p.private_domain_since))
                                 if p.private_domain else no)),
        (tr("profile.advisor"), p.advisor or "—"),
        (tr("profile.sms_consent"), tr("profile.consent_value",
                                       state=tr("profile.granted") if p.sms_consent else tr("profile.withdrawn"),
                                       at=fmt_date(p.sms_consent_at) or "—")),
        (tr("profile.wecom_consent"), tr("profile.consent_value",
                                         state=tr("profile.granted") if p.wecom_consent else tr("profile.withdrawn"),
                                         at=fmt_date(p.wecom_consent_at) or "—")),
        (tr("profile.tags"), "、".join(p.tags) if p.tags else "—"),
    ]
    st.dataframe(pd.DataFrame(basics, columns=["", " "]), hide_index=True, width="stretch")
with right:
    st.subheader(tr("profile.maternity"))
    if p.pregnancy_week is not None:
        st.info(tr("profile.pregnant_week", week=p.pregnancy_week, edd=fmt_date(p.expected_delivery_date)))
    elif p.delivery_date is not None:
        days = (today() - p.delivery_date).days
        st.info(tr("profile.postpartum", days=days, date=fmt_date(p.delivery_date)) if p.life_stage == "postpartum"
                else tr("profile.delivered", date=fmt_date(p.delivery_date)))
        if p.discharge_date:
            st.caption(tr("profile.discharge", date=fmt_date(p.discharge_date)))
    else:
        st.caption(tr("profile.no_maternity"))
    st.subheader(tr("profile.household"))
    if p.household:
        st.dataframe(pd.DataFrame([{
            tr("common.name"): h.name, tr("profile.external_id"): h.external_id,
            tr("profile.role_in_household"): label("household", h.role, L),
            tr("profile.key_person"): yes if h.key_person else "",
            tr("profile.age"): h.age,
        } for h in p.household]), hide_index=True, width="stretch")
    else:
        st.caption(tr("profile.no_household"))

st.subheader(tr("profile.timeline"))
if p.timeline:
    tl = pd.DataFrame([{
        "date": pd.Timestamp(e.day),
        "event": tr("profile.event_visit") if e.kind == "visit" else tr("profile.event_order"),
        "department": label("dept", e.department, L) if e.department else "",
        "detail": label("visit_kind", e.detail, L) if e.kind == "visit" else (e.detail or ""),
        "amount": e.amount_cents / 100,
        "amount_text": money(e.amount_cents),
    } for e in p.timeline])
    chart = alt.Chart(tl).mark_circle(opacity=0.8).encode(
        x=alt.X("date:T", title=tr("common.date"), axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("event:N", title=None),
        size=alt.Size("amount:Q", title=tr("common.amount"), scale=alt.Scale(range=[30, 600])),
        color=alt.Color("event:N", legend=None),
        tooltip=[alt.Tooltip("date:T", title=tr("common.date"), format="%Y-%m-%d"),
                 alt.Tooltip("event:N", title=tr("profile.event")),
                 alt.Tooltip("department:N", title=tr("common.department")),
                 alt.Tooltip("detail:N", title=tr("profile.detail")),
                 alt.Tooltip("amount_text:N", title=tr("common.amount"))],
    ).properties(height=160)
    st.altair_chart(chart, width="stretch")
else:
    st.caption(tr("common.no_data"))

if p.spend_by_department:
    st.subheader(tr("profile.spend_by_dept"))
    sd = pd.DataFrame([{"department": label("dept", c, L), "amount": v / 100, "amount_text": money(v)}
                       for c, v in p.spend_by_department])
    bars = alt.Chart(sd).mark_bar(color="#0F766E").encode(
        x=alt.X("amount:Q", title=tr("common.amount") + " (¥)"),
        y=alt.Y("department:N", sort="-x", title=None),
        tooltip=[alt.Tooltip("department:N", title=tr("common.department")),
                 alt.Tooltip("amount_text:N", title=tr("common.amount"))],
    ).properties(height=max(80, 32 * len(sd)))
    st.altair_chart(bars, width="stretch")

wallet_col, quotes_col = st.columns(2)
with new_session() as s:
    wallet = member_wallet(s, actor, p.id, today())
    quotes = member_quotes(s, actor, p.id)
with wallet_col:
    st.subheader(tr("profile.wallet"))
    w = st.columns(3)
    w[0].metric(tr("profile.stored_value"), money(wallet.stored_value_cents))
    w[1].metric(tr("profile.points"), f"{wallet.points:,}")
    w[2].metric(tr("profile.coupons"), len(wallet.coupons))
    held = [(tr("profile.membership"), h.name, fmt_date(h.ends)) for h in wallet.memberships]
    held += [(tr("profile.coupon"), h.name, fmt_date(h.ends)) for h in wallet.coupons]
    if held:
        st.dataframe(pd.DataFrame(held, columns=[tr("profile.holding_kind"), tr("common.name"), tr("profile.valid_until")]),
                     hide_index=True, width="stretch")
    else:
        st.caption(tr("profile.no_holdings"))
with quotes_col:
    st.subheader(tr("profile.quotes"))
    if quotes:
        st.dataframe(pd.DataFrame([{
            tr("common.date"): fmt_date(q.on_date), tr("profile.quote_products"): "、".join(q.product_codes),
            tr("common.channel"): label("channel", q.channel, L), tr("profile.quote_list"): money(q.list_total_cents),
            tr("profile.quote_payable"): money(q.payable_cents), tr("profile.quote_by"): q.created_by,
        } for q in quotes]), hide_index=True, width="stretch")
    else:
        st.caption(tr("profile.no_quotes"))
