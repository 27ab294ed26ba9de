from ui.guard import require_page

actor = require_page("pages/kpi_report.py")

from datetime import timedelta  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.clock import today  # noqa: E402
from core.kpis.definitions import HEADLINE_KEYS  # noqa: E402
from core.kpis.report import DEFINITION_KEYS, KINDS, format_delta, format_value  # noqa: E402
from ui.kpi_filters import footer, load, options, table  # noqa: E402
from ui.kpi_filters import record_download as audit  # noqa: E402
from ui.runtime import lang, tr  # noqa: E402

st.title(tr("nav.kpi_report"))
day = today().replace(day=1)
months = []
for _ in range(12):
    day = (day - timedelta(days=1)).replace(day=1) if months else day
    months.append(day)
branches = dict(options(actor).branches)
cols = st.columns(2)
month = cols[0].selectbox(tr("kpi.report.month"), months, index=1, key="kpi_report_month",
                          format_func=lambda m: m.strftime("%Y-%m"))
branch_id = cols[1].selectbox(tr("common.branch"), [None, *branches], key="kpi_report_branch",
                              format_func=lambda b: tr("kpi.report.all_branches") if b is None else branches[b])
report = load("monthly_report", actor, month, branch_id, lang(), today())
st.download_button(tr("kpi.report.download"), data=report.html.encode("utf-8"),
                   file_name=f"careloop_kpi_{month:%Y-%m}.html", mime="text/html", key="kpi_report_download",
                   on_click=audit, args=(actor, f"kpi_report_{month:%Y-%m}", len(HEADLINE_KEYS)),
                   icon=":material/print:", type="primary")
st.subheader(tr("kpi.report.preview"))
rows = pd.DataFrame([{
    tr("kpi.col.metric"): tr(f"kpi.{key}"),
    tr("kpi.col.value"): format_value(KINDS[key], report.current[key]),
    tr("kpi.col.previous"): format_value(KINDS[key], report.previous[key]),
    tr("kpi.difference"): format_delta(KINDS[key], report.current[key], report.previous[key]) or "—",
    tr("kpi.col.definition"): tr(DEFINITION_KEYS[key]),
} for key in HEADLINE_KEYS])
table(rows, "kpi_report", "headline", actor)
footer(report.elapsed_ms)
