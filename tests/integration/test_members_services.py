"""Search and the 360° profile: indexed look-ups, spend as the brief defines it, PII per role."""

from __future__ import annotations

from datetime import date

import pytest

from core.auth.model import Actor, PermissionDenied
from core.members.services import headline_counts, member_profile, search_members
from tests.builders import (
    make_household,
    make_maternity,
    make_member,
    make_order,
    make_tag,
    make_user,
    make_visit,
)

AS_OF = date(2026, 11, 23)


@pytest.fixture
def family(session):
    adv = make_user(session, "adv", "advisor")
    mum = make_member(session, "F-1", name="王小美", phone="+8613812345678", advisor_id=adv, birth_date=date(1990, 6, 1))
    kid = make_member(session, "F-2", name="王宝宝", birth_date=date(2020, 9, 1), phone=None)
    make_household(session, "H-1", [(mum, "self", True), (kid, "child", False)])
    make_maternity(session, mum, edd=date(2027, 3, 1))
    make_tag(session, mum, "二胎家庭")
    make_visit(session, mum, date(2026, 5, 1), department="obstetrics", amount_cents=10_000)
    make_visit(session, mum, date(2026, 6, 1), department="dental", amount_cents=2_550)
    make_order(session, mum, date(2026, 6, 2), amount_cents=100_000, status="paid")
    make_order(session, mum, date(2026, 6, 3), amount_cents=70_000, status="refunded")
    return {"adv": Actor(adv, "adv", "adv", "advisor"), "mum": mum, "kid": kid}


def test_spend_counts_visits_and_paid_orders_but_not_refunds(session, family):
    p = member_profile(session, family["adv"], family["mum"], as_of=AS_OF)
    assert p.total_spend_cents == 10_000 + 2_550 + 100_000
    assert p.departments_visited == 2 and p.visit_count == 2 and p.order_count == 2
    assert p.pregnancy_week == 26 and p.life_stage == "pregnant"
    assert [h.role for h in p.household] == ["self", "child"] and p.household[0].key_person
    assert p.household[1].age == 6
    assert p.tags == ["二胎家庭"]
    assert p.phone == "13812345678" and p.birth_date == date(1990, 6, 1)


def test_lead_sees_masked_phone_and_no_birth_date(session, family):
    p = member_profile(session, Actor(99, "lead", "lead", "lead"), family["mum"], as_of=AS_OF)
    assert p.phone == "138****5678" and p.birth_date is None and p.age == 36


def test_an_advisor_cannot_open_another_advisors_member(session, family):
    other = Actor(family["adv"].user_id + 100, "adv2", "adv2", "advisor")
    with pytest.raises(PermissionDenied):
        member_profile(session, other, family["mum"], as_of=AS_OF)


@pytest.mark.parametrize("query", ["F-1", "5678", "13812345678", "王小"])
def test_members_are_found_by_id_phone_tail_phone_or_name(session, family, query):
    hits = search_members(session, Actor(1, "lead", "lead", "lead"), query)
    assert "F-1" in [h.external_id for h in hits]


def test_injection_text_in_search_is_just_a_name(session, family):
    assert search_members(session, Actor(1, "lead", "lead", "lead"), "'; DROP TABLE members; --") == []
    assert search_members(session, Actor(1, "lead", "lead", "lead"), "F-1")


def test_product_manager_search_shows_no_phone_digits(session, family):
    hit = search_members(session, Actor(1, "pm", "pm", "product_manager"), "F-1")[0]
    assert hit.phone == "***********" and hit.name == "王**"


def test_headline_counts(session, family):
    counts = headline_counts(session, family["adv"], as_of=AS_OF)
    assert counts.members == 2 and counts.pregnant_now == 1 and counts.my_members == 1
