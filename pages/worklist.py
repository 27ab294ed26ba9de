from ui.guard import require_page

actor = require_page("pages/worklist.py")

import streamlit as st  # noqa: E402

from core.auth.model import PermissionDenied  # noqa: E402
from core.clock import today  # noqa: E402
from core.i18n import fmt_date, label, money  # noqa: E402
from core.tasks import services  # noqa: E402
from ui.runtime import lang, new_session, tr  # noqa: E402


@st.cache_data(ttl=30, show_spinner=False)
def _cards(user_id: int, on) -> list:  # noqa: ANN001
    with new_session() as s:
        return services.worklist(s, actor, on)


@st.cache_data(ttl=300, show_spinner=False)
def _colleagues(user_id: int) -> list:
    with new_session() as s:
        return services.colleagues(s, actor)


st.title(tr("worklist.title"))
on = today()
cards = _cards(actor.user_id, on)
buckets = {b: [c for c in cards if c.bucket == b] for b in ("overdue", "today", "upcoming")}
cols = st.columns(3)
for col, bucket in zip(cols, buckets, strict=True):
    col.metric(tr(f"worklist.bucket.{bucket}"), len(buckets[bucket]))

if st.session_state.get("worklist_notice"):
    st.success(st.session_state.pop("worklist_notice"))

if not cards:
    st.info(tr("worklist.empty"))

mates = _colleagues(actor.user_id)
mate_names = dict(mates)
for bucket, items in buckets.items():
    if not items:
        continue
    st.subheader(tr(f"worklist.bucket.{bucket}"))
    for card in items:
        title = f"{fmt_date(card.due_date)} · {card.member_name or ''} · {card.step or tr('worklist.manual')}"
        with st.expander(title, expanded=bucket != "upcoming"):
            facts = [
                f"{tr('worklist.phone')}: {card.phone or '—'}",
                f"{tr('worklist.age')}: {card.age if card.age is not None else '—'}",
                f"{tr('worklist.stage')}: {label('worklist.stage', card.stage, lang()) or '—'}",
            ]
            if card.pregnancy_week is not None:
                facts.append(tr("worklist.week", week=card.pregnancy_week))
            facts.append(f"{tr('worklist.channel')}: {label('channel', card.channel, lang())}")
            if card.journey:
                facts.append(f"{tr('worklist.journey')}: {card.journey}")
            if card.source == "consent":
                facts.append(tr("worklist.from_consent"))
            st.markdown(" · ".join(facts))
            if card.script:
                st.info(card.script)
            if card.product_code:
                price = money(card.best_price_cents) if card.best_price_cents is not None else tr("worklist.no_price")
                st.markdown(f"**{tr('worklist.product')}**: {card.product_name} ({card.product_code}) · "
                            f"{tr('worklist.best_price')}: {price}")
            c1, c2, c3 = st.columns([2, 3, 1])
            outcome = c1.selectbox(tr("worklist.outcome"), services.TASK_OUTCOMES, key=f"worklist_outcome_{card.id}",
                                   format_func=lambda o: label("worklist.outcome", o, lang()))
            note = c2.text_input(tr("worklist.note"), key=f"worklist_note_{card.id}")
            if c3.button(tr("worklist.done"), key=f"worklist_done_{card.id}", icon=":material/check:"):
                try:
                    with new_session() as s:
                        services.record_outcome(s, actor, card.id, outcome, note)
                    _cards.clear()
                    st.session_state["worklist_notice"] = tr("worklist.recorded")
                    st.rerun()
                except (services.TaskError, PermissionDenied) as exc:
                    st.error(tr(getattr(exc, "key", "worklist.forbidden")))
            p1, p2 = st.columns([3, 1])
            reason = p1.selectbox(tr("worklist.suppress_reason"), services.PAUSE_REASONS,
                                  key=f"worklist_suppress_reason_{card.id}",
                                  format_func=lambda r: label("worklist.suppress", r, lang()))
            if p2.button(tr("worklist.suppress"), key=f"worklist_suppress_{card.id}"):
                with new_session() as s:
                    services.pause_marketing(s, actor, card.id, reason, on)
                _cards.clear()
                st.session_state["worklist_notice"] = tr("worklist.suppressed")
                st.rerun()
            if card.stage is not None and st.button(tr("worklist.delivered_elsewhere"),
                                                    key=f"worklist_elsewhere_{card.id}",
                                                    help=tr("worklist.delivered_elsewhere_help")):
                with new_session() as s:
                    services.delivered_elsewhere(s, actor, card.id, on)
                _cards.clear()
                st.session_state["worklist_notice"] = tr("worklist.delivered_elsewhere_done")
                st.rerun()
            if mates:
                r1, r2 = st.columns([3, 1])
                target = r1.selectbox(tr("worklist.reassign_to"), list(mate_names), key=f"worklist_to_{card.id}",
                                      format_func=mate_names.__getitem__)
                if r2.button(tr("worklist.reassign"), key=f"worklist_reassign_{card.id}"):
                    try:
                        with new_session() as s:
                            services.reassign(s, actor, card.id, target)
                        _cards.clear()
                        st.session_state["worklist_notice"] = tr("worklist.reassigned", name=mate_names[target])
                        st.rerun()
                    except (services.TaskError, PermissionDenied) as exc:
                        st.error(tr(getattr(exc, "key", "worklist.forbidden")))
