"""Reach, frequency, task completion, step funnel and journey uplift on a tiny hand-computed data set,
from raw facts and from the daily rollups."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.kpis import queries_touches as qt
from core.kpis import rollups
from core.kpis.definitions import Z95, KpiFilter
from db.models.journeys import Enrollment, Journey, JourneyStep, Task, Touch
from db.models.kpis import KpiReachDay
from tests.builders import make_user
from tests.integration.test_kpis_tiny import MARCH, build_tiny

AS_OF = date(2026, 3, 20)


def build_journeys(session) -> dict:  # noqa: ANN001
    base = build_tiny(session)
    m = base["members"]
    adv = make_user(session, "adv_kpi", "advisor")
    now = datetime(2026, 1, 1)
    j1 = Journey(code="J1", name="产科", status="active", anchor="enrollment", holdout_pct=10, created_at=now)
    j2 = Journey(code="J2", name="眼科", status="active", anchor="enrollment", holdout_pct=0, created_at=now)
    session.add_all([j1, j2])
    session.flush()
    s1 = JourneyStep(journey_id=j1.id, position=1, name="孕早期提醒", kind="service_reminder", channel="sms",
                     executor="system")
    s2 = JourneyStep(journey_id=j1.id, position=2, name="月子推荐", kind="product_recommendation", channel="wecom",
                     executor="system")
    s3 = JourneyStep(journey_id=j2.id, position=1, name="复查提醒", kind="service_reminder", channel="sms",
                     executor="system")
    session.add_all([s1, s2, s3])
    session.flush()
    enr = {key: Enrollment(journey_id=j.id, member_id=m[who], enrolled_on=day, is_control=ctrl)
           for key, j, who, day, ctrl in [("A1", j1, "A", date(2026, 3, 1), False), ("B1", j1, "B", date(2026, 3, 1), True),
                                          ("C1", j1, "C", date(2026, 3, 5), False), ("A2", j2, "A", date(2026, 3, 1), False)]}
    session.add_all(enr.values())
    session.flush()

    def at(day: str, hhmm: str = "01:00") -> datetime:
        return datetime.fromisoformat(f"{day}T{hhmm}")

    touches = [
        # enrollment, step, occurrence, scheduled, sent, delivered, opened, replied, opted out
        ("A1", s1, 0, "2026-03-02", at("2026-03-02"), at("2026-03-02", "01:05"), at("2026-03-02", "02:00"),
         at("2026-03-02", "03:00"), None),
        ("A1", s2, 0, "2026-03-10", at("2026-03-10"), at("2026-03-10", "02:00"), at("2026-03-10", "05:00"), None,
         at("2026-03-10", "06:00")),
        ("C1", s1, 0, "2026-03-06", at("2026-03-05", "16:50"), at("2026-03-05", "17:00"), None, None, None),
        ("C1", s2, 0, "2026-03-31", at("2026-03-31", "15:00"), at("2026-03-31", "16:30"), None, None, None),
        ("A2", s3, 0, "2026-03-02", at("2026-03-02", "02:50"), at("2026-03-02", "03:00"), None, None, None),
        ("C1", s1, 1, "2026-02-27", None, None, None, None, None),
        ("A1", s1, 1, "2026-02-20", at("2026-02-20"), at("2026-02-20", "01:05"), None, None, None),
    ]
    for key, step, occ, sched, sent, dlv, opn, rep, opt in touches:
        e = enr[key]
        session.add(Touch(enrollment_id=e.id, journey_id=e.journey_id, step_id=step.id, step_lineage_id=step.id,
                          member_id=e.member_id, occurrence=occ, channel=step.channel,
                          scheduled_for=date.fromisoformat(sched),
                          status="delivered" if dlv else ("sent" if sent else "failed"), sent_at=sent,
                          delivered_at=dlv, opened_at=opn, replied_at=rep, opted_out_at=opt))
    tasks = [
        # member, journey, channel, due, status, outcome, completed (UTC)
        ("B", j1.id, "phone", "2026-03-05", "done", "reached", at("2026-03-04", "10:00")),
        ("C", None, None, "2026-03-10", "done", "unreachable", at("2026-03-12", "10:00")),
        ("A", j1.id, "phone", "2026-03-15", "open", None, None),
        ("C", None, "phone", "2026-03-20", "cancelled", None, None),
        ("A", None, "phone", "2026-04-02", "open", None, None),
        ("C", j1.id, "wecom", "2026-03-25", "done", "appointment", at("2026-03-25", "15:59")),
    ]
    for who, jid, ch, due, status, outcome, done_at in tasks:
        session.add(Task(member_id=m[who], advisor_id=adv, journey_id=jid, channel=ch, due_date=date.fromisoformat(due),
                         status=status, outcome=outcome, completed_at=done_at, created_at=now))
    session.commit()
    return {**base, "j1": j1.id, "j2": j2.id, "s1": s1.id, "s2": s2.id, "adv": adv}


@pytest.fixture
def data(session):
    return build_journeys(session)


def refresh_all(session, first: date = date(2026, 2, 15), last: date = date(2026, 4, 5)) -> None:  # noqa: ANN001
    with session.begin():
        day = first
        while day <= last:
            rollups.refresh_day(session, day)
            day += timedelta(days=1)


@pytest.mark.parametrize("use_rollup", [False, True])
def test_reach_and_frequency_count_delivered_touches_and_reaching_tasks(session, data, use_rollup):
    if use_rollup:
        refresh_all(session)
    r = qt.reach(session, MARCH, use_rollup=use_rollup)
    assert (r.reached, r.touches) == (3, 6)
    assert r.frequency == 2
    by_channel = {x["channel"]: (x["reached"], x["touches"]) for x in qt.reach_by(session, MARCH, "channel",
                                                                                  use_rollup=use_rollup)}
    assert by_channel == {"sms": (2, 3), "wecom": (2, 2), "phone": (1, 1)}
    by_journey = {x["journey_id"]: (x["reached"], x["touches"])
                  for x in qt.reach_by(session, MARCH, "journey_id", use_rollup=use_rollup)}
    assert by_journey == {data["j1"]: (3, 5), data["j2"]: (1, 1)}
    both = KpiFilter(MARCH.date_from, MARCH.date_to, channel="sms", journey_id=data["j1"])
    assert qt.reach(session, both, use_rollup=use_rollup).reached == 2
    dist = {x["bucket"]: x["members"] for x in qt.frequency_distribution(session, MARCH, use_rollup=use_rollup)}
    assert dist == {"1": 1, "2": 1, "3": 1, "4-5": 0, "6-10": 0, "11+": 0}


def test_rollup_equals_raw_for_every_period_and_cut(session, data):
    refresh_all(session)
    days = [date(2026, 2, 15) + timedelta(days=i) for i in range(0, 50, 5)]
    cuts = [{}, {"channel": "sms"}, {"journey_id": data["j1"]}, {"channel": "wecom", "journey_id": data["j1"]}]
    for i, first in enumerate(days):
        for last in days[i:]:
            for cut in cuts:
                f = KpiFilter(first, last, **cut)
                assert qt.reach(session, f) == qt.reach(session, f, use_rollup=False), (f,)
                for by in ("day", "week", "month", "channel"):
                    assert qt.reach_by(session, f, by) == qt.reach_by(session, f, by, use_rollup=False), (f, by)


def test_refreshing_an_old_day_again_keeps_rollup_equal_to_raw(session, data):
    refresh_all(session)
    session.execute(Touch.__table__.update().where(Touch.scheduled_for == date(2026, 3, 6))
                    .values(delivered_at=None, status="failed"))
    session.commit()
    refresh_all(session, date(2026, 3, 6), date(2026, 3, 6))
    for first, last in [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 3, 7), date(2026, 3, 31)),
                        (date(2026, 3, 6), date(2026, 3, 25))]:
        f = KpiFilter(first, last)
        assert qt.reach(session, f) == qt.reach(session, f, use_rollup=False)
        assert qt.reach_by(session, f, "week") == qt.reach_by(session, f, "week", use_rollup=False)


@pytest.fixture(params=[False, True], ids=["raw", "rollup"])
def rolled(request, session, data):
    """Whether the test reads the rollups (refreshed first) or the raw facts."""
    if request.param:
        refresh_all(session)
    return request.param


def test_task_completion_counts_done_by_due_date_over_tasks_due(session, data, rolled):
    tc = qt.task_completion(session, MARCH, AS_OF, use_rollup=rolled)
    assert (tc.due, tc.done_by_due, tc.done_late, tc.overdue) == (4, 2, 1, 1)
    assert tc.rate == 0.5
    (row,) = qt.task_completion_by_advisor(session, MARCH, AS_OF, use_rollup=rolled)
    assert row["advisor_id"] == data["adv"] and row["completion_rate"] == 0.5


def test_step_funnel_per_step(session, data, rolled):
    rows = {r["step_id"]: r for r in qt.step_funnel(session, data["j1"], MARCH, window_days=7, use_rollup=rolled)}
    s1, s2 = rows[data["s1"]], rows[data["s2"]]
    assert [s1[k] for k in ("scheduled", "sent", "delivered", "opened", "replied", "converted", "opted_out")] == \
        [2, 2, 2, 1, 1, 1, 0]
    assert [s2[k] for k in ("scheduled", "sent", "delivered", "opened", "replied", "converted", "opted_out")] == \
        [2, 2, 2, 1, 0, 0, 1]


def test_journey_uplift_treated_vs_control_with_confidence_interval(session, data):
    up = qt.journey_uplift(session, data["j1"], MARCH, window_days=30)
    assert (up.treated, up.control) == (2, 1)
    assert (up.conversion.treated, up.conversion.control, up.conversion.difference) == (1.0, 0.0, 1.0)
    assert (up.arrival.treated, up.arrival.control) == (1.0, 1.0)
    assert up.spend_cents.difference == pytest.approx(22500)
    assert up.spend_cents.ci_low == pytest.approx(22500 - Z95 * 11500)
    assert up.spend_cents.ci_high == pytest.approx(22500 + Z95 * 11500)


def test_one_pass_rebuild_gives_the_same_rows_as_day_by_day_refresh(session, data):
    refresh_all(session)
    t = KpiReachDay.__table__
    by_day = sorted(session.execute(select(t)).all())
    session.commit()
    with session.begin():
        rollups.rebuild(session, date(2026, 2, 15), date(2026, 4, 5))
    assert sorted(session.execute(select(t)).all()) == by_day
    session.commit()
    with session.begin():
        rollups.rebuild(session, date(2026, 3, 10), date(2026, 4, 5))
    assert sorted(session.execute(select(t)).all()) == by_day
    assert by_day


def test_key_person_reach_and_rfm_distribution(session, data):
    from db.models.segments import MemberRfm
    from tests.builders import make_household

    m = data["members"]
    make_household(session, "H1", [(m["A"], "self", True), (m["D"], "child", False)])
    make_household(session, "H2", [(m["E"], "self", True)])
    for who, cell in (("A", "champions"), ("C", "lost"), ("E", "champions")):
        session.add(MemberRfm(member_id=m[who], recency_days=1, frequency=1, monetary_cents=1, r=5, f=5, m=5,
                              segment=cell, computed_on=date(2026, 3, 31)))
    session.commit()
    refresh_all(session)
    from core.kpis import queries

    assert queries.key_person_reach(session, MARCH) == {"households": 2, "reached": 1, "rate": 0.5}
    rows = {(r["rfm_segment"], r["group"]): r["members"] for r in queries.rfm_distribution(session, MARCH)}
    assert rows == {("champions", "private"): 2, ("lost", "other"): 1}


def test_segment_filter_restricts_every_kpi_to_its_members(session, data):
    import json

    from core.auth.model import SYSTEM
    from core.kpis import services
    from db.models.segments import Segment

    now = datetime(2026, 3, 1)
    seg = Segment(name="私域", rule=json.dumps({"field": "private_domain", "op": "=", "value": True}),
                  created_by="t", created_at=now, updated_at=now)
    session.add(seg)
    session.commit()
    refresh_all(session)
    f = KpiFilter(MARCH.date_from, MARCH.date_to, segment_id=seg.id)
    values = services.headline(session, SYSTEM, f, AS_OF)
    assert values["reach"] == 2  # A, B and E are flagged private; C is not (E was not reached)
    # B joined the private domain only in April: 2 of the segment's 3 members are private at the period end
    assert values["private_domain_member_share"] == pytest.approx(2 / 3)


def test_a_click_on_a_touch_content_link_counts_as_a_private_domain_view(session, data):
    from core.kpis import queries_funnel
    from db.models.kpis import Content, ContentView

    c2 = session.scalar(select(Content.id).where(Content.code == "C2"))
    session.execute(Touch.__table__.update().where(Touch.scheduled_for == date(2026, 3, 10))
                    .values(content_id=c2, clicked_at=datetime(2026, 3, 10, 8, 0)))
    session.commit()
    refresh_all(session)
    refresh_all(session, date(2026, 3, 10), date(2026, 3, 10))  # refreshing again does not count it twice
    items = {r["code"]: (r["private_views"], r["baseline_views"]) for r in queries_funnel.exposure_by_content(session, MARCH)}
    assert items["C2"] == (2, 2)
    assert session.scalar(select(func.count()).select_from(ContentView).where(ContentView.touch_id.is_not(None))) == 1
