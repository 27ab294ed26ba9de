"""KPIs on leads, appointments, surveys and content views: arrival conversion, satisfaction, exposure."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, distinct, exists, func, select
from sqlalchemy.orm import Session

from core.kpis import definitions as d
from core.kpis.definitions import KpiFilter
from core.kpis.sql import add_days, as_int, member_scope, month_of
from db.models import Visit
from db.models.kpis import (
    Appointment,
    Content,
    ContentView,
    KpiContentDay,
    KpiLeadDay,
    Lead,
    SurveyResponse,
    SurveySend,
)


def _arrived(window_days: int = d.ARRIVAL_WINDOW_DAYS):  # noqa: ANN202
    return exists().where(
        Visit.member_id == Lead.member_id,
        Visit.visit_date >= Lead.created_on,
        Visit.visit_date <= add_days(Lead.created_on, window_days),
    )


def _appointed():  # noqa: ANN202
    return exists().where(Appointment.lead_id == Lead.id)


def _lead_conditions(f: KpiFilter, segment: Select | None) -> list:
    conds = [Lead.created_on.between(f.date_from, f.date_to), *member_scope(f, Lead.member_id, segment)]
    if f.channel:
        conds.append(Lead.channel == f.channel)
    if f.department_id is not None:
        conds.append(Lead.department_id == f.department_id)
    return conds


@dataclass(frozen=True)
class Conversion:
    leads: int
    appointments: int
    arrived: int

    @property
    def rate(self) -> float | None:
        return d.arrival_conversion_rate(self.arrived, self.leads)


def _arrived_flag(use_rollup: bool):  # noqa: ANN202
    """1 for a lead that led to a visit within 30 days: from its arrival day kept by the refresh, or from visits."""
    return case((Lead.arrived_on.is_not(None) if use_rollup else _arrived(), 1), else_=0)


def lead_flags() -> list:
    """Per lead: 1 when it has an appointment, 1 when it arrived (its arrival day kept by the refresh)."""
    return [case((_appointed(), 1), else_=0).label("appointed"), _arrived_flag(True).label("arrived")]


def _lead_rollup(f: KpiFilter) -> list:
    r = KpiLeadDay
    conds = [r.day.between(f.date_from, f.date_to)]
    if f.branch_id is not None:
        conds.append(r.branch_id == f.branch_id)
    if f.channel:
        conds.append(r.channel == f.channel)
    if f.department_id is not None:
        conds.append(r.department_id == f.department_id)
    return conds


def arrival_conversion(session: Session, f: KpiFilter, segment: Select | None = None, *,
                       use_rollup: bool = True) -> Conversion:
    """Leads created in the period that led to a visit within 30 days (lead day ≤ visit day ≤ lead day + 30)
    by the same member ÷ leads created in the period. Leads not yet matched to a member never convert."""
    if use_rollup and segment is None:
        r = KpiLeadDay
        n, appts, hits = session.execute(select(func.sum(r.leads), func.sum(r.appointments), func.sum(r.arrived))
                                         .where(*_lead_rollup(f))).one()
        return Conversion(as_int(n), as_int(appts), as_int(hits))
    arrived = _arrived_flag(use_rollup)
    appointed = case((_appointed(), 1), else_=0)
    n, appts, hits = session.execute(
        select(func.count(), func.sum(appointed), func.sum(arrived)).where(*_lead_conditions(f, segment))).one()
    return Conversion(as_int(n), as_int(appts), as_int(hits))


def arrival_conversion_by(session: Session, f: KpiFilter, segment: Select | None = None, *,
                          use_rollup: bool = True) -> list[dict]:
    """Leads, appointments, arrivals and arrival conversion per channel and product category."""
    if use_rollup and segment is None:
        r = KpiLeadDay
        rows = session.execute(
            select(r.channel, r.product_category, func.sum(r.leads), func.sum(r.appointments), func.sum(r.arrived))
            .where(*_lead_rollup(f)).group_by(r.channel, r.product_category)
            .order_by(r.channel, r.product_category)).all()
    else:
        arrived = func.sum(_arrived_flag(use_rollup))
        appointed = func.sum(case((_appointed(), 1), else_=0))
        rows = session.execute(
            select(Lead.channel, Lead.product_category, func.count(), appointed, arrived)
            .where(*_lead_conditions(f, segment))
            .group_by(Lead.channel, Lead.product_category).order_by(Lead.channel, Lead.product_category)
        ).all()
    return [{"channel": ch, "product_category": cat, "leads": as_int(n), "appointments": as_int(a),
             "arrived": as_int(h), "arrival_conversion_rate": d.arrival_conversion_rate(as_int(h), as_int(n))}
            for ch, cat, n, a, h in rows]


@dataclass(frozen=True)
class Satisfaction:
    csat_sum: int
    csat_answers: int
    promoters: int
    detractors: int
    nps_answers: int
    sends: int
    answered_sends: int

    @property
    def csat(self) -> float | None:
        return d.csat(self.csat_sum, self.csat_answers)

    @property
    def nps(self) -> float | None:
        return d.nps(self.promoters, self.detractors, self.nps_answers)

    @property
    def response_rate(self) -> float | None:
        return d.survey_response_rate(self.answered_sends, self.sends)


def _response_conditions(f: KpiFilter, segment: Select | None) -> list:
    conds = [SurveyResponse.responded_on.between(f.date_from, f.date_to),
             *member_scope(f, SurveyResponse.member_id, segment)]
    if f.department_id is not None:
        conds.append(SurveyResponse.department_id == f.department_id)
    if f.journey_id is not None:
        conds.append(SurveyResponse.journey_id == f.journey_id)
    return conds


def _score_columns():  # noqa: ANN202
    return (
        func.sum(SurveyResponse.csat), func.count(SurveyResponse.csat),
        func.sum(case((SurveyResponse.nps >= 9, 1), else_=0)),
        func.sum(case((SurveyResponse.nps <= 6, 1), else_=0)),
        func.count(SurveyResponse.nps),
    )


def satisfaction(session: Session, f: KpiFilter, segment: Select | None = None) -> Satisfaction:
    """Mean CSAT (1–5) and NPS (% promoters 9–10 − % detractors 0–6) over responses in the period, and
    response rate = surveys sent in the period with a response ÷ surveys sent in the period."""
    scores = session.execute(select(*_score_columns()).where(*_response_conditions(f, segment))).one()
    send_conds = [SurveySend.sent_on.between(f.date_from, f.date_to), *member_scope(f, SurveySend.member_id, segment)]
    if f.department_id is not None:
        send_conds.append(SurveySend.department_id == f.department_id)
    if f.journey_id is not None:
        send_conds.append(SurveySend.journey_id == f.journey_id)
    if f.channel:
        send_conds.append(SurveySend.channel == f.channel)
    answered = exists().where(SurveyResponse.send_id == SurveySend.id)
    sends, answered_sends = session.execute(
        select(func.count(), func.sum(case((answered, 1), else_=0))).where(*send_conds)).one()
    return Satisfaction(*(as_int(v) for v in scores), as_int(sends), as_int(answered_sends))


def satisfaction_by(session: Session, f: KpiFilter, dimension: str, segment: Select | None = None) -> list[dict]:
    """CSAT, NPS and answers per `dimension`: month, step_id, advisor_id, journey_id or department_id."""
    key = month_of(SurveyResponse.responded_on) if dimension == "month" else getattr(SurveyResponse, dimension)
    rows = session.execute(
        select(key.label("key"), *_score_columns(), func.count())
        .where(*_response_conditions(f, segment), key.is_not(None))
        .group_by(key).order_by(key)
    ).all()
    return [{dimension: k, "csat": d.csat(as_int(s), as_int(n)), "nps": d.nps(as_int(p), as_int(x), as_int(m)),
             "responses": as_int(total)} for k, s, n, p, x, m, total in rows]


def verbatims(session: Session, f: KpiFilter, segment: Select | None = None, limit: int = 50) -> list[dict]:
    """The newest free-text answers in the period, lowest CSAT first within a day."""
    rows = session.execute(
        select(SurveyResponse.responded_on, SurveyResponse.csat, SurveyResponse.nps, SurveyResponse.text,
               SurveyResponse.step_id, SurveyResponse.advisor_id)
        .where(*_response_conditions(f, segment), SurveyResponse.text.is_not(None), SurveyResponse.text != "")
        .order_by(SurveyResponse.responded_on.desc(), SurveyResponse.csat).limit(limit)
    ).all()
    return [dict(r._mapping) for r in rows]


@dataclass(frozen=True)
class Exposure:
    private_views: int
    baseline_views: int

    @property
    def uplift_pct(self) -> float | None:
        return d.exposure_uplift_pct(self.private_views, self.baseline_views)


def _views_source(use_rollup: bool):  # noqa: ANN202
    """(day, content_id, channel, private_domain, views) from the daily rollup or from raw views."""
    if use_rollup:
        r = KpiContentDay
        return select(r.day, r.content_id, r.channel, r.private_domain, r.views).subquery()
    v = ContentView
    return (select(v.viewed_on.label("day"), v.content_id, v.channel, v.private_domain,
                   func.count().label("views"))
            .group_by(v.viewed_on, v.content_id, v.channel, v.private_domain).subquery())


def exposure_by_content(session: Session, f: KpiFilter, *, use_rollup: bool = True) -> list[dict]:
    """Private-domain and baseline views per content item in the period, with the item's uplift %."""
    src = _views_source(use_rollup)
    conds = [src.c.day.between(f.date_from, f.date_to)]
    if f.department_id is not None:
        conds.append(Content.department_id == f.department_id)
    private = func.sum(case((src.c.private_domain.is_(True), src.c.views), else_=0))
    baseline = func.sum(case((src.c.private_domain.is_(True), 0), else_=src.c.views))
    rows = session.execute(
        select(Content.id, Content.code, Content.title, Content.kind, private, baseline)
        .select_from(src.join(Content, Content.id == src.c.content_id))
        .where(*conds).group_by(Content.id, Content.code, Content.title, Content.kind).order_by(Content.code)
    ).all()
    return [{"content_id": i, "code": c, "title": t, "kind": k, "private_views": as_int(p),
             "baseline_views": as_int(b), "uplift_pct": d.exposure_uplift_pct(as_int(p), as_int(b))}
            for i, c, t, k, p, b in rows]


def exposure(session: Session, f: KpiFilter, *, use_rollup: bool = True) -> Exposure:
    """Views from private-domain channels ÷ views of the same content from baseline channels in the
    period, in %; only content items with at least one baseline view in the period enter both sums."""
    src = _views_source(use_rollup)
    conds = [src.c.day.between(f.date_from, f.date_to)]
    if f.department_id is not None:
        conds.append(src.c.content_id.in_(select(Content.id).where(Content.department_id == f.department_id)))
    per_item = (
        select(func.sum(case((src.c.private_domain.is_(True), src.c.views), else_=0)).label("p"),
               func.sum(case((src.c.private_domain.is_(True), 0), else_=src.c.views)).label("b"))
        .where(*conds).group_by(src.c.content_id).subquery()
    )
    p, b = session.execute(select(func.sum(per_item.c.p), func.sum(per_item.c.b)).where(per_item.c.b > 0)).one()
    return Exposure(as_int(p), as_int(b))


def exposure_by_channel(session: Session, f: KpiFilter, *, use_rollup: bool = True) -> list[dict]:
    """Views per channel and month in the period (private-domain flag included)."""
    src = _views_source(use_rollup)
    month = month_of(src.c.day)
    conds = [src.c.day.between(f.date_from, f.date_to)]
    if f.department_id is not None:
        conds.append(src.c.content_id.in_(select(Content.id).where(Content.department_id == f.department_id)))
    rows = session.execute(
        select(month, src.c.channel, src.c.private_domain, func.sum(src.c.views))
        .where(*conds).group_by(month, src.c.channel, src.c.private_domain).order_by(month, src.c.channel)
    ).all()
    return [{"month": m, "channel": ch, "private_domain": bool(pd), "views": as_int(v)} for m, ch, pd, v in rows]


def appointments_count(session: Session, f: KpiFilter, segment: Select | None = None) -> dict:
    """Appointments created in the period and how many of them arrived."""
    conds = [Appointment.created_on.between(f.date_from, f.date_to), *member_scope(f, Appointment.member_id, segment)]
    if f.department_id is not None:
        conds.append(Appointment.department_id == f.department_id)
    n, arrived, members = session.execute(
        select(func.count(), func.sum(case((Appointment.arrived_on.is_not(None), 1), else_=0)),
               func.count(distinct(Appointment.member_id))).where(and_(*conds))).one()
    return {"appointments": as_int(n), "arrived": as_int(arrived), "members": as_int(members)}


