"""Leads recorded by channel and product category, matched to members, booked and marked as arrived."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.auth.model import Actor
from core.kpis import leads, queries_funnel
from core.kpis.definitions import KpiFilter
from core.kpis.leads import LeadError
from db.models import AuditLog, Member
from tests.builders import make_member, make_user

DAY = date(2026, 3, 10)


def actor(session, username: str, role: str) -> Actor:  # noqa: ANN001
    return Actor(user_id=make_user(session, username, role), username=username, display_name=username, role=role)


@pytest.fixture
def people(session):
    adv, other = actor(session, "adv_l", "advisor"), actor(session, "adv_m", "advisor")
    mine = make_member(session, advisor_id=adv.user_id, name="李雷")
    theirs = make_member(session, advisor_id=other.user_id)
    session.commit()
    ext = {m: session.scalar(select(Member.external_id).where(Member.id == m)) for m in (mine, theirs)}
    return {"lead": actor(session, "lead_l", "lead"), "adv": adv, "other": other, "mine": ext[mine],
            "theirs": ext[theirs]}


def test_a_lead_is_recorded_booked_and_marked_arrived_and_counts_in_the_kpis(session, people):
    lead = people["lead"]
    lid = leads.record_lead(session, lead, channel="meituan", product_category="dental", created_on=DAY,
                            member_external_id=people["mine"], note="洁牙咨询")
    leads.record_lead(session, lead, channel="wecom", product_category="maternity", created_on=DAY)
    aid = leads.book_appointment(session, lead, lid, scheduled_for=date(2026, 3, 12), booked_on=DAY)
    leads.mark_arrival(session, lead, aid, arrived_on=date(2026, 3, 12))
    rows = leads.list_leads(session, lead, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    assert len(rows) == 2
    row = next(r for r in rows if r.id == lid)
    assert (row.channel, row.product_category, row.status, row.appointment_arrived_on, row.note) == (
        "meituan", "dental", "arrived", date(2026, 3, 12), "洁牙咨询")
    assert row.member.endswith("李*")
    assert [r.id for r in leads.list_leads(session, lead, date_from=DAY, date_to=DAY, category="dental")] == [lid]
    conv = queries_funnel.arrival_conversion(session, KpiFilter(date(2026, 3, 1), date(2026, 3, 31)), use_rollup=False)
    assert (conv.leads, conv.appointments) == (2, 1)
    assert session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity.in_(("lead", "appointment")))) == 4


def test_advisors_see_and_work_their_members_leads_and_unmatched_ones_only(session, people):
    lead, adv = people["lead"], people["adv"]
    own = leads.record_lead(session, lead, channel="phone", product_category="dental", created_on=DAY,
                            member_external_id=people["mine"])
    theirs = leads.record_lead(session, lead, channel="phone", product_category="dental", created_on=DAY,
                               member_external_id=people["theirs"])
    loose = leads.record_lead(session, adv, channel="walk_in", product_category="health_check", created_on=DAY)
    seen = {r.id for r in leads.list_leads(session, adv, date_from=DAY, date_to=DAY)}
    assert seen == {own, loose}
    with pytest.raises(LeadError) as err:
        leads.book_appointment(session, adv, theirs, scheduled_for=DAY, booked_on=DAY)
    assert err.value.args[0] == "leads.error.not_yours"
    with pytest.raises(LeadError) as err:
        leads.book_appointment(session, adv, loose, scheduled_for=DAY, booked_on=DAY)
    assert err.value.args[0] == "leads.error.no_member"


@pytest.mark.parametrize(("fields", "key"), [
    ({"channel": "fax"}, "leads.error.channel"),
    ({"product_category": "cars"}, "leads.error.category"),
    ({"member_external_id": "NOBODY"}, "leads.error.member"),
])
def test_bad_leads_are_refused(session, people, fields, key):
    values = {"channel": "phone", "product_category": "dental", "created_on": DAY, **fields}
    with pytest.raises(LeadError) as err:
        leads.record_lead(session, people["lead"], **values)
    assert err.value.args[0] == key


def test_an_arrival_is_marked_once_and_appointments_cannot_be_in_the_past(session, people):
    lead = people["lead"]
    lid = leads.record_lead(session, lead, channel="phone", product_category="dental", created_on=DAY,
                            member_external_id=people["mine"])
    with pytest.raises(LeadError):
        leads.book_appointment(session, lead, lid, scheduled_for=date(2026, 3, 1), booked_on=DAY)
    aid = leads.book_appointment(session, lead, lid, scheduled_for=DAY, booked_on=DAY)
    leads.mark_arrival(session, lead, aid, arrived_on=DAY)
    with pytest.raises(LeadError) as err:
        leads.mark_arrival(session, lead, aid, arrived_on=DAY)
    assert err.value.args[0] == "leads.error.not_booked"
