from ui.guard import require_page

actor = require_page("pages/products.py")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import Actor, PermissionDenied  # noqa: E402
from core.i18n import fmt_date, label, money  # noqa: E402
from core.products import services  # noqa: E402
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


def _run(call, *args, success: str, **kwargs) -> object | None:  # noqa: ANN001
    """Call a core service; show its refusal as one sentence instead of failing the page."""
    try:
        with new_session() as s:
            result = call(s, actor, *args, **kwargs)
    except ProductError as exc:
        st.session_state["products_flash"] = ("error", tr(exc.key, **exc.params))
        return None
    except PermissionDenied:
        st.session_state["products_flash"] = ("error", tr("auth.forbidden"))
        return None
    _changed()
    st.session_state["products_flash"] = ("success", tr(success))
    return result


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


def _actions(d: ProductDetail, latest: bool) -> None:
    lock = d.lock_version
    if EDITOR and d.status == "draft":
        with st.form(f"products_edit_form_{d.id}"):
            _form_fields(f"products_edit_{d.id}", d.draft)
            saved = st.form_submit_button(tr("common.save"))
        if saved:
            try:
                draft = _draft_from_form(d.code, f"products_edit_{d.id}")
            except ProductError as exc:
                st.error(tr(exc.key, **exc.params))
                return
            if _run(services.save_draft, d.id, draft, lock, success="products.saved") is not None:
                st.rerun()
        if st.button(tr("products.submit"), key=f"products_submit_{d.id}"):
            _run(services.change_status, d.id, "submit", lock_version=lock, success="products.submitted")
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
        if _run(services.create_product, draft, success="products.created") is not None:
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
catalogue, comparison = st.tabs([tr("products.tab_catalogue"), tr("products.tab_compare")])
with catalogue:
    if EDITOR:
        _new_product()
    if not rows:
        st.info(tr("common.no_data"))
    else:
        statuses = sorted({r.status for r in rows}, key=lambda s: ("in_review", "draft", "published",
                                                                  "retired").index(s))
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
