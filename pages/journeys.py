from ui.guard import require_page

actor = require_page("pages/journeys.py")

import json  # noqa: E402
from dataclasses import asdict  # noqa: E402
from datetime import date, timedelta  # noqa: E402

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import PermissionDenied  # noqa: E402
from core.clock import today  # noqa: E402
from core.i18n import label  # noqa: E402
from core.journeys import calendar, exits, services  # noqa: E402
from core.journeys.model import (  # noqa: E402
    ANCHORS,
    CHANNELS,
    EDITOR_ROLES,
    EXECUTORS,
    STEP_KINDS,
    TRANSITIONS,
    JourneyError,
    StepSpec,
)
from ui.runtime import lang, new_session, session_factory, tr  # noqa: E402

CAN_EDIT = actor.role in EDITOR_ROLES
CAN_RUN = actor.role in services.RUNNER_ROLES


@st.cache_data(ttl=60, show_spinner=False)
def _journeys() -> list:
    with new_session() as s:
        return services.list_journeys(s)


@st.cache_data(ttl=60, show_spinner=False)
def _steps(journey_id: int) -> list:
    with new_session() as s:
        return services.journey_steps(s, journey_id)


@st.cache_data(ttl=120, show_spinner=False)
def _month(start: date, end: date) -> list:
    with new_session() as s:
        return calendar.scheduled_by_day(s, start, end)


@st.cache_data(ttl=120, show_spinner=False)
def _day(day: date) -> list:
    with new_session() as s:
        return calendar.day_items(s, day)


@st.cache_data(ttl=120, show_spinner=False)
def _forecast(journey_id: int, start: date) -> list:
    with new_session() as s:
        return calendar.workload_forecast(s, journey_id, start)


@st.cache_data(ttl=120, show_spinner=False)
def _segments(user_id: int) -> list[tuple[int, str, dict]]:
    """Saved segments the actor may use as a step condition or an exit rule: (id, name, rule)."""
    from core.segments.services import list_segments

    try:
        with new_session() as s:
            return [(g.id, g.name, g.rule) for g in list_segments(s, actor, include_archived=False)]
    except PermissionDenied:
        return []


@st.cache_data(ttl=120, show_spinner=False)
def _surveys(user_id: int) -> list[tuple[int, str]]:
    """Active survey templates a survey step can link: (id, name)."""
    from core.kpis.surveys import list_templates

    try:
        with new_session() as s:
            return [(t.id, t.name) for t in list_templates(s, actor) if t.active]
    except PermissionDenied:
        return []


def _clear() -> None:
    for fn in (_journeys, _steps, _month, _day, _forecast, _segments, _surveys):
        fn.clear()


def _open_builder(rule_json: str | None) -> None:
    """Hand the step's condition to the segments page's rule builder (its documented entry point)."""
    st.session_state["segments_incoming_rule"] = json.loads(rule_json) if rule_json else None
    st.switch_page("pages/segments.py")


def _error(exc: Exception) -> None:
    if isinstance(exc, JourneyError):
        st.error(tr(exc.key, **exc.params))
    else:
        st.error(tr("journeys.forbidden"))


def _offset_label(anchor: str, weeks: int | None, days: int) -> str:
    if anchor == "edd":
        return tr("journeys.offset.week", week=weeks or 0, day=days)
    return tr("journeys.offset.days", anchor=label("journeys.anchor", anchor, lang()), days=7 * (weeks or 0) + days)


st.title(tr("journeys.title"))
st.caption(tr("journeys.caption"))

journeys = _journeys()
if not journeys:
    st.info(tr("journeys.none"))
    st.stop()

names = {j.id: f"{j.name} · v{j.version} · {label('journeys.status', j.status, lang())}" for j in journeys}
st.session_state.setdefault("journeys_selected", journeys[0].id)
journey_id = st.selectbox(tr("journeys.pick"), list(names), format_func=names.__getitem__, key="journeys_selected")
journey = next(j for j in journeys if j.id == journey_id)
steps = _steps(journey_id)

template_tab, ops_tab, load_tab, run_tab = st.tabs(
    [tr("journeys.tab.template"), tr("journeys.tab.operations"), tr("journeys.tab.workload"), tr("journeys.tab.run")])

with template_tab:
    cols = st.columns(4)
    cols[0].metric(tr("journeys.steps"), len(steps))
    cols[1].metric(tr("journeys.enrolled"), f"{journey.enrolled:,}")
    cols[2].metric(tr("journeys.holdout"), f"{journey.holdout_pct}%")
    cols[3].metric(tr("journeys.anchor"), label("journeys.anchor", journey.anchor, lang()))

    if CAN_EDIT:
        targets = TRANSITIONS.get(journey.status, ())
        buttons = st.columns(max(len(targets), 1))
        for col, target in zip(buttons, targets, strict=False):
            if col.button(tr(f"journeys.to.{target}"), key=f"journeys_to_{target}"):
                try:
                    with new_session() as s:
                        services.set_status(s, actor, journey_id, target)
                    _clear()
                    st.rerun()
                except (JourneyError, PermissionDenied) as exc:
                    _error(exc)

    if CAN_EDIT:
        with st.expander(tr("journeys.settings")):
            with st.form("journeys_settings_form"):
                holdout = st.number_input(tr("journeys.holdout"), 0, 50, journey.holdout_pct, key="journeys_holdout",
                                          help=tr("journeys.holdout_help"))
                consent_action = st.radio(tr("journeys.no_consent"), ("task", "skip"),
                                          index=("task", "skip").index(journey.no_consent_action),
                                          format_func=lambda c: tr(f"journeys.no_consent.{c}"),
                                          key="journeys_no_consent", horizontal=True)
                if st.form_submit_button(tr("journeys.save_settings")):
                    try:
                        with new_session() as s:
                            services.update_settings(s, actor, journey_id, holdout_pct=int(holdout),
                                                     no_consent_action=consent_action)
                        _clear()
                        st.session_state["journeys_notice"] = tr("journeys.saved")
                        st.rerun()
                    except (JourneyError, PermissionDenied) as exc:
                        _error(exc)
            segment_names = {sid: name for sid, name, _rule in _segments(actor.user_id)}
            current_rules = {r.partition(":")[0]: r.partition(":")[2] for r in journey.exit_rules}
            with st.form("journeys_exit_form"):
                st.caption(tr("journeys.exit_help"))
                chosen = st.multiselect(tr("journeys.exit_rules"), exits.EXIT_CODES,
                                        default=[c for c in exits.EXIT_CODES if c in current_rules],
                                        format_func=lambda c: tr(f"journeys.exit.{c}"), key="journeys_exit_rules")
                e1, e2 = st.columns(2)
                prefix = e1.text_input(tr("journeys.exit_refund_prefix"), current_rules.get("refunded", ""),
                                       key="journeys_exit_prefix")
                seg_options = [None, *segment_names]
                exit_segment = e2.selectbox(
                    tr("journeys.exit_segment"), seg_options, key="journeys_exit_segment",
                    index=seg_options.index(journey.exit_segment_id) if journey.exit_segment_id in seg_options else 0,
                    format_func=lambda i: tr("journeys.no_survey") if i is None else segment_names[i])
                if st.form_submit_button(tr("journeys.save_exit_rules")):
                    rules = [f"refunded:{prefix}" if c == "refunded" else
                             f"suppressed:{current_rules['suppressed']}" if c == "suppressed" and current_rules.get(
                                 "suppressed") else c for c in chosen]
                    try:
                        with new_session() as s:
                            exits.update_exit_rules(s, actor, journey_id, rules, exit_segment)
                        _clear()
                        st.session_state["journeys_notice"] = tr("journeys.saved")
                        st.rerun()
                    except (JourneyError, PermissionDenied) as exc:
                        _error(exc)

    if steps:
        frame = pd.DataFrame([{
            "position": 7 * (s.spec.offset_weeks or 0) + s.spec.offset_days,
            "phase": label("journeys.anchor", s.anchor, lang()),
            "step": s.spec.name,
            "when": _offset_label(s.anchor, s.spec.offset_weeks, s.spec.offset_days),
            "kind": label("journeys.kind", s.spec.kind, lang()),
            "channel": label("channel", s.spec.channel, lang()),
            "executor": label("journeys.executor", s.spec.executor, lang()),
        } for s in steps])
        chart = alt.Chart(frame).mark_circle(size=160).encode(
            x=alt.X("position:Q", title=tr("journeys.timeline_days")),
            y=alt.Y("phase:N", title=None, sort=None),
            color=alt.Color("kind:N", title=tr("journeys.kind")),
            tooltip=["step", "when", "kind", "channel", "executor"],
        ).properties(height=220)
        st.altair_chart(chart, width="stretch")
        st.dataframe(frame.drop(columns=["position"]), width="stretch", hide_index=True)

    st.subheader(tr("journeys.edit"))
    options = [0] + [s.id for s in steps]
    by_id = {s.id: s for s in steps}
    step_id = st.selectbox(tr("journeys.edit_pick"), options, key="journeys_step",
                           format_func=lambda i: tr("journeys.new_step") if i == 0 else by_id[i].spec.name)
    current = by_id.get(step_id)
    spec = current.spec if current else StepSpec(name="", kind="service_reminder", channel="sms", executor="system",
                                                 offset_weeks=12 if journey.anchor == "edd" else None)
    step_anchor = current.anchor if current else journey.anchor
    suffix = str(step_id)
    with st.form(f"journeys_form_{suffix}"):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(tr("journeys.field.name"), spec.name, key=f"journeys_name_{suffix}")
        kind = c2.selectbox(tr("journeys.kind"), STEP_KINDS, index=STEP_KINDS.index(spec.kind),
                            format_func=lambda c: label("journeys.kind", c, lang()), key=f"journeys_kind_{suffix}")
        anchor = c3.selectbox(tr("journeys.anchor"), ANCHORS, index=ANCHORS.index(step_anchor),
                              format_func=lambda c: label("journeys.anchor", c, lang()),
                              key=f"journeys_anchor_{suffix}")
        c4, c5, c6, c7 = st.columns(4)
        channel = c4.selectbox(tr("journeys.channel"), CHANNELS, index=CHANNELS.index(spec.channel),
                               format_func=lambda c: label("channel", c, lang()), key=f"journeys_channel_{suffix}")
        executor = c5.selectbox(tr("journeys.executor"), EXECUTORS, index=EXECUTORS.index(spec.executor),
                                format_func=lambda c: label("journeys.executor", c, lang()),
                                key=f"journeys_executor_{suffix}")
        weeks = c6.number_input(tr("journeys.field.weeks"), 0, 60, spec.offset_weeks or 0,
                                key=f"journeys_weeks_{suffix}")
        days = c7.number_input(tr("journeys.field.days"), -366, 1100, spec.offset_days, key=f"journeys_days_{suffix}")
        c8, c9, c10 = st.columns(3)
        send_from = c8.number_input(tr("journeys.field.from_hour"), 0, 23, spec.send_from_min // 60,
                                    key=f"journeys_from_{suffix}")
        send_to = c9.number_input(tr("journeys.field.to_hour"), 1, 24, spec.send_to_min // 60,
                                  key=f"journeys_to_{suffix}")
        late = c10.number_input(tr("journeys.field.late_days"), 0, 30, spec.late_days, key=f"journeys_late_{suffix}")
        template = st.text_area(tr("journeys.field.template"), spec.template or "", key=f"journeys_template_{suffix}",
                                help=tr("journeys.placeholders"))
        script = st.text_area(tr("journeys.field.script"), spec.script or "", key=f"journeys_script_{suffix}")
        st.markdown(f"**{tr('journeys.condition')}**")
        st.caption(tr("journeys.condition_current", rule=spec.condition_rule) if spec.condition_rule
                   else tr("journeys.condition_empty"))
        segment_rules = {sid: (name, rule) for sid, name, rule in _segments(actor.user_id)}
        condition_source = st.selectbox(
            tr("journeys.condition_segment"), ["keep", "clear", *segment_rules], key=f"journeys_condition_seg_{suffix}",
            format_func=lambda o: tr(f"journeys.condition_{o}") if isinstance(o, str) else segment_rules[o][0])
        with st.expander(tr("journeys.field.condition")):
            condition = st.text_area(tr("journeys.field.condition"), spec.condition_rule or "",
                                     key=f"journeys_condition_{suffix}", help=tr("journeys.condition_help"))
        surveys = dict(_surveys(actor.user_id))
        survey_options = [None, *surveys]
        survey = st.selectbox(tr("journeys.field.survey"), survey_options, key=f"journeys_survey_{suffix}",
                              index=survey_options.index(spec.survey_id) if spec.survey_id in survey_options else 0,
                              format_func=lambda i: tr("journeys.no_survey") if i is None else surveys[i])
        c11, c12, c13 = st.columns(3)
        product = c11.text_input(tr("journeys.field.product"), spec.product_code or "",
                                 key=f"journeys_product_{suffix}")
        marketing = c12.checkbox(tr("journeys.field.marketing"), spec.is_marketing, key=f"journeys_marketing_{suffix}")
        runs_on = c13.checkbox(tr("journeys.field.runs_on"), spec.runs_when_suppressed, key=f"journeys_runs_{suffix}")
        saved = st.form_submit_button(tr("journeys.save"), disabled=not CAN_EDIT)
    if CAN_EDIT and st.button(tr("journeys.condition_builder"), key=f"journeys_builder_{suffix}",
                              help=tr("journeys.condition_builder_help"), icon=":material/account_tree:"):
        _open_builder(spec.condition_rule)
    if spec.kind == "survey" and spec.survey_id is None and current:
        st.warning(tr("journeys.survey_missing"))
    if saved:
        if condition_source == "clear":
            condition = ""
        elif condition_source != "keep":
            condition = json.dumps(segment_rules[condition_source][1], ensure_ascii=False, sort_keys=True)
        new_spec = StepSpec(
            name=name.strip(), kind=kind, channel=channel, executor=executor,
            offset_weeks=int(weeks) if anchor == "edd" else (int(weeks) or None), offset_days=int(days),
            send_from_min=int(send_from) * 60, send_to_min=int(send_to) * 60, late_days=int(late),
            template=template.strip() or None, script=script.strip() or None, is_marketing=marketing,
            runs_when_suppressed=runs_on, product_code=product.strip() or None, name_en=spec.name_en,
            content_id=spec.content_id, survey_id=survey, condition_rule=condition.strip() or None)
        try:
            with new_session() as s:
                services.save_step(s, actor, journey_id, new_spec, step_id=current.id if current else None,
                                   anchor=None if anchor == journey.anchor else anchor)
            _clear()
            st.session_state["journeys_notice"] = tr("journeys.saved")
            st.rerun()
        except (JourneyError, PermissionDenied) as exc:
            _error(exc)
    if current and CAN_EDIT and st.button(tr("journeys.delete"), key="journeys_delete", icon=":material/delete:"):
        try:
            with new_session() as s:
                services.delete_step(s, actor, journey_id, current.id)
            _clear()
            st.session_state.pop("journeys_step", None)
            st.session_state["journeys_notice"] = tr("journeys.deleted")
            st.rerun()
        except (JourneyError, PermissionDenied) as exc:
            _error(exc)
    if st.session_state.get("journeys_notice"):
        st.success(st.session_state.pop("journeys_notice"))

    st.subheader(tr("journeys.preview"))
    with new_session() as s:
        samples = services.sample_members(s, journey_id)
    if samples:
        sample_names = dict(samples)
        member_id = st.selectbox(tr("journeys.preview_member"), list(sample_names), key="journeys_preview_member",
                                 format_func=lambda m: f"#{m}")
        with new_session() as s:
            rows = services.preview(s, journey_id, member_id, today())
        st.dataframe(pd.DataFrame([{
            tr("journeys.col.step"): r.name, tr("journeys.col.date"): r.on.isoformat() if r.on else "—",
            tr("journeys.channel"): label("channel", r.channel, lang()),
            tr("journeys.col.text"): r.text} for r in rows]), width="stretch", hide_index=True)

with ops_tab:
    v1, v2 = st.columns([1, 2])
    view = v1.radio(tr("journeys.view"), ("month", "week"), key="journeys_view", horizontal=True,
                    format_func=lambda v: tr(f"journeys.view.{v}"))
    if view == "month":
        first = v2.date_input(tr("journeys.month"), today().replace(day=1), key="journeys_month")
        start = first.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        anyday = v2.date_input(tr("journeys.week_of"), today(), key="journeys_week")
        start = anyday - timedelta(days=anyday.weekday())
        end = start + timedelta(days=6)
    st.caption(tr("journeys.period", start=start.isoformat(), end=end.isoformat()))
    counts = _month(start, end)
    clicked = None
    if not counts:
        st.info(tr("journeys.nothing_scheduled"))
    else:
        frame = pd.DataFrame([asdict(c) for c in counts])
        frame["channel"] = frame["channel"].map(lambda c: label("channel", c, lang()))
        frame["kind"] = frame["kind"].map(lambda k: tr(f"journeys.count_kind.{k}"))
        frame["date"] = frame["day"].map(lambda d: d.isoformat())
        split = st.radio(tr("journeys.view"), ("channel", "journey"), key="journeys_split", horizontal=True,
                         format_func=lambda v: tr(f"journeys.by_{v}"), label_visibility="collapsed")
        pick = alt.selection_point(name="journeys_pick", fields=["date"])
        chart = alt.Chart(frame).mark_bar().encode(
            x=alt.X("date:O", title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("sum(count):Q", title=tr("journeys.count")),
            color=alt.Color(f"{split}:N", title=tr(f"journeys.by_{split}")),
            tooltip=["date", "journey", "channel", "kind", "count"],
        ).add_params(pick).properties(height=260)
        event = st.altair_chart(chart, width="stretch", on_select="rerun", key="journeys_calendar_chart")
        st.caption(tr("journeys.click_day"))
        points = (event or {}).get("selection", {}).get("journeys_pick") or []
        if points and points[0].get("date"):
            clicked = date.fromisoformat(str(points[0]["date"])[:10])
        pivot = frame.pivot_table(index="journey", columns="kind", values="count", aggfunc="sum", fill_value=0)
        st.dataframe(pivot, width="stretch")
    day = st.date_input(tr("journeys.day"), clicked or (today() if start <= today() <= end else start),
                        key=f"journeys_day_{clicked}")
    items = _day(day)
    st.caption(tr("journeys.day_count", n=len(items)))
    if items:
        listed = pd.DataFrame([asdict(i) for i in items])
        listed["kind"] = listed["kind"].map(lambda k: tr(f"journeys.count_kind.{k}"))
        listed["channel"] = listed["channel"].map(lambda c: label("channel", c, lang()) if c else "")
        st.dataframe(listed.rename(columns={c: tr(f"journeys.item.{c}") for c in listed.columns}), width="stretch",
                     hide_index=True)

with load_tab:
    st.caption(tr("journeys.workload_caption"))
    forecast = _forecast(journey_id, today())
    if not forecast:
        st.info(tr("journeys.no_workload"))
    else:
        frame = pd.DataFrame([{**asdict(w), "total": w.total, "over": w.over} for w in forecast])
        over = frame[frame["over"]]
        if len(over):
            st.warning(tr("journeys.over_capacity", n=len(over)))
        else:
            st.success(tr("journeys.within_capacity"))
        frame["day"] = pd.to_datetime(frame["day"])
        heat = alt.Chart(frame).mark_rect().encode(
            x=alt.X("yearmonthdate(day):O", title=None),
            y=alt.Y("advisor:N", title=None),
            color=alt.Color("total:Q", title=tr("journeys.tasks_per_day")),
            tooltip=["advisor", "day:T", "existing", "added", "capacity"],
        )
        flags = alt.Chart(frame[frame["over"]]).mark_text(text="!", color="red").encode(
            x="yearmonthdate(day):O", y="advisor:N")
        st.altair_chart(heat + flags, width="stretch")
        shown = over.drop(columns=["advisor_id", "over"])
        shown = shown.rename(columns={c: tr(f"journeys.load.{c}") for c in shown.columns})
        if len(shown):
            st.dataframe(shown, width="stretch", hide_index=True)

with run_tab:
    if CAN_RUN:
        run_day = st.date_input(tr("journeys.run_date"), today(), key="journeys_run_date")
        if st.button(tr("journeys.run"), key="journeys_run", icon=":material/play_arrow:"):
            with st.status(tr("journeys.running")) as status:
                summary = services.run_now(session_factory(), actor, run_day)
                status.update(label=summary.line(), state="complete")
            _clear()
    else:
        st.info(tr("journeys.run_leads_only"))
    with new_session() as s:
        runs = services.last_runs(s)
    if runs:
        st.dataframe(pd.DataFrame(runs), width="stretch", hide_index=True)
