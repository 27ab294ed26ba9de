from ui.guard import require_page

actor = require_page("pages/journeys.py")

from dataclasses import asdict  # noqa: E402
from datetime import date, timedelta  # noqa: E402

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.auth.model import PermissionDenied  # noqa: E402
from core.clock import today  # noqa: E402
from core.i18n import label  # noqa: E402
from core.journeys import calendar, services  # noqa: E402
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


def _clear() -> None:
    for fn in (_journeys, _steps, _month, _day, _forecast):
        fn.clear()


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
        condition = st.text_area(tr("journeys.field.condition"), spec.condition_rule or "",
                                 key=f"journeys_condition_{suffix}", help=tr("journeys.condition_help"))
        c11, c12, c13 = st.columns(3)
        product = c11.text_input(tr("journeys.field.product"), spec.product_code or "",
                                 key=f"journeys_product_{suffix}")
        marketing = c12.checkbox(tr("journeys.field.marketing"), spec.is_marketing, key=f"journeys_marketing_{suffix}")
        runs_on = c13.checkbox(tr("journeys.field.runs_on"), spec.runs_when_suppressed, key=f"journeys_runs_{suffix}")
        saved = st.form_submit_button(tr("journeys.save"), disabled=not CAN_EDIT)
    if saved:
        new_spec = StepSpec(
            name=name.strip(), kind=kind, channel=channel, executor=executor,
            offset_weeks=int(weeks) if anchor == "edd" else (int(weeks) or None), offset_days=int(days),
            send_from_min=int(send_from) * 60, send_to_min=int(send_to) * 60, late_days=int(late),
            template=template.strip() or None, script=script.strip() or None, is_marketing=marketing,
            runs_when_suppressed=runs_on, product_code=product.strip() or None, name_en=spec.name_en,
            content_id=spec.content_id, survey_id=spec.survey_id, condition_rule=condition.strip() or None)
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
    first = st.date_input(tr("journeys.month"), today().replace(day=1), key="journeys_month")
    start = first.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    counts = _month(start, end)
    if not counts:
        st.info(tr("journeys.nothing_scheduled"))
    else:
        frame = pd.DataFrame([asdict(c) for c in counts])
        frame["channel"] = frame["channel"].map(lambda c: label("channel", c, lang()))
        frame["day"] = pd.to_datetime(frame["day"])
        chart = alt.Chart(frame).mark_bar().encode(
            x=alt.X("yearmonthdate(day):O", title=None),
            y=alt.Y("sum(count):Q", title=tr("journeys.count")),
            color=alt.Color("channel:N", title=tr("journeys.channel")),
            tooltip=["day:T", "journey", "channel", "kind", "count"],
        ).properties(height=260)
        st.altair_chart(chart, width="stretch")
        pivot = frame.pivot_table(index="journey", columns="kind", values="count", aggfunc="sum", fill_value=0)
        st.dataframe(pivot, width="stretch")
    day = st.date_input(tr("journeys.day"), today(), key="journeys_day")
    items = _day(day)
    st.caption(tr("journeys.day_count", n=len(items)))
    if items:
        st.dataframe(pd.DataFrame([asdict(i) for i in items]), width="stretch", hide_index=True)

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
        st.dataframe(over.drop(columns=["advisor_id"]) if len(over) else frame.head(0), width="stretch",
                     hide_index=True)

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
