from ui.guard import require_page

actor = require_page("pages/surveys.py")

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.clock import today  # noqa: E402
from core.i18n import fmt_date, label  # noqa: E402
from core.kpis import surveys  # noqa: E402
from core.segments.services import list_segments  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402

CHANNELS = ("wecom", "sms", "wecom_group", "mini_program", "phone")
EDITOR = actor.role in surveys.EDITORS


@st.cache_data(ttl=60, show_spinner=False)
def _templates(user_id: int) -> list[surveys.TemplateInfo]:
    with new_session() as s:
        return surveys.list_templates(s, actor)


def _pending(user_id: int, search: str) -> list[surveys.PendingSend]:
    with new_session() as s:
        return surveys.pending_sends(s, actor, search=search)


def _done(message: str) -> None:
    _templates.clear()
    st.session_state["surveys_notice"] = message
    st.rerun()


st.title(tr("nav.surveys"))
if st.session_state.get("surveys_notice"):
    st.success(st.session_state.pop("surveys_notice"))
templates = _templates(actor.user_id)
names = {t.id: f"{t.name} ({t.code})" for t in templates}
kind_names = {k: tr(f"surveys.kind.{k}") for k in surveys.QUESTION_KINDS}

tabs = st.tabs([tr("surveys.tab.record"), tr("surveys.tab.templates"), tr("surveys.tab.send")] if EDITOR
               else [tr("surveys.tab.record")])

with tabs[0]:
    st.caption(tr("surveys.record_hint"))
    search = st.text_input(tr("surveys.search"), key="surveys_search")
    pending = _pending(actor.user_id, search)
    if not pending:
        st.info(tr("surveys.none_pending"))
    else:
        choices = {p.send_id: p for p in pending}
        send_id = st.selectbox(
            tr("surveys.pick_send"), list(choices), key="surveys_send",
            format_func=lambda i: f"{fmt_date(choices[i].sent_on)} · {choices[i].template} · {choices[i].member} · "
                                  f"{label('channel', choices[i].channel, lang())}")
        send = choices[send_id]
        questions = next((t.questions for t in templates if t.id == send.template_id), ())
        kinds = {q.kind for q in questions} or set(surveys.QUESTION_KINDS)
        prompts = {q.kind: q.prompt for q in questions}
        with st.form("surveys_answer_form", clear_on_submit=True):
            csat = nps = text = None
            if "csat" in kinds:
                csat = st.radio(prompts.get("csat", tr("surveys.kind.csat")), [None, 1, 2, 3, 4, 5], horizontal=True,
                                key="surveys_csat", format_func=lambda v: tr("surveys.no_answer") if v is None else str(v))
            if "nps" in kinds:
                nps = st.select_slider(prompts.get("nps", tr("surveys.kind.nps")), [None, *range(11)],
                                       key="surveys_nps",
                                       format_func=lambda v: tr("surveys.no_answer") if v is None else str(v))
            if "text" in kinds:
                text = st.text_area(prompts.get("text", tr("surveys.kind.text")), key="surveys_text", max_chars=2000)
            answered_on = st.date_input(tr("surveys.answered_on"), value=today(), key="surveys_answered_on")
            if st.form_submit_button(tr("surveys.record"), type="primary"):
                try:
                    with new_session() as s:
                        surveys.record_response(s, actor, send_id, responded_on=answered_on, csat=csat, nps=nps,
                                                text=text)
                except surveys.InvalidAnswer as err:
                    st.error(tr(err.args[0]))
                else:
                    _done(tr("surveys.recorded"))

if EDITOR:
    with tabs[1]:
        table = pd.DataFrame([{
            tr("surveys.col.code"): t.code, tr("surveys.col.name"): t.name,
            tr("surveys.col.questions"): " · ".join(kind_names[q.kind] for q in t.questions),
            tr("surveys.col.active"): t.active, tr("surveys.col.sends"): t.sends,
            tr("surveys.col.responses"): t.responses,
        } for t in templates])
        st.dataframe(table, hide_index=True, width="stretch", key="surveys_templates_table")
        editing = st.selectbox(tr("surveys.edit_pick"), [None, *names], key="surveys_edit",
                               format_func=lambda i: tr("surveys.new") if i is None else names[i])
        current = next((t for t in templates if t.id == editing), None)
        rows = ([{"kind": q.kind, "prompt": q.prompt} for q in current.questions] if current else
                [{"kind": "csat", "prompt": tr("surveys.default.csat")}, {"kind": "nps", "prompt": tr("surveys.default.nps")},
                 {"kind": "text", "prompt": tr("surveys.default.text")}])
        suffix = editing or "new"
        with st.form(f"surveys_template_form_{suffix}"):
            code = st.text_input(tr("surveys.col.code"), value=current.code if current else "",
                                 key=f"surveys_code_{suffix}")
            name = st.text_input(tr("surveys.col.name"), value=current.name if current else "",
                                 key=f"surveys_name_{suffix}")
            active = st.checkbox(tr("surveys.col.active"), value=current.active if current else True,
                                 key=f"surveys_active_{suffix}")
            edited = st.data_editor(
                pd.DataFrame(rows, columns=["kind", "prompt"]), num_rows="dynamic", hide_index=True, width="stretch",
                key=f"surveys_questions_{suffix}",
                column_config={"kind": st.column_config.SelectboxColumn(tr("surveys.col.kind"),
                                                                        options=list(surveys.QUESTION_KINDS),
                                                                        required=True),
                               "prompt": st.column_config.TextColumn(tr("surveys.col.prompt"), max_chars=300)})
            st.caption(tr("surveys.kinds_hint"))
            if st.form_submit_button(tr("surveys.save"), type="primary"):
                questions = [(str(r["kind"]), str(r["prompt"] or "")) for r in edited.to_dict("records")
                             if isinstance(r.get("kind"), str)]
                try:
                    with new_session() as s:
                        surveys.save_template(s, actor, code=code, name=name, questions=questions, active=active,
                                              template_id=editing)
                except surveys.InvalidAnswer as err:
                    st.error(tr(err.args[0]))
                else:
                    _done(tr("surveys.saved"))

    with tabs[2]:
        active_templates = {t.id: names[t.id] for t in templates if t.active}
        with new_session() as s:
            segments = {g.id: g.name for g in list_segments(s, actor, include_archived=False)}
        if not active_templates or not segments:
            st.info(tr("surveys.send_needs"))
        else:
            with st.form("surveys_send_form"):
                template_id = st.selectbox(tr("surveys.col.name"), list(active_templates), key="surveys_send_template",
                                           format_func=active_templates.get)
                segment_id = st.selectbox(tr("kpi.filter.segment"), list(segments), key="surveys_send_segment",
                                          format_func=segments.get)
                channel = st.selectbox(tr("common.channel"), CHANNELS, key="surveys_send_channel",
                                       format_func=lambda c: label("channel", c, lang()))
                sent_on = st.date_input(tr("surveys.sent_on"), value=today(), key="surveys_send_day")
                if st.form_submit_button(tr("surveys.send"), type="primary"):
                    try:
                        with new_session() as s:
                            n = surveys.send_to_segment(s, actor, template_id, segment_id, sent_on=sent_on,
                                                        channel=channel)
                    except surveys.InvalidAnswer as err:
                        st.error(tr(err.args[0]))
                    else:
                        _done(tr("surveys.sent", n=n))
