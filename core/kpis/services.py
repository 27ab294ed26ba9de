"""KPI use cases: headline figures, one view per dashboard (current and previous period), rollup refresh.

Every view returns plain dataclasses and dicts, and the time its queries took (shown in a page footer).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.auth.pages import KPI_READERS
from core.clock import utcnow
from core.i18n import t
from core.kpis import queries, queries_funnel, queries_touches, rollup_work, rollups
from core.kpis.definitions import HEADLINE_KEYS, KpiFilter, arrival_conversion_rate
from core.kpis.report import month_bounds, monthly_report_html
from db.models import Branch, Department, User
from db.models.journeys import CHANNELS, Journey, JourneyStep
from db.models.kpis import Lead
from db.models.segments import Segment

READERS = (*KPI_READERS, "product_manager")


def _segment(session: Session, f: KpiFilter) -> Select | None:
    if f.segment_id is None:
        return None
    from core.segments.compile import member_ids
    from core.segments.services import saved_segment_rule

    return member_ids(saved_segment_rule(session, f.segment_id), as_of=f.date_to)


@dataclass
class View:
    """What a dashboard shows: figures for the period and the previous one, tables, and query time."""

    current: dict
    previous: dict
    tables: dict[str, list[dict]] = field(default_factory=dict)
    elapsed_ms: int = 0


def _view(session: Session, actor: Actor, f: KpiFilter, figures: Callable[[KpiFilter, Select | None], dict],
          tables: Callable[[KpiFilter, Select | None], dict[str, list[dict]]] | None = None) -> View:
    require_role(actor, *READERS)
    started = time.perf_counter()
    with session.begin():
        seg = _segment(session, f)
        prev = f.previous()
        view = View(figures(f, seg), figures(prev, _segment(session, prev)), tables(f, seg) if tables else {})
    view.elapsed_ms = round((time.perf_counter() - started) * 1000)
    return view


def headline(session: Session, actor: Actor, f: KpiFilter, as_of: date) -> dict:
    """The thirteen headline KPIs of a period, with the stable keys of `careloop kpi --json`."""
    require_role(actor, *READERS)
    with session.begin():
        return _headline(session, f, _segment(session, f), as_of)


def _headline(session: Session, f: KpiFilter, seg: Select | None, as_of: date) -> dict:
    reach = queries_touches.reach(session, f, seg)
    sat = queries_funnel.satisfaction(session, f, seg)
    share = queries.private_domain_share(session, f, seg)
    multi = queries.multi_department(session, f, seg)
    values = {
        "reach": reach.reached,
        "frequency": reach.frequency,
        "exposure_uplift_pct": queries_funnel.exposure(session, f).uplift_pct,
        "csat": sat.csat,
        "nps": sat.nps,
        "survey_response_rate": sat.response_rate,
        "task_completion_rate": queries_touches.task_completion(session, f, as_of, seg).rate,
        "arrival_conversion_rate": queries_funnel.arrival_conversion(session, f, seg).rate,
        "repurchase_rate": queries.repurchase(session, f, seg).rate,
        "private_domain_member_share": share.member_share,
        "private_domain_spend_share": share.spend_share,
        "multi_department_rate_private": multi.rate_private,
        "multi_department_rate_all": multi.rate_all,
    }
    return {key: values[key] for key in HEADLINE_KEYS}


def headline_view(session: Session, actor: Actor, f: KpiFilter, as_of: date) -> View:
    """Headline KPIs for the period and the previous one (the monthly report)."""
    return _view(session, actor, f, lambda g, seg: _headline(session, g, seg, as_of))


def reach_view(session: Session, actor: Actor, f: KpiFilter, grain: str = "week") -> View:
    """Reach & frequency: figures, series per day/week/month, by channel, by journey (the distribution of
    touches per member is `frequency_view`: it adds up every member's touches, slow over long periods)."""
    def figures(g: KpiFilter, seg: Select | None) -> dict:
        r = queries_touches.reach(session, g, seg)
        return {"reach": r.reached, "touches": r.touches, "frequency": r.frequency}

    def tables(g: KpiFilter, seg: Select | None) -> dict:
        return {
            "series": queries_touches.reach_by(session, g, grain, seg),
            "by_channel": queries_touches.reach_by(session, g, "channel", seg),
            "by_journey": queries_touches.reach_by(session, g, "journey_id", seg),
        }
    return _view(session, actor, f, figures, tables)


def frequency_view(session: Session, actor: Actor, f: KpiFilter) -> View:
    """How many reached members got 1, 2, 3, 4–5, 6–10, 11+ touches in the period (no previous period)."""
    require_role(actor, *READERS)
    started = time.perf_counter()
    with session.begin():
        rows = queries_touches.frequency_distribution(session, f, _segment(session, f))
    return View({}, {}, {"distribution": rows}, round((time.perf_counter() - started) * 1000))


def exposure_view(session: Session, actor: Actor, f: KpiFilter) -> View:
    """Exposure uplift: total private vs baseline views, per content item, per channel and month."""
    def figures(g: KpiFilter, _seg: Select | None) -> dict:
        e = queries_funnel.exposure(session, g)
        return {"private_views": e.private_views, "baseline_views": e.baseline_views, "uplift_pct": e.uplift_pct}

    def tables(g: KpiFilter, _seg: Select | None) -> dict:
        return {"by_content": queries_funnel.exposure_by_content(session, g),
                "by_channel": queries_funnel.exposure_by_channel(session, g)}
    return _view(session, actor, f, figures, tables)


def satisfaction_view(session: Session, actor: Actor, f: KpiFilter) -> View:
    """Satisfaction: CSAT, NPS, response rate; monthly trend; by step and advisor; verbatims."""
    def figures(g: KpiFilter, seg: Select | None) -> dict:
        s = queries_funnel.satisfaction(session, g, seg)
        return {"csat": s.csat, "nps": s.nps, "response_rate": s.response_rate, "responses": s.csat_answers,
                "sends": s.sends}

    def tables(g: KpiFilter, seg: Select | None) -> dict:
        return {"trend": queries_funnel.satisfaction_by(session, g, "month", seg),
                "by_step": queries_funnel.satisfaction_by(session, g, "step_id", seg),
                "by_advisor": queries_funnel.satisfaction_by(session, g, "advisor_id", seg),
                "verbatims": queries_funnel.verbatims(session, g, seg)}
    return _view(session, actor, f, figures, tables)


def _funnel_totals(rows: list[dict]) -> dict:
    total = {k: sum(r[k] for r in rows) for k in ("scheduled", "sent", "delivered", "opened", "replied",
                                                    "converted", "opted_out")}
    total["conversion_rate"] = total["converted"] / total["sent"] if total["sent"] else None
    total["opt_out_rate"] = total["opted_out"] / total["delivered"] if total["delivered"] else None
    return total


def steps_view(session: Session, actor: Actor, f: KpiFilter, journey_id: int, window_days: int) -> View:
    """Step effectiveness of one journey: the funnel per step, and totals for the period and the previous one."""
    require_role(actor, *READERS)
    started = time.perf_counter()
    with session.begin():
        prev = f.previous()
        rows = queries_touches.step_funnel(session, journey_id, f, window_days, _segment(session, f))
        before = queries_touches.step_funnel(session, journey_id, prev, window_days, _segment(session, prev))
    view = View(_funnel_totals(rows), _funnel_totals(before), {"funnel": rows})
    view.elapsed_ms = round((time.perf_counter() - started) * 1000)
    return view


def _lead_totals(rows: list[dict]) -> dict:
    leads, appts, arrived = (sum(r[k] for r in rows) for k in ("leads", "appointments", "arrived"))
    return {"leads": leads, "appointments": appts, "arrived": arrived,
            "arrival_conversion_rate": arrival_conversion_rate(arrived, leads)}


def _by_category(rows: list[dict]) -> list[dict]:
    """Leads, appointments and arrivals of every channel summed per product category."""
    out: dict[str, dict] = {}
    for r in rows:
        c = out.setdefault(r["product_category"], {"product_category": r["product_category"], "leads": 0,
                                                   "appointments": 0, "arrived": 0})
        for k in ("leads", "appointments", "arrived"):
            c[k] += r[k]
    return [{**c, "arrival_conversion_rate": arrival_conversion_rate(c["arrived"], c["leads"])}
            for _, c in sorted(out.items())]


def conversion_view(session: Session, actor: Actor, f: KpiFilter) -> View:
    """Conversion & repurchase: leads, appointments, arrival conversion (30 days) by channel and product
    category, repurchase rate overall and by product category (by order channel: `repurchase_channel_view`)."""
    require_role(actor, *READERS)
    started = time.perf_counter()
    with session.begin():
        seg = _segment(session, f)
        rows = queries_funnel.arrival_conversion_by(session, f, seg)  # the totals are its sums
        rep, rep_by_category = queries.repurchase_overall_and_by_category(session, f, seg)
        current = {**_lead_totals(rows), "buyers": rep.buyers, "repurchase_rate": rep.rate}
        prev = f.previous()
        prev_seg = _segment(session, prev)
        before = queries.repurchase(session, prev, prev_seg)
        previous = {**_lead_totals(queries_funnel.arrival_conversion_by(session, prev, prev_seg)),
                    "buyers": before.buyers, "repurchase_rate": before.rate}
        tables = {"by_channel_category": rows, "by_category": _by_category(rows),
                  "repurchase_by_category": rep_by_category}
    return View(current, previous, tables, round((time.perf_counter() - started) * 1000))


def repurchase_channel_view(session: Session, actor: Actor, f: KpiFilter) -> View:
    """Repurchase rate per order channel in the period (computed on request: it counts every buyer again)."""
    require_role(actor, *READERS)
    started = time.perf_counter()
    with session.begin():
        rows = queries.repurchase_by_channel(session, f, _segment(session, f))
    return View({}, {}, {"repurchase_by_channel": rows}, round((time.perf_counter() - started) * 1000))


def uplift_view(session: Session, actor: Actor, f: KpiFilter, journey_id: int, window_days: int) -> View:
    """Journey uplift: treated vs control conversion, arrival and spend within N days of enrollment."""
    def figures(g: KpiFilter, seg: Select | None) -> dict:
        u = queries_touches.journey_uplift(session, journey_id, g, window_days, seg)
        return {"treated": u.treated, "control": u.control, "conversion": u.conversion, "arrival": u.arrival,
                "spend_cents": u.spend_cents}
    return _view(session, actor, f, figures)


def private_view(session: Session, actor: Actor, f: KpiFilter) -> View:
    """Private-domain value: member and spend share, multi-department rates, spend by month, households."""
    def figures(g: KpiFilter, seg: Select | None) -> dict:
        s = queries.private_domain_share(session, g, seg)
        m = queries.multi_department(session, g, seg)
        return {"member_share": s.member_share, "spend_share": s.spend_share, "private_members": s.private_members,
                "all_members": s.all_members, "other_members": s.all_members - s.private_members,
                "private_spend_cents": s.private_spend_cents, "all_spend_cents": s.all_spend_cents,
                "other_spend_cents": s.all_spend_cents - s.private_spend_cents, "multi_department_rate_private": m.rate_private,
                "multi_department_rate_all": m.rate_all}

    def tables(g: KpiFilter, seg: Select | None) -> dict:
        return {"spend_by_month": queries.spend_by_month(session, g, seg),
                "rfm": queries.rfm_distribution(session, g, seg)}
    return _view(session, actor, f, figures, tables)


def household_view(session: Session, actor: Actor, f: KpiFilter) -> View:
    """Households: spend and departments of whole families, private vs other, and key-person reach."""
    def figures(g: KpiFilter, seg: Select | None) -> dict:
        return queries.key_person_reach(session, g, seg)

    def tables(g: KpiFilter, seg: Select | None) -> dict:
        households = queries.household_value(session, g, seg)
        return {"households": [{"group": k, **v} for k, v in sorted(households.items())]}
    return _view(session, actor, f, figures, tables)


def tasks_view(session: Session, actor: Actor, f: KpiFilter, as_of: date) -> View:
    """Task completion: rate, overdue count, per advisor."""
    def figures(g: KpiFilter, seg: Select | None) -> dict:
        t = queries_touches.task_completion(session, g, as_of, seg)
        return {"due": t.due, "done_by_due": t.done_by_due, "done_late": t.done_late, "overdue": t.overdue,
                "completion_rate": t.rate}

    def tables(g: KpiFilter, seg: Select | None) -> dict:
        return {"by_advisor": queries_touches.task_completion_by_advisor(session, g, as_of, seg)}
    return _view(session, actor, f, figures, tables)


@dataclass(frozen=True)
class FilterOptions:
    branches: list[tuple[int, str]]
    departments: list[tuple[int, str]]
    channels: list[str]
    journeys: list[tuple[int, str]]
    segments: list[tuple[int, str]]
    users: dict[int, str]
    steps: dict[int, str]


def filter_options(session: Session, actor: Actor) -> FilterOptions:
    """The choices of the shared filter bar."""
    require_role(actor, *READERS)
    return _filter_options(session)


def _filter_options(session: Session) -> FilterOptions:
    with session.begin():
        branches = [tuple(r) for r in session.execute(select(Branch.id, Branch.code).order_by(Branch.code))]
        depts = [tuple(r) for r in session.execute(select(Department.id, Department.code).order_by(Department.code))]
        journeys = [tuple(r) for r in session.execute(select(Journey.id, Journey.name).order_by(Journey.name))]
        lead_channels = list(session.scalars(select(Lead.channel).distinct()))
        users = dict(session.execute(select(User.id, User.display_name)).all())
        steps = {i: f"{journey} · {pos}. {name}" for i, journey, pos, name in session.execute(
            select(JourneyStep.id, Journey.name, JourneyStep.position, JourneyStep.name)
            .join(Journey, Journey.id == JourneyStep.journey_id))}
        segments = [tuple(r) for r in session.execute(
            select(Segment.id, Segment.name).where(Segment.archived.is_(False)).order_by(Segment.name))]
    channels = sorted(set(CHANNELS) | set(lead_channels))
    return FilterOptions(branches, depts, channels, journeys, segments, users, steps)


def refresh(session: Session, actor: Actor, days: list[date]) -> dict:
    """Rebuild the daily rollups of the given days (in ascending order), audited."""
    require_role(actor, "admin", "lead")
    totals = {"days": 0, "reach_rows": 0, "content_rows": 0}
    with session.begin():
        for day in sorted(days):
            counts = rollups.refresh_day(session, day, work=False)
            totals["days"] += 1
            totals["reach_rows"] += counts["reach_rows"]
            totals["content_rows"] += counts["content_rows"]
        if days:
            rollup_work.refresh_work(session, min(days))  # once, from the first refreshed day on
            record(session, actor, "refresh", "kpi_rollups", None,
                   {"from": min(days), "to": max(days), **totals})
    return totals


def rebuild(session: Session, actor: Actor, first: date | None, last: date) -> dict:
    """Rebuild the rollups of every day from `first` (default: the first day with facts) to `last`, audited."""
    require_role(actor, "admin", "lead")
    with session.begin():
        first = first or rollups.first_fact_day(session)
        if first is None or first > last:
            return {"days": 0, "reach_rows": 0, "content_rows": 0}
        totals = rollups.rebuild(session, first, last)
        record(session, actor, "rebuild", "kpi_rollups", None, {"from": first, "to": last, **totals})
    return totals


def refresh_incremental(session: Session, actor: Actor, today: date) -> dict:
    """Rebuild the days since the last refresh (and a few before it, for late delivery reports)."""
    require_role(actor, "admin", "lead")
    with session.begin():
        days = rollups.pending_days(session, today)
    return refresh(session, actor, days)


def record_export(session: Session, actor: Actor, view: str, rows: int) -> None:
    """Write the audit entry of a dashboard export."""
    require_role(actor, *READERS)
    with session.begin():
        record(session, actor, "export", "kpi_view", view, {"rows": rows})


@dataclass(frozen=True)
class MonthlyReport:
    html: str
    current: dict
    previous: dict
    elapsed_ms: int


def monthly_report(session: Session, actor: Actor, month: date, branch_id: int | None, lang: str,
                   as_of: date) -> MonthlyReport:
    """The printable one-page report of the headline KPIs of a calendar month, against the month before."""
    require_role(actor, *READERS)
    started = time.perf_counter()
    first, last = month_bounds(month)
    prev_first, prev_last = month_bounds(first - timedelta(days=1))
    with session.begin():
        current = _headline(session, KpiFilter(first, last, branch_id=branch_id), None, as_of)
        previous = _headline(session, KpiFilter(prev_first, prev_last, branch_id=branch_id), None, as_of)
        scope = t("kpi.report.all_branches", lang) if branch_id is None else (
            session.scalar(select(Branch.name).where(Branch.id == branch_id)) or str(branch_id))
    html = monthly_report_html(current, previous, month=first, scope=scope, lang=lang, generated_at=utcnow())
    return MonthlyReport(html, current, previous, round((time.perf_counter() - started) * 1000))
