"""Every member, order, visit, lead, survey and content KPI on a tiny hand-computed data set (exact values)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.kpis import queries, queries_funnel, rollups
from core.kpis.definitions import KpiFilter
from db.models.kpis import Appointment, Content, ContentView, Lead, SurveyResponse, SurveySend, SurveyTemplate
from tests.builders import make_branch, make_department, make_member, make_order, make_user, make_visit

MARCH = KpiFilter(date(2026, 3, 1), date(2026, 3, 31))


def build_tiny(session) -> dict:  # noqa: ANN001
    hq, pd = make_branch(session, "HQ"), make_branch(session, "PD", "浦东")
    m = {
        "A": make_member(session, private_domain=True, private_domain_since=date(2025, 1, 1), branch_id=hq),
        "B": make_member(session, private_domain=True, private_domain_since=date(2026, 4, 10), branch_id=hq),
        "C": make_member(session, branch_id=hq),
        "D": make_member(session, branch_id=hq, joined_at=date(2026, 5, 1)),
        "E": make_member(session, private_domain=True, branch_id=pd),
    }
    visits = [
        ("A", date(2026, 3, 2), "obstetrics", 10000), ("A", date(2026, 3, 10), "pediatrics", 5000),
        ("A", date(2026, 3, 20), "obstetrics", 2000), ("B", date(2026, 3, 5), "dental", 3000),
        ("C", date(2026, 3, 5), "dental", 1000), ("C", date(2026, 3, 6), "ophthalmology", 1000),
        ("C", date(2026, 4, 20), "ophthalmology", 800), ("E", date(2026, 2, 28), "pediatrics", 4000),
        ("E", date(2026, 3, 31), "pediatrics", 500),
    ]
    for who, day, dept, cents in visits:
        make_visit(session, m[who], day, department=dept, amount_cents=cents)
    orders = [
        ("A", date(2026, 3, 3), 20000, "paid"), ("A", date(2026, 3, 4), 99999, "refunded"),
        ("A", date(2026, 4, 1), 1000, "paid"), ("C", date(2026, 3, 15), 5000, "paid"),
        ("C", date(2026, 3, 16), 7000, "paid"), ("E", date(2026, 3, 1), 3000, "paid"),
        ("B", date(2026, 3, 9), 5000, "refunded"),
    ]
    for who, day, cents, status in orders:
        make_order(session, m[who], day, amount_cents=cents, status=status)
    dental = make_department(session, "dental")
    leads = [
        (m["A"], "wecom", "maternity", date(2026, 3, 1)), (m["B"], "meituan", "dental", date(2026, 3, 1)),
        (m["C"], "meituan", "dental", date(2026, 3, 20)), (None, "wecom", "maternity", date(2026, 3, 10)),
        (m["E"], "wecom", "pediatrics", date(2026, 2, 27)), (m["E"], "wecom", "pediatrics", date(2026, 3, 1)),
    ]
    lead_rows = [Lead(member_id=who, channel=ch, product_category=cat, created_on=day,
                      department_id=dental if cat == "dental" else None) for who, ch, cat, day in leads]
    session.add_all(lead_rows)
    session.flush()
    session.add(Appointment(lead_id=lead_rows[1].id, member_id=m["B"], created_on=date(2026, 3, 2),
                            scheduled_for=date(2026, 3, 5), status="arrived", arrived_on=date(2026, 3, 5)))
    tpl = SurveyTemplate(code="T", name="满意度", active=True)
    session.add(tpl)
    session.flush()
    sends = {k: SurveySend(template_id=tpl.id, member_id=m[who], sent_on=day, channel="wecom")
             for k, who, day in [("S1", "A", date(2026, 3, 2)), ("S2", "B", date(2026, 3, 5)),
                                 ("S3", "C", date(2026, 3, 6)), ("S4", "E", date(2026, 3, 31)),
                                 ("S5", "A", date(2026, 2, 27))]}
    session.add_all(sends.values())
    session.flush()
    for send, day, c, n, text in [("S1", date(2026, 3, 3), 5, 10, "很好"), ("S2", date(2026, 3, 6), 4, 9, None),
                                  ("S5", date(2026, 3, 1), 2, 3, "等太久"), ("S4", date(2026, 4, 2), 5, 9, None)]:
        s = sends[send]
        session.add(SurveyResponse(send_id=s.id, template_id=tpl.id, member_id=s.member_id, responded_on=day,
                                   csat=c, nps=n, text=text))
    contents = {code: Content(code=code, title=code, kind="education") for code in ("C1", "C2", "C3")}
    session.add_all(contents.values())
    session.flush()
    views = [("C1", "wecom", 3), ("C1", "moments", 2), ("C1", "official_account", 2), ("C1", "website", 1),
             ("C2", "sms", 1), ("C2", "xiaohongshu", 2), ("C3", "wecom", 4)]
    for code, channel, n in views:
        for i in range(n):
            session.add(ContentView(content_id=contents[code].id, channel=channel,
                                    private_domain=channel in ("wecom", "moments", "sms", "wecom_group"),
                                    viewed_on=date(2026, 3, 1 + i)))
    session.add(ContentView(content_id=contents["C1"].id, channel="website", private_domain=False,
                            viewed_on=date(2026, 2, 10)))
    session.commit()
    return {"members": m, "hq": hq, "pd": pd}


@pytest.fixture
def tiny(session):
    return build_tiny(session)


def rebuild_rollups(session) -> None:  # noqa: ANN001
    with session.begin():
        rollups.rebuild(session, date(2026, 1, 1), date(2026, 6, 30))


@pytest.fixture(params=[False, True], ids=["raw", "rollup"])
def use_rollup(request, session, tiny):
    if request.param:
        rebuild_rollups(session)
    return request.param


def test_private_domain_share_counts_members_flagged_by_the_period_end_and_their_spend(session, tiny, use_rollup):
    share = queries.private_domain_share(session, MARCH, use_rollup=use_rollup)
    assert (share.all_members, share.private_members) == (4, 2)
    assert (share.all_spend_cents, share.private_spend_cents) == (57500, 40500)
    assert share.member_share == 0.5
    assert share.spend_share == pytest.approx(40500 / 57500)


def test_private_domain_share_of_one_branch_counts_its_home_members_only(session, tiny, use_rollup):
    share = queries.private_domain_share(session, KpiFilter(MARCH.date_from, MARCH.date_to, branch_id=tiny["hq"]),
                                         use_rollup=use_rollup)
    assert (share.all_members, share.private_members) == (3, 1)
    assert (share.all_spend_cents, share.private_spend_cents) == (54000, 37000)


def test_multi_department_rate_private_and_all(session, tiny, use_rollup):
    md = queries.multi_department(session, MARCH, use_rollup=use_rollup)
    assert (md.visitors_all, md.multi_all, md.visitors_private, md.multi_private) == (4, 2, 2, 1)
    assert md.rate_all == 0.5 and md.rate_private == 0.5


def test_repurchase_rate_counts_paid_orders_only(session, tiny):
    rp = queries.repurchase(session, MARCH)
    assert (rp.buyers, rp.repeat_buyers) == (3, 1)
    assert rp.rate == pytest.approx(1 / 3)


def test_arrival_conversion_counts_visits_up_to_thirty_days_after_the_lead(session, tiny, use_rollup):
    conv = queries_funnel.arrival_conversion(session, MARCH, use_rollup=use_rollup)
    assert (conv.leads, conv.appointments, conv.arrived) == (5, 1, 3)
    assert conv.rate == pytest.approx(0.6)
    rows = {(r["channel"], r["product_category"]): (r["leads"], r["arrived"])
            for r in queries_funnel.arrival_conversion_by(session, MARCH, use_rollup=use_rollup)}
    assert rows == {("meituan", "dental"): (2, 1), ("wecom", "maternity"): (2, 1), ("wecom", "pediatrics"): (1, 1)}


def test_arrival_conversion_by_channel_filter(session, tiny, use_rollup):
    conv = queries_funnel.arrival_conversion(session, KpiFilter(MARCH.date_from, MARCH.date_to, channel="meituan"),
                                             use_rollup=use_rollup)
    assert (conv.leads, conv.arrived) == (2, 1)


def test_satisfaction_csat_nps_and_response_rate(session, tiny):
    sat = queries_funnel.satisfaction(session, MARCH)
    assert sat.csat == pytest.approx(11 / 3)
    assert (sat.promoters, sat.detractors, sat.nps_answers) == (2, 1, 3)
    assert sat.nps == pytest.approx(100 / 3)
    assert (sat.sends, sat.answered_sends) == (4, 3)
    assert sat.response_rate == 0.75
    texts = [v["text"] for v in queries_funnel.verbatims(session, MARCH)]
    assert texts == ["很好", "等太久"]


def test_exposure_uplift_uses_only_content_with_baseline_views(session, tiny):
    exp = queries_funnel.exposure(session, MARCH, use_rollup=False)
    assert (exp.private_views, exp.baseline_views) == (6, 5)
    assert exp.uplift_pct == pytest.approx(120.0)
    items = {r["code"]: (r["private_views"], r["baseline_views"])
             for r in queries_funnel.exposure_by_content(session, MARCH, use_rollup=False)}
    assert items == {"C1": (5, 3), "C2": (1, 2), "C3": (4, 0)}


def test_repurchase_by_category_counts_paid_orders_of_each_product_line(session, tiny):
    from sqlalchemy import update

    from db.models import Order
    from db.models.products import Product

    pm = make_user(session, "pm_cat", "product_manager")
    for code, dept in (("DEN-SCALING", "dental"), ("OB-VIP", "obstetrics")):
        session.add(Product(code=code, version=1, status="published", name=code, kind="single", department_code=dept,
                            category="treatment", price_mode="sum", items_total_cents=1, list_price_cents=1,
                            created_at=datetime(2026, 1, 1), created_by=pm,
                            updated_at=datetime(2026, 1, 1), updated_by=pm))
    m = tiny["members"]
    # C's two March orders are dental; A's March order obstetrics; E's order has no known product
    session.execute(update(Order).where(Order.member_id == m["C"]).values(product_code="DEN-SCALING"))
    session.execute(update(Order).where(Order.member_id == m["A"]).values(product_code="OB-VIP"))
    session.commit()
    rows = {r["category"]: (r["buyers"], r["repeat_buyers"]) for r in queries.repurchase_by_category(session, MARCH)}
    assert rows == {"dental": (1, 1), "obstetrics": (1, 0), "other": (1, 0)}


def test_repurchase_overall_and_by_category_in_one_pass_equals_the_separate_queries(session, tiny):
    rep, by_category = queries.repurchase_overall_and_by_category(session, MARCH)
    assert rep == queries.repurchase(session, MARCH)
    assert by_category == [{"category": "other", "buyers": 3, "repeat_buyers": 1, "repurchase_rate": 1 / 3}]
