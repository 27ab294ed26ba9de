from ui.guard import require_page

actor = require_page("pages/products.py")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import Actor, PermissionDenied  # noqa: E402
from core.i18n import fmt_date, label, money  # noqa: E402
from core.products import offers, services  # noqa: E402
from core.products.model import (  # noqa: E402
    KINDS,
    LIFE_STAGES,
    PRICE_MODES,
    PRODUCT_CATEGORIES,
    ProductDetail,
    ProductDraft,
    ProductError,
    cents_from_yuan,
    faq_text,
    items_text,
    parse_faq,
    parse_item_lines,
)
from ui.runtime import lang, new_session, tr  # noqa: E402

EDITOR = actor.role == "product_manager"
REVIEWER = actor.role == "lead"
SEES_DRAFTS = EDITOR or REVIEWER or actor.role == "admin"


@st.cache_data(ttl=60, show_spinner=False)
def _rows(who: Actor) -> list:
    with new_session() as s:
        return services.list_products(s, who)


@st.cache_data(ttl=60, show_spinner=False)
def _detail(product_id: int, lock: int) -> ProductDetail:
    with new_session() as s:
        return services.get_product(s, product_id)


@st.cache_data(ttl=300, show_spinner=False)
def _items() -> list:
    with new_session() as s:
        return services.list_items(s)


@st.cache_data(ttl=300, show_spinner=False)
def _departments() -> list[str]:
    with new_session() as s:
        return services.department_codes(s)


def _changed() -> None:
    _rows.clear()
    _detail.clear()


def _run(call, *args, success: str, **kwargs) -> bool:  # noqa: ANN001
    """Call a core service; True when it worked, else its refusal is kept to show as one sentence."""
    try:
        with new_session() as s:
            call(s, actor, *args, **kwargs)
    except ProductError as exc:
        st.session_state["products_flash"] = ("error", tr(exc.key, **exc.params))
        return False
    except PermissionDenied:
        st.session_state["products_flash"] = ("error", tr("auth.forbidden"))
        return False
    _changed()
    st.session_state["products_flash"] = ("success", tr(success))
    return True


def _flash() -> None:
    kind, text = st.session_state.pop("products_flash", (None, None))
    if kind == "error":
        st.error(text)
    elif kind == "success":
        st.success(text)


def _draft_from_form(code: str, prefix: str) -> ProductDraft:
    get = st.session_state.get
    return ProductDraft(
        code=code, name=get(f"{prefix}_name", ""), department=get(f"{prefix}_department"),
        category=get(f"{prefix}_category"), kind=get(f"{prefix}_kind"), price_mode=get(f"{prefix}_price_mode"),
        set_price_cents=cents_from_yuan(get(f"{prefix}_set_price")) if get(f"{prefix}_price_mode") == "set" else None,
        items=parse_item_lines(get(f"{prefix}_items", "")), life_stage=get(f"{prefix}_life_stage") or None,
        segment_id=int(get(f"{prefix}_segment")) if str(get(f"{prefix}_segment") or "").isdigit() else None,
        description=get(f"{prefix}_description", ""), inclusions=get(f"{prefix}_inclusions", ""),
        exclusions=get(f"{prefix}_exclusions", ""), script=get(f"{prefix}_script", ""),
        faq=parse_faq(get(f"{prefix}_faq", "")),
    )


def _form_fields(prefix: str, d: ProductDraft | None) -> None:
    """The editable product fields; values land in session state under `prefix_*`."""
    depts = _departments()
    c1, c2, c3 = st.columns(3)
    c1.text_input(tr("products.f.name"), value=d.name if d else "", key=f"{prefix}_name")
    c2.selectbox(tr("common.department"), depts, key=f"{prefix}_department",
                 index=depts.index(d.department) if d and d.department in depts else 0,
                 format_func=lambda c: label("dept", c, lang()))
    c3.selectbox(tr("products.f.category"), PRODUCT_CATEGORIES, key=f"{prefix}_category",
                 index=PRODUCT_CATEGORIES.index(d.category) if d else 0,
                 format_func=lambda c: label("item_category", c, lang()))
    c1.selectbox(tr("products.f.kind"), KINDS, key=f"{prefix}_kind", index=KINDS.index(d.kind) if d else 0,
                 format_func=lambda c: label("product_kind", c, lang()))
    c2.selectbox(tr("products.f.price_mode"), PRICE_MODES, key=f"{prefix}_price_mode",
                 index=PRICE_MODES.index(d.price_mode) if d else 0,
                 format_func=lambda c: label("price_mode", c, lang()))
    c3.number_input(tr("products.f.set_price"), min_value=0.0, step=100.0, format="%.2f",
                    value=(d.set_price_cents or 0) / 100 if d else 0.0, key=f"{prefix}_set_price")
    stages = [""] + list(LIFE_STAGES)
    c1.selectbox(tr("products.f.life_stage"), stages, key=f"{prefix}_life_stage",
                 index=stages.index(d.life_stage or "") if d else 0,
                 format_func=lambda c: label("product_life_stage", c, lang()) if c else tr("common.none"))
    c2.text_input(tr("products.f.segment"), value=str(d.segment_id or "") if d else "", key=f"{prefix}_segment")
    st.text_area(tr("products.f.items"), value=items_text(d.items) if d else "", key=f"{prefix}_items",
                 help=tr("products.f.items_help"))
    st.text_area(tr("products.f.description"), value=d.description if d else "", key=f"{prefix}_description")
    a, b = st.columns(2)
    a.text_area(tr("products.f.inclusions"), value=d.inclusions if d else "", key=f"{prefix}_inclusions")
    b.text_area(tr("products.f.exclusions"), value=d.exclusions if d else "", key=f"{prefix}_exclusions")
    st.text_area(tr("products.f.script"), value=d.script if d else "", key=f"{prefix}_script")
    st.text_area(tr("products.f.faq"), value=faq_text(d.faq) if d else "", key=f"{prefix}_faq",
                 help=tr("products.f.faq_help"))


def _show(d: ProductDetail) -> None:
    st.subheader(f"{d.draft.name} · {d.code} v{d.version}")
    st.caption(tr("products.status_line", status=label("product_status", d.status, lang()),
                  who=d.updated_by, at=fmt_date(d.updated_at)))
    c = st.columns(4)
    c[0].metric(tr("products.list_price"), money(d.pricing.list_price_cents))
    c[1].metric(tr("products.items_total"), money(d.pricing.items_total_cents))
    c[2].metric(tr("products.saving"), money(d.pricing.saving_cents))
    c[3].metric(tr("products.f.life_stage"), label("product_life_stage", d.draft.life_stage, lang()) or "—")
    st.dataframe(pd.DataFrame([{
        tr("products.col.item"): f"{i.name}（{i.code}）",
        tr("products.f.category"): label("item_category", i.category, lang()),
        tr("products.col.unit_price"): money(i.unit_price_cents),
        tr("products.col.quantity"): i.quantity,
        tr("products.col.subtotal"): money(i.total_cents),
    } for i in d.items]), hide_index=True, width="stretch")
    if d.draft.description:
        st.markdown(d.draft.description)
    a, b = st.columns(2)
    a.markdown(f"**{tr('products.f.inclusions')}**  \n{d.draft.inclusions or '—'}")
    b.markdown(f"**{tr('products.f.exclusions')}**  \n{d.draft.exclusions or '—'}")
    st.info(f"**{tr('products.f.script')}**  \n{d.draft.script or '—'}")
    for f in d.draft.faq:
        st.markdown(f"**{tr('products.q')}** {f.question}  \n**{tr('products.a')}** {f.answer}")
    if d.benefits:
        st.markdown(f"**{tr('products.benefits')}**：" + "；".join(d.benefits))
    if d.review_comment:
        st.caption(tr("products.review_line", who=d.reviewed_by, at=fmt_date(d.reviewed_at),
                      comment=d.review_comment))


def _reload(product_id: int) -> None:
    """Forget what this browser read of a draft, so the next run shows the saved version."""
    prefix = f"products_edit_{product_id}_"
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]
    st.session_state.pop(f"products_lock_{product_id}", None)
    _changed()


def _actions(d: ProductDetail, latest: bool) -> None:
    lock = d.lock_version
    if EDITOR and d.status == "draft":
        # the version this browser read when it opened the draft: a save from it must still be current
        read_at = st.session_state.setdefault(f"products_lock_{d.id}", d.lock_version)
        with st.form(f"products_edit_form_{d.id}"):
            _form_fields(f"products_edit_{d.id}", d.draft)
            saved = st.form_submit_button(tr("common.save"))
        if saved:
            try:
                draft = _draft_from_form(d.code, f"products_edit_{d.id}")
            except ProductError as exc:
                st.error(tr(exc.key, **exc.params))
                return
            if _run(services.save_draft, d.id, draft, read_at, success="products.saved"):
                st.session_state.pop(f"products_lock_{d.id}", None)
            st.rerun()
        if read_at != d.lock_version:
            st.button(tr("products.reload"), key=f"products_reload_{d.id}", on_click=_reload, args=(d.id,))
        if st.button(tr("products.submit"), key=f"products_submit_{d.id}"):
            _run(services.change_status, d.id, "submit", lock_version=read_at, success="products.submitted")
            st.session_state.pop(f"products_lock_{d.id}", None)
            st.rerun()
    if EDITOR and latest and d.status in ("published", "retired"):
        if st.button(tr("products.new_version"), key=f"products_new_version_{d.id}"):
            _run(services.new_version, d.code, success="products.version_created")
            st.rerun()
    if REVIEWER and d.status in ("in_review", "published"):
        comment = st.text_area(tr("products.comment"), key=f"products_comment_{d.id}")
        cols = st.columns(3)
        actions = ("approve", "reject") if d.status == "in_review" else ("retire",)
        for col, action in zip(cols, actions, strict=False):
            if col.button(tr(f"products.{action}"), key=f"products_{action}_{d.id}"):
                _run(services.change_status, d.id, action, lock_version=lock, comment=comment,
                     success=f"products.done_{action}")
                st.rerun()


def _item_editor() -> None:
    items = _items()
    with st.expander(tr("products.items_title", n=len(items)), expanded=False):
        st.dataframe(pd.DataFrame([{
            tr("products.f.code"): i.code, tr("products.f.name"): i.name,
            tr("common.department"): label("dept", i.department, lang()),
            tr("products.f.category"): label("item_category", i.category, lang()),
            tr("products.col.unit_price"): money(i.unit_price_cents),
        } for i in items]), hide_index=True, width="stretch")
        with st.form("products_item_form"):
            a, b, c, d, e = st.columns(5)
            code = a.text_input(tr("products.f.code"), key="products_item_code")
            name = b.text_input(tr("products.f.name"), key="products_item_name")
            dept = c.selectbox(tr("common.department"), _departments(), key="products_item_department",
                               format_func=lambda x: label("dept", x, lang()))
            cat = d.selectbox(tr("products.f.category"), [x for x in PRODUCT_CATEGORIES if x != "package"],
                              key="products_item_category", format_func=lambda x: label("item_category", x, lang()))
            price = e.number_input(tr("products.col.unit_price"), min_value=0.0, format="%.2f",
                                   key="products_item_price")
            saved = st.form_submit_button(tr("products.save_item"))
        if saved:
            if _run(services.save_item, code=code.strip().upper(), name=name.strip(), department=dept,
                    category=cat, unit_price_cents=cents_from_yuan(price), success="products.item_saved"):
                _items.clear()
            st.rerun()


def _new_product() -> None:
    with st.expander(tr("products.new"), expanded=False), st.form("products_new_form"):
        st.text_input(tr("products.f.code"), key="products_new_code")
        _form_fields("products_new", None)
        created = st.form_submit_button(tr("products.create"))
    if created:
        try:
            draft = _draft_from_form(st.session_state.get("products_new_code", "").strip().upper(), "products_new")
        except ProductError as exc:
            st.error(tr(exc.key, **exc.params))
            return
        _run(services.create_product, draft, success="products.created")
        st.rerun()


@st.cache_data(ttl=60, show_spinner=False)
def _offers() -> tuple[list, list, list]:
    with new_session() as s:
        return offers.list_promotions(s), offers.list_plans(s), offers.list_stored_value_plans(s)


def _limits(p: offers.PromotionSpec) -> str:
    parts = [label("channel", c, lang()) for c in p.channels] or [tr("quote.any_channel")]
    if p.starts or p.ends:
        parts.append(f"{fmt_date(p.starts) or '…'} ~ {fmt_date(p.ends) or '…'}")
    scope = list(p.products) + [label("item_category", c, lang()) for c in p.categories] + [
        label("dept", d, lang()) for d in p.departments]
    parts.append("、".join(scope) or tr("products.all_products"))
    if p.segment_id:
        parts.append(tr("products.segment_only", id=p.segment_id))
    return " · ".join(parts)


def _terms(p: offers.PromotionSpec) -> str:
    if p.kind == "channel_price":
        return money(p.price_cents)
    if p.kind == "percent_off":
        return f"-{p.percent}%"
    if p.kind == "amount_off":
        return tr("products.amount_terms", threshold=money(p.threshold_cents), amount=money(p.amount_cents))
    return tr("products.buy_get_terms", n=p.buy_quantity, gift="、".join(p.get_products))


def _stacking(exclusive: bool, group: str, stacks_with: tuple[str, ...]) -> str:
    if exclusive:
        return tr("products.exclusive")
    return tr("products.stacks", group=group, others="、".join(stacks_with) or tr("common.none"))


def _offers_tab(rows: list) -> None:
    promos, plans, stored = _offers()
    st.subheader(tr("products.promotions"))
    st.dataframe(pd.DataFrame([{
        tr("products.f.code"): p.code, tr("products.f.name"): p.name,
        tr("products.f.kind"): tr("offer_source.coupon") if p.is_coupon else label("offer_kind", p.kind, lang()),
        tr("products.terms"): _terms(p), tr("products.limits"): _limits(p),
        tr("products.stacking"): _stacking(p.exclusive, p.stack_group, p.stacks_with),
        tr("common.status"): tr("common.yes") if p.active else tr("common.no"),
    } for p in promos]), hide_index=True, width="stretch")
    st.subheader(tr("products.plans"))
    for plan in plans:
        st.markdown(f"**{plan.name}**（{plan.code}）· {money(plan.fee_cents)} / {plan.validity_days} "
                    f"{tr('products.days')}")
        st.markdown("  \n".join(f"- {b.name} · {_stacking(b.exclusive, b.stack_group, b.stacks_with)}"
                                for b in plan.benefits) or "—")
    st.subheader(tr("products.stored_value_plans"))
    st.dataframe(pd.DataFrame([{
        tr("products.f.code"): v.code, tr("products.f.name"): v.name, tr("products.pay"): money(v.pay_cents),
        tr("products.credit"): money(v.credit_cents),
    } for v in stored]), hide_index=True, width="stretch")
    if EDITOR:
        _promotion_form(promos, sorted({r.code for r in rows}))
        _plan_form(plans, sorted({r.code for r in rows}))
        _stored_value_form()


def _plan_form(plans: list, codes: list[str]) -> None:
    existing = {p.code: p for p in plans}
    pick = st.selectbox(tr("products.edit_plan"), [""] + list(existing), key="products_plan_pick",
                        format_func=lambda c: existing[c].name if c else tr("products.new_plan"))
    p = existing.get(pick)
    k = f"products_plan_{pick or 'new'}"
    groups = ["member", "promo", "coupon", "channel"]
    with st.form(f"{k}_form"):
        a, b, c, d = st.columns(4)
        code = a.text_input(tr("products.f.code"), value=p.code if p else "", key=f"{k}_code", disabled=bool(p))
        name = b.text_input(tr("products.f.name"), value=p.name if p else "", key=f"{k}_name")
        fee = c.number_input(tr("products.fee"), min_value=0.0, format="%.2f", value=p.fee_cents / 100 if p else 0.0,
                             key=f"{k}_fee")
        days = d.number_input(tr("products.validity_days"), 1, 3650, value=p.validity_days if p else 365,
                              key=f"{k}_days")
        depts = [""] + _departments()
        dept = a.selectbox(tr("common.department"), depts, index=depts.index(p.department or "") if p else 0,
                           key=f"{k}_department", format_func=lambda x: label("dept", x, lang()) if x else "—")
        active = b.checkbox(tr("products.active"), value=p.active if p else True, key=f"{k}_active")
        drop = c.multiselect(tr("products.drop_benefits"), [x.code for x in p.benefits] if p else [],
                             key=f"{k}_drop")
        st.markdown(f"**{tr('products.add_benefit')}**")
        a, b, c, d = st.columns(4)
        b_code = a.text_input(tr("products.f.code"), key=f"{k}_b_code")
        b_name = b.text_input(tr("products.f.name"), key=f"{k}_b_name")
        b_kind = c.selectbox(tr("products.f.kind"), ["free_quantity", "percent_off"], key=f"{k}_b_kind",
                             format_func=lambda x: label("offer_kind", x, lang()))
        b_qty = d.number_input(tr("products.free_uses"), 0, 999, value=0, key=f"{k}_b_qty")
        b_products = a.multiselect(tr("quote.products"), codes, key=f"{k}_b_products")
        b_categories = b.multiselect(tr("products.f.category"), list(PRODUCT_CATEGORIES), key=f"{k}_b_categories",
                                     format_func=lambda x: label("item_category", x, lang()))
        b_departments = c.multiselect(tr("common.department"), _departments(), key=f"{k}_b_departments",
                                      format_func=lambda x: label("dept", x, lang()))
        b_pct = d.number_input(tr("products.percent"), 0, 100, value=0, key=f"{k}_b_pct")
        b_stacks = a.multiselect(tr("products.stacks_with"), groups, default=["member", "promo", "coupon"],
                                 key=f"{k}_b_stacks")
        saved = st.form_submit_button(tr("common.save"))
    if saved:
        benefits = [x for x in (p.benefits if p else ()) if x.code not in drop and x.code != b_code.strip().upper()]
        if b_code.strip():
            benefits.append(offers.BenefitSpec(
                code=b_code.strip().upper(), name=b_name.strip(), kind=b_kind, products=tuple(b_products),
                categories=tuple(b_categories), departments=tuple(b_departments), quantity=int(b_qty),
                percent=int(b_pct), stacks_with=tuple(b_stacks)))
        spec = offers.PlanSpec(code=(code or "").strip().upper(), name=name.strip(), fee_cents=cents_from_yuan(fee),
                               validity_days=int(days), department=dept or None, description=p.description if p else "",
                               active=active, benefits=tuple(benefits))
        if _run(offers.save_plan, spec, success="products.plan_saved"):
            _offers.clear()
        st.rerun()


def _stored_value_form() -> None:
    with st.form("products_sv_form"):
        st.markdown(f"**{tr('products.edit_stored_value')}**")
        a, b, c, d = st.columns(4)
        code = a.text_input(tr("products.f.code"), key="products_sv_code")
        name = b.text_input(tr("products.f.name"), key="products_sv_name")
        pay = c.number_input(tr("products.pay"), min_value=0.0, format="%.2f", key="products_sv_pay")
        credit = d.number_input(tr("products.credit"), min_value=0.0, format="%.2f", key="products_sv_credit")
        saved = st.form_submit_button(tr("common.save"))
    if saved:
        spec = offers.StoredValueSpec(code.strip().upper(), name.strip(), cents_from_yuan(pay),
                                      cents_from_yuan(credit))
        if _run(offers.save_stored_value_plan, spec, success="products.stored_value_saved"):
            _offers.clear()
        st.rerun()


def _promotion_form(promos: list, codes: list[str]) -> None:
    existing = {p.code: p for p in promos}
    pick = st.selectbox(tr("products.edit_promotion"), [""] + list(existing), key="products_promo_pick",
                        format_func=lambda c: existing[c].name if c else tr("products.new_promotion"))
    p = existing.get(pick)
    k = f"products_promo_{pick or 'new'}"
    channels = ["meituan", "dianping", "wechat_mall", "mini_program", "wecom", "front_desk"]
    groups = ["promo", "member", "coupon", "channel"]
    with st.form(f"{k}_form"):
        a, b, c = st.columns(3)
        code = a.text_input(tr("products.f.code"), value=p.code if p else "", key=f"{k}_code", disabled=bool(p))
        name = b.text_input(tr("products.f.name"), value=p.name if p else "", key=f"{k}_name")
        kinds = list(offers.PROMOTION_KINDS)
        kind = c.selectbox(tr("products.f.kind"), kinds, index=kinds.index(p.kind) if p else 0, key=f"{k}_kind",
                           format_func=lambda x: label("offer_kind", x, lang()))
        is_coupon = a.checkbox(tr("offer_source.coupon"), value=p.is_coupon if p else False, key=f"{k}_coupon")
        active = b.checkbox(tr("products.active"), value=p.active if p else True, key=f"{k}_active")
        exclusive = c.checkbox(tr("products.exclusive"), value=p.exclusive if p else False, key=f"{k}_exclusive")
        chosen_channels = a.multiselect(tr("common.channel"), channels, default=list(p.channels) if p else [],
                                        key=f"{k}_channels", format_func=lambda x: label("channel", x, lang()))
        starts = b.date_input(tr("common.period_from"), value=p.starts if p else None, key=f"{k}_starts")
        ends = c.date_input(tr("common.period_to"), value=p.ends if p else None, key=f"{k}_ends")
        products = a.multiselect(tr("quote.products"), codes, default=[x for x in (p.products if p else ())
                                                                       if x in codes], key=f"{k}_products")
        categories = b.multiselect(tr("products.f.category"), list(PRODUCT_CATEGORIES),
                                   default=list(p.categories) if p else [], key=f"{k}_categories",
                                   format_func=lambda x: label("item_category", x, lang()))
        departments = c.multiselect(tr("common.department"), _departments(),
                                    default=list(p.departments) if p else [], key=f"{k}_departments",
                                    format_func=lambda x: label("dept", x, lang()))
        group = a.selectbox(tr("products.group"), groups, index=groups.index(p.stack_group) if p and
                            p.stack_group in groups else 0, key=f"{k}_group")
        stacks = b.multiselect(tr("products.stacks_with"), groups, default=[x for x in (p.stacks_with if p else ())
                                                                            if x in groups], key=f"{k}_stacks")
        segment = c.text_input(tr("products.f.segment"), value=str(p.segment_id or "") if p else "",
                               key=f"{k}_segment")
        percent = a.number_input(tr("products.percent"), 0, 100, value=p.percent if p else 0, key=f"{k}_percent")
        price = b.number_input(tr("products.channel_price"), min_value=0.0, format="%.2f",
                               value=p.price_cents / 100 if p else 0.0, key=f"{k}_price")
        amount = c.number_input(tr("products.amount"), min_value=0.0, format="%.2f",
                                value=p.amount_cents / 100 if p else 0.0, key=f"{k}_amount")
        threshold = a.number_input(tr("products.threshold"), min_value=0.0, format="%.2f",
                                   value=p.threshold_cents / 100 if p else 0.0, key=f"{k}_threshold")
        buy = b.number_input(tr("products.buy_quantity"), 0, 99, value=p.buy_quantity if p else 0, key=f"{k}_buy")
        gifts = c.multiselect(tr("products.gifts"), codes, default=[x for x in (p.get_products if p else ())
                                                                   if x in codes], key=f"{k}_gifts")
        description = st.text_area(tr("products.f.description"), value=p.description if p else "",
                                   key=f"{k}_description")
        saved = st.form_submit_button(tr("common.save"))
    if saved:
        spec = offers.PromotionSpec(
            code=(code or "").strip().upper(), name=name.strip(), kind=kind, is_coupon=is_coupon,
            channels=tuple(chosen_channels), starts=starts, ends=ends, products=tuple(products),
            categories=tuple(categories), departments=tuple(departments),
            segment_id=int(segment) if segment.strip().isdigit() else None, exclusive=exclusive,
            stack_group=group, stacks_with=tuple(stacks), percent=int(percent), price_cents=cents_from_yuan(price),
            amount_cents=cents_from_yuan(amount), threshold_cents=cents_from_yuan(threshold),
            buy_quantity=int(buy), get_products=tuple(gifts), description=description, active=active)
        if _run(offers.save_promotion, spec, success="products.promotion_saved"):
            _offers.clear()
        st.rerun()


def _compare(rows: list) -> None:
    published = sorted({r.code: r for r in rows if r.status == "published"}.values(), key=lambda r: r.code)
    names = {r.code: f"{r.name}（{r.code}）" for r in published}
    picked = st.multiselect(tr("products.compare_pick"), list(names), max_selections=3,
                            format_func=names.get, key="products_compare")
    if len(picked) < 2:
        st.caption(tr("products.compare_hint"))
        return
    try:
        with new_session() as s:
            details = services.compare(s, picked)
    except ProductError as exc:
        st.error(tr(exc.key, **exc.params))
        return
    for col, d in zip(st.columns(len(details)), details, strict=True):
        with col:
            st.markdown(f"#### {d.draft.name}")
            st.metric(tr("products.list_price"), money(d.pricing.list_price_cents),
                      delta=f"-{money(d.pricing.saving_cents)}" if d.pricing.saving_cents else None,
                      delta_color="inverse")
            st.markdown(f"**{tr('products.suits')}**：{label('product_life_stage', d.draft.life_stage, lang()) or '—'}"
                        f" · {label('dept', d.draft.department, lang())}")
            st.markdown(f"**{tr('products.col.item')}**  \n" + "  \n".join(
                f"{i.name} × {i.quantity}" for i in d.items))
            st.markdown(f"**{tr('products.f.inclusions')}**：{d.draft.inclusions or '—'}")
            st.markdown(f"**{tr('products.benefits')}**：" + ("；".join(d.benefits) or "—"))


st.title(tr("products.title"))
st.caption(tr("products.caption_editor") if EDITOR else tr("products.caption_reviewer") if REVIEWER
           else tr("products.caption_reader"))
_flash()
all_rows = _rows(actor)
rows = all_rows if SEES_DRAFTS else [r for r in all_rows if r.status == "published"]
catalogue, comparison, offers_tab = st.tabs([tr("products.tab_catalogue"), tr("products.tab_compare"),
                                             tr("products.tab_offers")])
with catalogue:
    if EDITOR:
        _item_editor()
        _new_product()
    if not rows:
        st.info(tr("common.no_data"))
    else:
        # every status is always offered, so a draft made after the first visit is listed too
        statuses = ["in_review", "draft", "published", "retired"]
        shown = st.multiselect(tr("common.status"), statuses, default=statuses, key="products_status_filter",
                               format_func=lambda s: label("product_status", s, lang()))
        visible = [r for r in rows if r.status in shown]
        st.dataframe(pd.DataFrame([{
            tr("products.f.code"): r.code, tr("products.col.version"): r.version,
            tr("common.status"): label("product_status", r.status, lang()), tr("products.f.name"): r.name,
            tr("common.department"): label("dept", r.department, lang()),
            tr("products.f.category"): label("item_category", r.category, lang()),
            tr("products.list_price"): money(r.list_price_cents), tr("products.col.updated"): fmt_date(r.updated_at),
        } for r in visible]), hide_index=True, width="stretch")
        ids = [r.id for r in visible]
        if ids:
            by_id = {r.id: r for r in visible}
            newest = {}
            for r in all_rows:
                newest.setdefault(r.code, r.id)
            pick = st.selectbox(tr("products.pick"), ids, key="products_pick",
                                format_func=lambda i: f"{by_id[i].name} · {by_id[i].code} v{by_id[i].version} · "
                                                      f"{label('product_status', by_id[i].status, lang())}")
            row = by_id[pick]
            detail = _detail(pick, hash((row.version, row.status, row.updated_at)))
            _show(detail)
            _actions(detail, newest.get(detail.code) == detail.id)
with comparison:
    _compare(all_rows)
with offers_tab:
    _offers_tab(all_rows)
