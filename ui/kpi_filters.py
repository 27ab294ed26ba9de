"""The shared filter bar of the KPI dashboards and the pieces every dashboard shows: figures with their
definition and previous-period delta, channel colours, sortable tables with audited CSV/Excel export, query-time footer."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from core.auth.model import Actor
from core.clock import today
from core.i18n import fmt_date, label
from core.kpis import services
from core.kpis.definitions import InvalidPeriod, KpiFilter
from core.kpis.report import format_delta, format_value
from ui.export import download_buttons
from ui.runtime import lang, new_session, settings, tr

FILTERS = ("branch", "department", "channel", "journey", "segment")
PRESETS = ("last_30", "this_month", "last_month", "last_90", "this_year", "custom")
# one colour per channel on every chart (private-domain channels in greens/blues, public in warm tones)
CHANNEL_COLORS = {
    "wecom": "#2e7d32", "wecom_group": "#66bb6a", "moments": "#1565c0", "sms": "#42a5f5", "phone": "#6a1b9a",
    "offline": "#8d6e63", "official_account": "#ef6c00", "xiaohongshu": "#d81b60", "dianping": "#fbc02d",
    "website": "#78909c", "meituan": "#f9a825", "referral": "#00897b", "word_of_mouth": "#26a69a",
    "wechat_mall": "#7cb342", "mini_program": "#9ccc65", "walk_in": "#bdbdbd", "front_desk": "#a1887f",
}


def channel_scale() -> alt.Scale:
    """The Altair colour scale that gives every channel the same colour on every chart."""
    return alt.Scale(domain=list(CHANNEL_COLORS), range=list(CHANNEL_COLORS.values()))


@st.cache_data(ttl=300, show_spinner=False)
def _options(url: str, actor: Actor) -> services.FilterOptions:
    with new_session() as s:
        return services.filter_options(s, actor)


def options(actor: Actor) -> services.FilterOptions:
    """Branches, departments, channels, journeys, segments and user names for the filter bar."""
    return _options(settings().database_url, actor)


@st.cache_data(ttl=120, show_spinner=False)
def _load(name: str, url: str, actor: Actor, *args: object) -> object:
    with new_session() as s:
        return getattr(services, name)(s, actor, *args)


def load(name: str, actor: Actor, *args: object) -> object:
    """The result of the KPI service `name` (cached for two minutes per argument set)."""
    return _load(name, settings().database_url, actor, *args)


def preset_range(preset: str, day: date) -> tuple[date, date]:
    """The period a preset names, ending on `day` where it is open-ended."""
    first_of_month = day.replace(day=1)
    if preset == "this_month":
        return first_of_month, day
    if preset == "last_month":
        end = first_of_month - timedelta(days=1)
        return end.replace(day=1), end
    if preset == "last_90":
        return day - timedelta(days=89), day
    if preset == "this_year":
        return day.replace(month=1, day=1), day
    return day - timedelta(days=29), day


def _choice(col, text: str, key: str, names: dict) -> object:  # noqa: ANN001
    return col.selectbox(text, [None, *names], key=key,
                         format_func=lambda v: tr("common.all") if v is None else str(names.get(v, v)))


def filter_bar(prefix: str, actor: Actor, *, uses: tuple[str, ...] = FILTERS) -> KpiFilter:
    """Period presets or dates, and the cuts this page uses; returns the filter (stops on a bad period)."""
    opts = options(actor)
    lang_ = lang()
    cols = st.columns(3 + len(uses))
    preset = cols[0].selectbox(tr("kpi.filter.preset"), PRESETS, key=f"{prefix}_preset",
                               format_func=lambda p: tr(f"kpi.preset.{p}"))
    start, end = preset_range(preset, today())
    custom = preset == "custom"
    suffix = "" if custom else f"_{preset}"  # a fixed preset shows its own dates, read-only
    start = cols[1].date_input(tr("common.period_from"), value=start, key=f"{prefix}_from{suffix}", disabled=not custom)
    end = cols[2].date_input(tr("common.period_to"), value=end, key=f"{prefix}_to{suffix}", disabled=not custom)
    dept_names = {i: label("dept", code, lang_) for i, code in opts.departments}
    cuts = {  # filter -> (KpiFilter field, widget label, {value: shown name})
        "branch": ("branch_id", tr("common.branch"), dict(opts.branches)),
        "department": ("department_id", tr("common.department"), dept_names),
        "channel": ("channel", tr("common.channel"), {c: label("channel", c, lang_) for c in opts.channels}),
        "journey": ("journey_id", tr("kpi.filter.journey"), dict(opts.journeys)),
        "segment": ("segment_id", tr("kpi.filter.segment"), dict(opts.segments)),
    }
    chosen = {}
    for col, name in zip(cols[3:], uses, strict=True):
        field, text, names = cuts[name]
        chosen[field] = _choice(col, text, f"{prefix}_{name}", names)
    try:
        f = KpiFilter(start, end, **chosen)
    except InvalidPeriod:
        st.error(tr("kpi.error.period"))
        st.stop()
    prev = f.previous()
    st.caption(tr("kpi.previous_hint", start=fmt_date(prev.date_from), end=fmt_date(prev.date_to)))
    return f


def figure(col, name: str, kind: str, current: dict, previous: dict, definition_key: str, *,  # noqa: ANN001
           key: str | None = None, inverse: bool = False) -> None:
    """One figure: its value, the change against the previous period, and its definition on hover."""
    key = key or name
    col.metric(tr(f"kpi.{name}"), format_value(kind, current.get(key)),
               delta=format_delta(kind, current.get(key), previous.get(key)),
               delta_color="inverse" if inverse else "normal", help=tr(definition_key))


def table(df: pd.DataFrame, prefix: str, name: str, actor: Actor, **kwargs: object) -> None:
    """A sortable table with audited CSV and Excel downloads (cells formula-escaped)."""
    st.dataframe(df, width="stretch", hide_index=True, key=f"{prefix}_{name}_table", **kwargs)
    download_buttons(df, file_stem=f"{prefix}_{name}", entity=f"kpi_view:{prefix}_{name}", actor=actor,
                     key=f"{prefix}_{name}")


def record_download(actor: Actor, view: str, rows: int) -> None:
    """Audit one download of a KPI view (a download button's on_click)."""
    with new_session() as s:
        services.record_export(s, actor, view, rows)


def footer(elapsed_ms: int) -> None:
    """The small query-time footer."""
    st.caption(tr("app.query_time", ms=elapsed_ms))


def channel_name(code: str | None) -> str:
    return label("channel", code, lang()) if code else "—"
