from ui.guard import require_page

actor = require_page("pages/segments.py")

import json  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import Actor  # noqa: E402
from core.clock import today  # noqa: E402
from core.i18n import label  # noqa: E402
from core.segments import draft as drafts  # noqa: E402
from core.segments import services  # noqa: E402
from core.segments.export import export_members, sample  # noqa: E402
from core.segments.model import FIELDS, RuleError  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402

MAX_DEPTH = 3
CHOICE_PREFIX = {"gender": "gender", "rfm.segment": "rfm.segment"}


@st.cache_data(ttl=300, show_spinner=False)
def _count(rule_json: str, as_of: date, who: Actor) -> tuple[int, float]:
    started = time.perf_counter()
    with new_session() as s:
        n = services.count(s, who, json.loads(rule_json), as_of=as_of)
    return n, (time.perf_counter() - started) * 1000


@st.cache_data(ttl=120, show_spinner=False)
def _sample(rule_json: str, as_of: date, who: Actor) -> list:
    with new_session() as s:
        return sample(s, who, json.loads(rule_json), as_of=as_of, limit=20)


@st.cache_data(ttl=600, show_spinner=False)
def _options(who: Actor) -> dict[str, list[str]]:
    with new_session() as s:
        return services.field_options(s, who)


@st.cache_data(ttl=60, show_spinner=False)
def _segments(who: Actor) -> list:
    with new_session() as s:
        return services.list_segments(s, who)


@st.cache_data(ttl=60, show_spinner=False)
def _overlap(rules_json: str, as_of: date, who: Actor) -> list:
    with new_session() as s:
        return services.overlap(s, who, json.loads(rules_json), as_of=as_of)


def _changed() -> None:
    _segments.clear()
    st.session_state.pop("segments_export", None)


def _draft() -> dict:
    return st.session_state["segments_draft"]


def _k(name: str, *parts: object) -> str:
    """A widget key of the current draft (a replaced draft gets fresh widgets)."""
    return "_".join(["segments", name, str(st.session_state["segments_gen"]), *map(str, parts)])


def _replace_draft(new: dict, loaded: int | None) -> None:
    st.session_state["segments_draft"] = new
    st.session_state["segments_loaded"] = loaded
    st.session_state["segments_gen"] += 1


def _add_condition(group_id: int) -> None:
    drafts.add_condition(_draft(), group_id, today())


def _add_group(group_id: int, kind: str) -> None:
    drafts.add_group(_draft(), group_id, kind, today())


def _remove(node_id: int) -> None:
    drafts.remove(_draft(), node_id)


def _clear() -> None:
    _replace_draft(drafts.new_draft(), None)


def _choice_label(field: str, code: object) -> str:
    return label(CHOICE_PREFIX[field], str(code), lang())


def _value_widget(node: dict, options: dict[str, list[str]]) -> object:
    field, op, value = node["field"], node["op"], node["value"]
    spec = FIELDS[field]
    key = _k("value", node["id"], field, op)
    if op in ("is_empty", "not_empty"):
        return None
    if op == "between" and spec.kind in ("int", "money", "date"):
        lo_col, hi_col = st.columns(2)
        with lo_col:
            lo = _one(spec.kind, field, value[0], f"{key}_lo", tr("segments.low"), options)
        with hi_col:
            hi = _one(spec.kind, field, value[1], f"{key}_hi", tr("segments.high"), options)
        return [lo, hi]
    if op in ("in", "not_in"):
        if spec.kind in ("text", "choice"):
            known = list(spec.choices) if spec.kind == "choice" else options.get(field, [])
            chosen = [v for v in (value or []) if v not in known]
            fmt = (lambda c: _choice_label(field, c)) if spec.kind == "choice" else str
            return st.multiselect(tr("segments.value"), known + chosen, default=value or [], format_func=fmt,
                                  accept_new_options=spec.kind == "text", key=key)
        return st.text_input(tr("segments.value"), value=str(value or ""), help=tr("segments.list_hint"), key=key)
    return _one(spec.kind, field, value, key, tr("segments.value"), options)


def _one(kind: str, field: str, value: object, key: str, caption: str, options: dict[str, list[str]]) -> object:
    if kind == "int":
        return int(st.number_input(caption, value=int(value or 0), step=1, key=key))
    if kind == "money":
        return st.number_input(caption, value=float(value or 0), step=100.0, format="%.2f", key=key)
    if kind == "date":
        return st.date_input(caption, value=date.fromisoformat(value), key=key).isoformat()
    if kind == "bool":
        return st.selectbox(caption, [True, False], index=0 if value else 1, key=key,
                            format_func=lambda b: tr("common.yes") if b else tr("common.no"))
    if kind == "choice":
        choices = list(FIELDS[field].choices)
        return st.selectbox(caption, choices, index=choices.index(value) if value in choices else 0, key=key,
                            format_func=lambda c: _choice_label(field, c))
    known = options.get(field, [])
    known = known + [value] if value and value not in known else known
    picked = st.selectbox(caption, known, index=known.index(value) if value in known else None, key=key,
                          accept_new_options=True)
    return picked or ""


def _render_condition(node: dict, options: dict[str, list[str]]) -> None:
    nid = node["id"]
    fields = list(FIELDS)
    cols = st.columns([3, 2, 4, 2, 1], vertical_alignment="bottom")
    field = cols[0].selectbox(tr("segments.field"), fields, index=fields.index(node["field"]), key=_k("field", nid),
                              format_func=lambda f: tr(f"segments.field.{f}"))
    drafts.set_field(node, field, today())
    ops = list(FIELDS[field].ops)
    op = cols[1].selectbox(tr("segments.op"), ops, index=ops.index(node["op"]), key=_k("op", nid, field),
                           format_func=lambda o: tr(f"segments.op.{o}"))
    drafts.set_op(node, op, today())
    with cols[2]:
        node["value"] = _value_widget(node, options)
    if FIELDS[field].windowed:
        node["within_days"] = cols[3].number_input(tr("segments.within_days"), min_value=0, max_value=36_500,
                                                   value=node["within_days"], step=1, key=_k("within", nid, field))
    cols[4].button("✕", key=_k("remove", nid), on_click=_remove, args=(nid,), help=tr("segments.remove"))


def _render_group(node: dict, depth: int, options: dict[str, list[str]]) -> None:
    nid = node["id"]
    with st.container(border=True):
        head = st.columns([3, 2, 1], vertical_alignment="bottom")
        kinds = ["all", "any"]
        node["kind"] = head[0].selectbox(tr("segments.builder"), kinds, index=kinds.index(node["kind"]),
                                         key=_k("kind", nid), format_func=lambda k: tr(f"segments.kind.{k}"))
        node["negate"] = head[1].checkbox(tr("segments.negate"), value=node["negate"], key=_k("negate", nid))
        if depth:
            head[2].button("✕", key=_k("remove", nid), on_click=_remove, args=(nid,),
                           help=tr("segments.remove"))
        for child in node["children"]:
            if "children" in child:
                _render_group(child, depth + 1, options)
            else:
                _render_condition(child, options)
        buttons = st.columns(3)
        buttons[0].button(tr("segments.add_condition"), key=_k("add", nid), on_click=_add_condition,
                          args=(nid,), icon=":material/add:")
        if depth < MAX_DEPTH:
            buttons[1].button(tr("segments.add_group_all"), key=_k("add_all", nid), on_click=_add_group,
                              args=(nid, "all"))
            buttons[2].button(tr("segments.add_group_any"), key=_k("add_any", nid), on_click=_add_group,
                              args=(nid, "any"))


def _sample_frame(rows: list) -> pd.DataFrame:
    return pd.DataFrame([{
        tr("segments.col.external_id"): r.external_id, tr("common.name"): r.name,
        tr("segments.col.gender"): label("gender", r.gender, lang()), tr("segments.col.age"): r.age,
        tr("segments.col.phone"): r.phone, tr("segments.col.city"): r.city, tr("segments.col.branch"): r.branch,
        tr("segments.col.private_domain"): tr("common.yes") if r.private_domain else tr("common.no"),
    } for r in rows])


st.session_state.setdefault("segments_draft", drafts.new_draft())
st.session_state.setdefault("segments_loaded", None)
st.session_state.setdefault("segments_gen", 0)
incoming = st.session_state.pop("segments_incoming_rule", None)
if incoming is not None:
    _replace_draft(drafts.from_rule(incoming), st.session_state.pop("segments_incoming_id", None))

st.title(tr("segments.title"))
st.caption(tr("segments.caption"))
as_of = st.date_input(tr("segments.as_of"), value=today(), key="segments_as_of")

_render_group(_draft(), 0, _options(actor))
st.button(tr("segments.clear"), key="segments_clear", on_click=_clear)

rule = drafts.to_rule(_draft())
rule_json = json.dumps(rule, ensure_ascii=False, sort_keys=True) if rule else ""
valid = False
if rule is None:
    st.info(tr("segments.empty_rule"))
else:
    try:
        n, ms = _count(rule_json, as_of, actor)
        valid = True
    except RuleError as exc:
        st.error(exc.text(lang()))
    if valid:
        st.metric(tr("segments.count"), f"{n:,}", help=tr("segments.count_help"))
        st.caption(tr("app.query_time", ms=f"{ms:.0f}"))
        with st.expander(tr("segments.rule_json")):
            st.code(json.dumps(rule, ensure_ascii=False, indent=2), language="json")
        st.subheader(tr("segments.sample"))
        rows = _sample(rule_json, as_of, actor)
        if rows:
            st.dataframe(_sample_frame(rows), hide_index=True, width="stretch")
        else:
            st.caption(tr("common.no_data"))

        st.subheader(tr("segments.save_header"))
        saved = {s.id: s for s in _segments(actor)}
        loaded = saved.get(st.session_state["segments_loaded"])
        name = st.text_input(tr("segments.name"), value=loaded.name if loaded else "", key=_k("name"))
        description = st.text_area(tr("segments.description"), value=(loaded.description or "") if loaded else "",
                                   key=_k("description"))
        save_cols = st.columns(2)
        targets = [(None, tr("segments.save_new"), "segments_save_new")]
        if loaded:
            targets.append((loaded.id, tr("segments.save_update", name=loaded.name), "segments_save_update"))
        for col, (target, caption, key) in zip(save_cols, targets, strict=False):
            if col.button(caption, key=key, type="primary" if target is None else "secondary"):
                try:
                    with new_session() as s:
                        sid = services.save_segment(s, actor, name=name, description=description, rule=rule,
                                                    segment_id=target)
                    st.session_state["segments_loaded"] = sid
                    _changed()
                    st.success(tr("segments.saved", name=name.strip()))
                except services.SegmentError as exc:
                    st.error(tr(exc.key, **exc.params))

        st.subheader(tr("segments.export_header"))
        export_cols = st.columns([2, 2, 3], vertical_alignment="bottom")
        fmt = export_cols[0].selectbox("CSV / Excel", ["csv", "xlsx"], key="segments_export_fmt",
                                       format_func=lambda f: "CSV" if f == "csv" else "Excel")
        if export_cols[1].button(tr("segments.export_prepare"), key="segments_export_prepare"):
            with new_session() as s:
                data = export_members(s, actor, rule, as_of=as_of, fmt=fmt,
                                      segment_id=st.session_state["segments_loaded"])
            st.session_state["segments_export"] = (fmt, rule_json, data)
        prepared = st.session_state.get("segments_export")
        if prepared and prepared[1] == rule_json:
            st.caption(tr("segments.export_ready", fmt=prepared[0].upper()))
            export_cols[2].download_button(
                tr("common.download_xlsx") if prepared[0] == "xlsx" else tr("common.download_csv"), prepared[2],
                file_name=f"segment_{as_of.isoformat()}.{prepared[0]}", key="segments_download",
                mime="text/csv" if prepared[0] == "csv" else
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")

st.divider()
st.subheader(tr("segments.saved_header"))
segments = _segments(actor)
if not segments:
    st.caption(tr("segments.none_saved"))
else:
    st.dataframe(pd.DataFrame([{
        tr("segments.col.name"): s.name, tr("segments.col.description"): s.description,
        tr("segments.last_size"): s.last_size, tr("segments.archived"): tr("common.yes") if s.archived else "",
        tr("segments.col.created_by"): s.created_by,
    } for s in segments]), hide_index=True, width="stretch")
    by_id = {s.id: s for s in segments}
    picked = st.selectbox(tr("segments.pick"), list(by_id), key="segments_pick",
                          format_func=lambda i: by_id[i].name + (f" ({tr('segments.archived')})" if by_id[i].archived else ""))
    current = by_id[picked]
    actions = st.columns(3)
    if actions[0].button(tr("segments.load"), key="segments_load"):
        st.session_state["segments_incoming_rule"] = current.rule
        st.session_state["segments_incoming_id"] = current.id
        st.rerun()
    if actions[1].button(tr("segments.duplicate"), key="segments_duplicate"):
        with new_session() as s:
            services.duplicate_segment(s, actor, current.id)
        _changed()
        st.rerun()
    if actions[2].button(tr("segments.restore") if current.archived else tr("segments.archive"), key="segments_archive"):
        with new_session() as s:
            services.archive_segment(s, actor, current.id, archived=not current.archived)
        _changed()
        st.rerun()
    with new_session() as s:
        trend = services.size_trend(s, actor, current.id)
    st.markdown(f"**{tr('segments.trend')}**")
    if trend:
        frame = pd.DataFrame(trend, columns=["date", "members"])
        st.altair_chart(alt.Chart(frame).mark_line(point=True).encode(
            x=alt.X("date:T", title=tr("segments.col.date")),
            y=alt.Y("members:Q", title=tr("segments.col.members"))), width="stretch")
    else:
        st.caption(tr("segments.no_trend"))

    active = [s for s in segments if not s.archived]
    st.subheader(tr("segments.overlap_header"))
    chosen = st.multiselect(tr("segments.overlap_pick"), [s.id for s in active], max_selections=3,
                            key="segments_overlap", format_func=lambda i: by_id[i].name)
    if len(chosen) >= 2:
        regions = _overlap(json.dumps([by_id[i].rule for i in chosen], ensure_ascii=False), as_of, actor)
        names = [by_id[i].name for i in chosen]
        st.dataframe(pd.DataFrame([{
            tr("segments.overlap_region"): " ∩ ".join(n for n, inside in zip(names, r.inside, strict=True) if inside)
            if sum(r.inside) > 1 else tr("segments.overlap_only",
                                          names=names[r.inside.index(True)]),
            tr("segments.col.members"): r.members,
        } for r in regions]), hide_index=True, width="stretch")
