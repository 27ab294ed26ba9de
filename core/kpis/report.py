"""Figure formatting and the one-page printable monthly report of the headline KPIs (escaped HTML)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from html import escape

from core.i18n import fmt_date, pct, t
from core.kpis.definitions import HEADLINE_KEYS

# how each figure is shown: count, decimal, rate (0..1 shown as %), percent (already in %), points
KINDS = {
    "reach": "count", "touches": "count", "frequency": "decimal", "exposure_uplift_pct": "percent",
    "csat": "decimal", "nps": "points", "survey_response_rate": "rate", "task_completion_rate": "rate",
    "arrival_conversion_rate": "rate", "repurchase_rate": "rate", "private_domain_member_share": "rate",
    "private_domain_spend_share": "rate", "multi_department_rate_private": "rate",
    "multi_department_rate_all": "rate",
}
DEFINITION_KEYS = {
    "reach": "kpi.def.reach", "frequency": "kpi.def.frequency", "exposure_uplift_pct": "kpi.def.exposure_uplift",
    "csat": "kpi.def.csat", "nps": "kpi.def.nps", "survey_response_rate": "kpi.def.response_rate",
    "task_completion_rate": "kpi.def.task_completion", "arrival_conversion_rate": "kpi.def.arrival_conversion",
    "repurchase_rate": "kpi.def.repurchase", "private_domain_member_share": "kpi.def.private_member_share",
    "private_domain_spend_share": "kpi.def.private_spend_share",
    "multi_department_rate_private": "kpi.def.multi_department_private",
    "multi_department_rate_all": "kpi.def.multi_department_all",
}


def format_value(kind: str, value: float | int | None) -> str:
    """A figure as text: 1,234 · 2.35 · 41.2% · 66.0% · +33.3."""
    if value is None:
        return "—"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "rate":
        return pct(value)
    if kind == "percent":
        return f"{value:.1f}%"
    if kind == "points":
        return f"{value:+.1f}"
    return f"{value:.2f}"


def format_delta(kind: str, value: float | int | None, previous: float | int | None) -> str | None:
    """The change against the previous period, in the figure's unit (rates in percentage points)."""
    if value is None or previous is None:
        return None
    diff = value - previous
    if kind == "count":
        return f"{int(diff):+,}"
    if kind == "rate":
        return f"{diff * 100:+.1f} pp"
    if kind == "percent":
        return f"{diff:+.1f} pp"
    return f"{diff:+.2f}"


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month containing `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def monthly_report_html(current: dict, previous: dict, *, month: date, scope: str, lang: str,
                        generated_at: datetime) -> str:
    """A self-contained printable page: each headline KPI, its previous-month value, change and definition."""
    first, last = month_bounds(month)
    rows = []
    for key in HEADLINE_KEYS:
        kind = KINDS[key]
        rows.append(
            "<tr><th>{name}</th><td class='v'>{value}</td><td>{prev}</td><td>{delta}</td><td class='d'>{definition}</td></tr>"
            .format(name=escape(t(f"kpi.{key}", lang)), value=escape(format_value(kind, current.get(key))),
                    prev=escape(format_value(kind, previous.get(key))),
                    delta=escape(format_delta(kind, current.get(key), previous.get(key)) or "—"),
                    definition=escape(t(DEFINITION_KEYS[key], lang))))
    title = escape(t("kpi.report.title", lang, month=first.strftime("%Y-%m")))
    head = "".join(f"<th>{escape(t(k, lang))}</th>" for k in
                   ("kpi.col.metric", "kpi.col.value", "kpi.col.previous", "kpi.difference", "kpi.col.definition"))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>"
        "@page{{size:A4 landscape;margin:12mm}}body{{font-family:'PingFang SC','Microsoft YaHei',sans-serif;"
        "font-size:11px;color:#222}}h1{{font-size:18px;margin:0 0 4px}}table{{border-collapse:collapse;width:100%}}"
        "th,td{{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}}"
        "td.v{{font-size:14px;font-weight:bold;white-space:nowrap}}td.d{{color:#555;font-size:10px}}"
        "</style></head><body><h1>{title}</h1><p>{scope}</p><table><thead><tr>{head}</tr></thead>"
        "<tbody>{rows}</tbody></table><p>{generated}</p></body></html>"
    ).format(title=title, head=head, rows="".join(rows),
             scope=escape(t("kpi.report.scope", lang, branch=scope, start=fmt_date(first), end=fmt_date(last))),
             generated=escape(t("kpi.report.generated", lang, at=fmt_date(generated_at))))
