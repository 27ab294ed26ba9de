from ui.guard import require_page

actor = require_page("pages/quote.py")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import Actor  # noqa: E402
from core.clock import today  # noqa: E402
from core.i18n import fmt_date, label, money  # noqa: E402
from core.members.services import search_members  # noqa: E402
from core.pricing.services import QuoteError, member_quotes, quote, save_quote  # noqa: E402
from core.pricing.wallet import member_wallet  # noqa: E402
from core.products.services import list_published  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402

CHANNELS = ("", "front_desk", "wecom", "meituan", "dianping", "wechat_mall", "mini_program")


@st.cache_data(ttl=120, show_spinner=False)
def _products() -> list:
    with new_session() as s:
        return list_published(s)


@st.cache_data(ttl=60, show_spinner=False)
def _hits(text: str, who: Actor) -> list:
    with new_session() as s:
        return search_members(s, who, text)


def _wallet(member_id: int, on) -> object:  # noqa: ANN001
    with new_session() as s:
        return member_wallet(s, actor, member_id, on)


def _history(member_id: int) -> list:
    with new_session() as s:
        return member_quotes(s, actor, member_id)


st.title(tr("quote.title"))
st.caption(tr("quote.caption"))
query = st.text_input(tr("quote.member_search"), key="quote_member_query", placeholder=tr("quote.member_hint"))
hits = _hits(query.strip(), actor) if query.strip() else []
if query.strip() and not hits:
    st.info(tr("quote.no_member"))
if not hits:
    st.stop()
by_id = {h.id: h for h in hits}
member_id = st.selectbox(tr("quote.member"), list(by_id), key="quote_member",
                         format_func=lambda i: f"{by_id[i].external_id} · {by_id[i].name or ''}")
on_date = st.date_input(tr("common.date"), value=today(), key="quote_date")
wallet = _wallet(member_id, on_date)
w = st.columns(4)
w[0].metric(tr("quote.memberships"), "、".join(m.name for m in wallet.memberships) or tr("common.none"))
w[1].metric(tr("quote.stored_value"), money(wallet.stored_value_cents))
w[2].metric(tr("quote.points"), f"{wallet.points:,}")
w[3].metric(tr("quote.coupons"), str(len(wallet.coupons)))

products = {p.code: p for p in _products()}
codes = st.multiselect(tr("quote.products"), list(products), key="quote_products",
                       format_func=lambda c: f"{products[c].name}（{money(products[c].list_price_cents)}）")
c1, c2, c3 = st.columns(3)
channel = c1.selectbox(tr("common.channel"), CHANNELS, key="quote_channel",
                       format_func=lambda c: label("channel", c, lang()) if c else tr("quote.any_channel"))
coupon_names = {c.code: c.name for c in wallet.coupons}
coupons = c2.multiselect(tr("quote.use_coupons"), list(coupon_names), key="quote_coupons",
                         format_func=coupon_names.get, help=tr("quote.coupons_help"))
points = c3.number_input(tr("quote.redeem_points"), min_value=0, max_value=max(wallet.points, 0), step=100,
                         key="quote_points")

if st.button(tr("quote.price"), key="quote_price", type="primary", disabled=not codes):
    try:
        with new_session() as s:
            result = quote(s, actor, member_id=member_id, product_codes=codes, channel=channel or None,
                           on_date=on_date, coupon_codes=coupons, points=int(points))
        st.session_state["quote_result"] = (member_id, result)
    except QuoteError as exc:
        st.session_state.pop("quote_result", None)
        st.error(tr(exc.key, **exc.params))

held = st.session_state.get("quote_result")
if held and held[0] == member_id:
    q = held[1]
    m = st.columns(3)
    m[0].metric(tr("quote.list_total"), money(q.list_total_cents))
    m[1].metric(tr("quote.payable"), money(q.payable_cents))
    m[2].metric(tr("quote.saving"), money(q.saving_cents))
    st.dataframe(pd.DataFrame([{
        tr("quote.col.product"): f"{ln.name}（{ln.product_code}）",
        tr("quote.col.list"): money(ln.list_cents),
        tr("quote.col.offers"): "；".join(f"{a.offer_name} −{money(a.amount_cents)}" for a in ln.applied) or "—",
        tr("quote.col.final"): money(ln.final_cents),
    } for ln in q.lines]), hide_index=True, width="stretch")
    if q.points_redeemed:
        st.caption(tr("quote.points_used", points=f"{q.points_redeemed:,}", amount=money(q.points_cents)))
    if q.stored_value_usable_cents:
        st.caption(tr("quote.stored_value_usable", amount=money(q.stored_value_usable_cents)))
    if q.not_applied:
        with st.expander(tr("quote.not_applied", n=len(q.not_applied))):
            st.dataframe(pd.DataFrame([{
                tr("quote.col.offer"): n.offer_name,
                tr("quote.col.reason"): tr(f"pricing.reason.{n.reason}", other=n.other or ""),
            } for n in q.not_applied]), hide_index=True, width="stretch")
    if st.button(tr("quote.save"), key="quote_save"):
        try:
            with new_session() as s:
                qid = save_quote(s, actor, q, member_id)
            st.success(tr("quote.saved", id=qid))
        except QuoteError as exc:
            st.error(tr(exc.key, **exc.params))

history = _history(member_id)
if history:
    st.subheader(tr("quote.history"))
    st.dataframe(pd.DataFrame([{
        tr("common.date"): fmt_date(h.created_at), tr("quote.col.by"): h.created_by,
        tr("quote.products"): "、".join(h.product_codes), tr("quote.list_total"): money(h.list_total_cents),
        tr("quote.payable"): money(h.payable_cents),
    } for h in history]), hide_index=True, width="stretch")
