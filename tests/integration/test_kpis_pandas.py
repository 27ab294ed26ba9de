"""Every KPI against an independent pandas computation on a generated data set, on both databases."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert

from core.kpis import queries, queries_funnel, rollups
from core.kpis import queries_touches as qt
from core.kpis.definitions import PRIVATE_CHANNELS, REACHING_OUTCOMES, KpiFilter
from db.models import Branch, Department, Member, Order, User, Visit
from db.models.journeys import Enrollment, Journey, JourneyStep, Task, Touch
from db.models.kpis import Content, ContentView, Lead, SurveyResponse, SurveySend, SurveyTemplate

START = date(2026, 1, 1)
DAYS = 120
AS_OF = date(2026, 3, 15)
CHANNELS = ["sms", "wecom", "wecom_group", "moments", "official_account", "xiaohongshu", "dianping", "website"]


def _day(rng: random.Random, span: int = DAYS) -> date:
    return START + timedelta(days=rng.randrange(span))


def generate(seed: int) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    t: dict[str, list[dict]] = {}
    t["branches"] = [{"id": 1, "code": "HQ", "name": "HQ"}, {"id": 2, "code": "PD", "name": "PD"}]
    t["departments"] = [{"id": i, "code": f"d{i}", "name": f"d{i}"} for i in range(1, 5)]
    t["users"] = [{"id": i, "username": f"u{i}", "display_name": f"u{i}", "role": "advisor", "password_hash": "x",
                   "active": True, "failed_logins": 0, "daily_capacity": 40, "created_at": datetime(2026, 1, 1)}
                  for i in (1, 2, 3)]
    t["members"] = [{"id": i, "external_id": f"M{i}", "branch_id": rng.choice([1, 2]),
                     "private_domain": rng.random() < 0.4,
                     "private_domain_since": rng.choice([None, _day(rng, 150)]),
                     "joined_at": rng.choice([None, _day(rng, 150)]), "sms_consent": True, "wecom_consent": True}
                    for i in range(1, 61)]
    mids = [m["id"] for m in t["members"]]
    t["visits"] = [{"id": i, "external_id": f"V{i}", "member_id": rng.choice(mids), "department_id": rng.randint(1, 4),
                    "visit_date": _day(rng), "kind": "outpatient", "amount_cents": rng.randrange(0, 50000)}
                   for i in range(1, 301)]
    t["orders"] = [{"id": i, "external_id": f"O{i}", "member_id": rng.choice(mids), "ordered_at": _day(rng),
                    "amount_cents": rng.randrange(100, 90000), "status": rng.choice(["paid"] * 4 + ["refunded"]),
                    "channel": rng.choice(["wecom", "meituan", "walk_in"])} for i in range(1, 201)]
    t["leads"] = [{"id": i, "member_id": rng.choice(mids + [None]), "channel": rng.choice(["wecom", "meituan", "sms"]),
                   "product_category": rng.choice(["dental", "eye"]), "department_id": rng.choice([1, 2, None]),
                   "created_on": _day(rng)} for i in range(1, 101)]
    t["survey_templates"] = [{"id": 1, "code": "T", "name": "T", "active": True}]
    t["survey_sends"] = [{"id": i, "template_id": 1, "member_id": rng.choice(mids), "sent_on": _day(rng),
                          "channel": rng.choice(["wecom", "sms"]), "department_id": rng.choice([1, 2]),
                          "journey_id": None, "step_id": None, "advisor_id": rng.choice([1, 2, 3])}
                         for i in range(1, 101)]
    t["survey_responses"] = []
    for s in t["survey_sends"]:
        if rng.random() < 0.6:
            t["survey_responses"].append({
                "send_id": s["id"], "template_id": 1, "member_id": s["member_id"],
                "responded_on": s["sent_on"] + timedelta(days=rng.randrange(5)), "department_id": s["department_id"],
                "csat": rng.choice([None, 1, 2, 3, 4, 5, 5]), "nps": rng.choice([None, *range(11)]),
                "advisor_id": s["advisor_id"], "journey_id": None, "step_id": None, "text": None})
    t["contents"] = [{"id": i, "code": f"C{i}", "title": f"C{i}", "kind": "education",
                      "department_id": rng.choice([1, 2])} for i in range(1, 6)]
    t["content_views"] = []
    for i in range(1, 401):
        ch = rng.choice(CHANNELS)
        t["content_views"].append({"id": i, "content_id": rng.choice([1, 2, 3, 4, 5]), "channel": ch,
                                   "private_domain": ch in PRIVATE_CHANNELS, "viewed_on": _day(rng)})
    now = datetime(2026, 1, 1)
    t["journeys"] = [{"id": j, "code": f"J{j}", "name": f"J{j}", "status": "active", "anchor": "enrollment",
                      "holdout_pct": 10, "no_consent_action": "task", "version": 1, "created_at": now} for j in (1, 2)]
    t["journey_steps"] = [{"id": s, "journey_id": 1 + (s - 1) // 3, "position": s, "name": f"S{s}",
                           "kind": "service_reminder", "channel": rng.choice(["sms", "wecom", "moments"]),
                           "executor": "system", "version": 1, "offset_days": 0, "send_from_min": 540,
                           "send_to_min": 1200, "late_days": 3, "is_marketing": False, "runs_when_suppressed": False}
                          for s in range(1, 7)]
    t["enrollments"], t["touches"], t["tasks"] = [], [], []
    eid = tid = kid = 0
    for mid in mids:
        for j in (1, 2):
            if rng.random() < 0.5:
                continue
            eid += 1
            t["enrollments"].append({"id": eid, "journey_id": j, "member_id": mid, "enrolled_on": _day(rng, 60),
                                     "is_control": rng.random() < 0.3, "source": "manual"})
            for s in [x for x in t["journey_steps"] if x["journey_id"] == j]:
                for occ in range(rng.randrange(3)):
                    tid += 1
                    sched = _day(rng)
                    sent = datetime.combine(sched, datetime.min.time()) + timedelta(minutes=rng.randrange(-600, 1440))
                    delivered = sent + timedelta(minutes=5) if rng.random() < 0.8 else None
                    t["touches"].append({
                        "id": tid, "enrollment_id": eid, "journey_id": j, "step_id": s["id"], "step_lineage_id": s["id"],
                        "member_id": mid, "occurrence": occ, "channel": s["channel"], "scheduled_for": sched,
                        "status": "delivered" if delivered else "sent", "sent_at": sent, "delivered_at": delivered,
                        "opened_at": delivered if delivered and rng.random() < 0.5 else None,
                        "replied_at": delivered if delivered and rng.random() < 0.2 else None,
                        "opted_out_at": delivered if delivered and rng.random() < 0.05 else None})
        for _ in range(rng.randrange(3)):
            kid += 1
            status = rng.choice(["open", "done", "done", "cancelled"])
            due = _day(rng)
            done_at = (datetime.combine(due, datetime.min.time()) + timedelta(hours=rng.randrange(-60, 60))
                       if status == "done" else None)
            t["tasks"].append({"id": kid, "member_id": mid, "advisor_id": rng.choice([1, 2, 3]),
                               "journey_id": rng.choice([None, 1, 2]), "channel": rng.choice([None, "phone", "wecom"]),
                               "due_date": due, "status": status, "occurrence": kid, "source": "manual",
                               "outcome": rng.choice(["reached", "unreachable", "declined", "appointment", "purchased"])
                               if status == "done" else None, "completed_at": done_at, "created_at": now})
    return t


MODELS = [("branches", Branch), ("departments", Department), ("users", User), ("members", Member),
          ("visits", Visit), ("orders", Order), ("leads", Lead), ("survey_templates", SurveyTemplate),
          ("survey_sends", SurveySend), ("survey_responses", SurveyResponse), ("contents", Content),
          ("content_views", ContentView), ("journeys", Journey), ("journey_steps", JourneyStep),
          ("enrollments", Enrollment), ("touches", Touch), ("tasks", Task)]


@pytest.fixture
def generated(session):
    data = generate(7)
    for name, model in MODELS:
        if data[name]:
            session.execute(insert(model), data[name])
    session.commit()
    with session.begin():
        rollups.rebuild(session, START - timedelta(days=1), START + timedelta(days=DAYS))
    return {k: pd.DataFrame(v) for k, v in data.items()}


PERIODS = [KpiFilter(date(2026, 1, 1), date(2026, 4, 30)), KpiFilter(date(2026, 2, 3), date(2026, 3, 17)),
           KpiFilter(date(2026, 3, 1), date(2026, 3, 31), branch_id=2)]


def _in(series: pd.Series, f: KpiFilter) -> pd.Series:
    return series.between(f.date_from, f.date_to)


def _members(t: dict, f: KpiFilter) -> pd.DataFrame:
    m = t["members"]
    return m if f.branch_id is None else m[m.branch_id == f.branch_id]


def _private(m: pd.DataFrame, f: KpiFilter) -> pd.Series:
    since = m.private_domain_since
    return m.private_domain & (since.isna() | (since <= f.date_to))


def check_member_kpis(session, generated, f) -> None:  # noqa: ANN001
    t = generated
    m = _members(t, f)
    joined = m[m.joined_at.isna() | (m.joined_at <= f.date_to)]
    share = queries.private_domain_share(session, f)
    assert (share.all_members, share.private_members) == (len(joined), int(_private(joined, f).sum()))
    v, o = t["visits"], t["orders"]
    facts = pd.concat([v[_in(v.visit_date, f)][["member_id", "amount_cents"]],
                       o[_in(o.ordered_at, f) & (o.status == "paid")][["member_id", "amount_cents"]]])
    facts = facts.merge(m, left_on="member_id", right_on="id")
    assert share.all_spend_cents == facts.amount_cents.sum()
    assert share.private_spend_cents == facts[_private(facts, f)].amount_cents.sum()

    depts = v[_in(v.visit_date, f)].groupby("member_id").department_id.nunique().rename("n").reset_index()
    depts = depts.merge(m, left_on="member_id", right_on="id")
    md = queries.multi_department(session, f)
    assert (md.visitors_all, md.multi_all) == (len(depts), int((depts.n >= 2).sum()))
    priv = depts[_private(depts, f)]
    assert (md.visitors_private, md.multi_private) == (len(priv), int((priv.n >= 2).sum()))

    paid = o[_in(o.ordered_at, f) & (o.status == "paid") & o.member_id.isin(m.id)].groupby("member_id").size()
    rp = queries.repurchase(session, f)
    assert (rp.buyers, rp.repeat_buyers) == (len(paid), int((paid >= 2).sum()))


def check_lead_survey_and_exposure_kpis(session, generated, f) -> None:  # noqa: ANN001
    t = generated
    m = _members(t, f)
    leads = t["leads"][_in(t["leads"].created_on, f)]
    if f.branch_id is not None:
        leads = leads[leads.member_id.isin(m.id)]
    v = t["visits"]
    pairs = leads.merge(v, on="member_id", suffixes=("", "_v"))
    hit = pairs[(pairs.visit_date >= pairs.created_on) & (pairs.visit_date <= pairs.created_on + timedelta(days=30))]
    conv = queries_funnel.arrival_conversion(session, f)
    assert (conv.leads, conv.arrived) == (len(leads), hit.id.nunique())

    r = t["survey_responses"]
    r = r[_in(r.responded_on, f) & r.member_id.isin(m.id)]
    sat = queries_funnel.satisfaction(session, f)
    assert sat.csat == pytest.approx(r.csat.dropna().mean())
    nps = r.nps.dropna()
    assert sat.nps == pytest.approx(((nps >= 9).sum() - (nps <= 6).sum()) * 100 / len(nps))
    s = t["survey_sends"]
    s = s[_in(s.sent_on, f) & s.member_id.isin(m.id)]
    assert (sat.sends, sat.answered_sends) == (len(s), int(s.id.isin(t["survey_responses"].send_id).sum()))

    cv = t["content_views"][_in(t["content_views"].viewed_on, f)]
    per = cv.groupby(["content_id", "private_domain"]).size().unstack(fill_value=0)
    per = per[per.get(False, 0) > 0]
    for use_rollup in (False, True):
        e = queries_funnel.exposure(session, f, use_rollup=use_rollup)
        assert (e.private_views, e.baseline_views) == (per.get(True, pd.Series(dtype=int)).sum(), per[False].sum())


def _reach_facts(t: dict, f: KpiFilter) -> pd.DataFrame:
    tc = t["touches"].dropna(subset=["delivered_at"]).copy()
    tc["day"] = (tc.delivered_at + pd.Timedelta(hours=8)).dt.date
    tk = t["tasks"][(t["tasks"].status == "done") & t["tasks"].outcome.isin(REACHING_OUTCOMES)].copy()
    tk["day"] = (tk.completed_at + pd.Timedelta(hours=8)).dt.date
    tk["channel"] = tk.channel.fillna("phone")
    tk["journey_id"] = tk.journey_id.fillna(0).astype(int)
    facts = pd.concat([tc[["member_id", "channel", "journey_id", "day"]], tk[["member_id", "channel", "journey_id", "day"]]])
    facts = facts[_in(facts.day, f)]
    return facts[facts.member_id.isin(_members(t, f).id)]


def check_journey_kpis(session, generated, f) -> None:  # noqa: ANN001
    t = generated
    facts = _reach_facts(t, f)
    assert len(facts) > 10  # the generated data really exercises the definition
    for use_rollup in (False, True):
        r = qt.reach(session, f, use_rollup=use_rollup)
        assert (r.reached, r.touches) == (facts.member_id.nunique(), len(facts))
        by_channel = {x["channel"]: x["reached"] for x in qt.reach_by(session, f, "channel", use_rollup=use_rollup)}
        assert by_channel == facts.groupby("channel").member_id.nunique().to_dict()
        sms = qt.reach(session, KpiFilter(f.date_from, f.date_to, f.branch_id, channel="sms", journey_id=1),
                       use_rollup=use_rollup)
        assert sms.reached == facts[(facts.channel == "sms") & (facts.journey_id == 1)].member_id.nunique()

    tk = t["tasks"]
    tk = tk[_in(tk.due_date, f) & (tk.status != "cancelled") & tk.member_id.isin(_members(t, f).id)]
    done_day = (tk.completed_at + pd.Timedelta(hours=8)).dt.date
    on_time = (tk.status == "done") & (done_day <= tk.due_date)
    tc = qt.task_completion(session, f, AS_OF)
    assert (tc.due, tc.done_by_due) == (len(tk), int(on_time.sum()))
    assert tc.overdue == int(((tk.status == "open") & (tk.due_date < AS_OF)).sum())

    touches = t["touches"]
    touches = touches[(touches.journey_id == 1) & _in(touches.scheduled_for, f) & touches.member_id.isin(_members(t, f).id)]
    funnel = {r["step_id"]: r for r in qt.step_funnel(session, 1, f, 7)}
    o = t["orders"][t["orders"].status == "paid"]
    for step_id, group in touches.groupby("step_id"):
        row = funnel[step_id]
        assert (row["scheduled"], row["delivered"], row["opened"], row["opted_out"]) == (
            len(group), group.delivered_at.notna().sum(), group.opened_at.notna().sum(), group.opted_out_at.notna().sum())
        pairs = group[group.sent_at.notna()].merge(o, on="member_id")
        conv = pairs[(pairs.ordered_at >= pairs.scheduled_for) &
                     (pairs.ordered_at <= pairs.scheduled_for + timedelta(days=7))]
        assert row["converted"] == conv.id_x.nunique()

    e = t["enrollments"]
    e = e[(e.journey_id == 2) & _in(e.enrolled_on, f) & e.member_id.isin(_members(t, f).id)]
    pairs = e.merge(o, on="member_id")
    hits = pairs[(pairs.ordered_at >= pairs.enrolled_on) & (pairs.ordered_at <= pairs.enrolled_on + timedelta(days=30))]
    up = qt.journey_uplift(session, 2, f, 30)
    treated = e[~e.is_control]
    assert (up.treated, up.control) == (len(treated), len(e) - len(treated))
    if len(treated):
        assert up.conversion.treated == pytest.approx(hits[~hits.is_control].id_x.nunique() / len(treated))


def test_every_kpi_matches_pandas_for_several_periods_and_a_branch(session, generated):
    for f in PERIODS:
        check_member_kpis(session, generated, f)
        check_lead_survey_and_exposure_kpis(session, generated, f)
        check_journey_kpis(session, generated, f)
