"""Member rules: ages, pregnancy weeks, phone normalisation and masking, PII visibility."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.auth.model import Actor
from core.members.model import (
    InvalidPhone,
    age_in_months,
    age_on,
    life_stage,
    mask_name,
    mask_phone,
    normalize_phone,
    pii_level,
    pregnancy_week,
    shown_phone,
)


@pytest.mark.parametrize(("birth", "as_of", "age"), [
    (date(1990, 5, 17), date(2026, 5, 16), 35),
    (date(1990, 5, 17), date(2026, 5, 17), 36),
    (date(2000, 2, 29), date(2026, 2, 28), 25),
    (date(2000, 2, 29), date(2026, 3, 1), 26),
])
def test_age_is_completed_years_on_the_as_of_date(birth, as_of, age):
    assert age_on(birth, as_of) == age


def test_child_age_in_completed_months():
    assert age_in_months(date(2025, 1, 31), date(2026, 1, 30)) == 11
    assert age_in_months(date(2025, 1, 31), date(2026, 1, 31)) == 12


@pytest.mark.parametrize(("edd", "delivered", "as_of", "week"), [
    (date(2026, 12, 31), None, date(2026, 12, 30), 39),   # 1 day before EDD: (280-1)//7
    (date(2027, 8, 30), None, date(2026, 11, 23), 0),     # 280 days ahead: week 0
    (date(2027, 3, 1), None, date(2026, 11, 23), 26),     # 98 days ahead: (280-98)//7
    (date(2027, 3, 2), None, date(2026, 11, 23), 25),     # 99 days ahead: 181//7
    (date(2026, 11, 23), None, date(2026, 11, 23), None),  # EDD not after as_of
    (date(2027, 1, 1), date(2026, 11, 20), date(2026, 11, 23), None),  # already delivered
])
def test_pregnancy_week_follows_the_brief_formula(edd, delivered, as_of, week):
    assert pregnancy_week(edd, delivered, as_of) == week


def test_life_stage_is_postpartum_for_a_year_after_delivery():
    assert life_stage(None, date(2026, 1, 1), date(2026, 12, 31)) == "postpartum"
    assert life_stage(None, date(2025, 1, 1), date(2026, 12, 31)) is None
    assert life_stage(date(2027, 1, 1), None, date(2026, 12, 1)) == "pregnant"


@pytest.mark.parametrize("raw", ["13812345678", "+8613812345678", "0086 138 1234 5678", "138-1234-5678",
                                 "8613812345678"])
def test_mainland_mobiles_are_stored_in_plus86_form(raw):
    assert normalize_phone(raw) == "+8613812345678"


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "021-12345678", "abc", "138123456789"])
def test_other_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_masking_keeps_only_prefix_and_last_four(digits):
    masked = mask_phone(normalize_phone(digits))
    assert masked == digits[:3] + "****" + digits[-4:]
    assert len(masked) == 11


def test_names_are_masked_to_the_family_name():
    assert mask_name("王小美") == "王**"
    assert mask_name("李") == "李*"


def _actor(role, uid=1):
    return Actor(uid, "u", "u", role)


@pytest.mark.parametrize(("role", "uid", "advisor", "level"), [
    ("admin", 1, None, "full"),
    ("advisor", 7, 7, "full"),
    ("advisor", 7, 8, "none"),
    ("lead", 1, 7, "partial"),
    ("supervisor", 1, 7, "partial"),
    ("product_manager", 1, 7, "none"),
])
def test_pii_level_by_role_and_ownership(role, uid, advisor, level):
    assert pii_level(_actor(role, uid), advisor) == level


def test_product_managers_see_no_phone_digits():
    assert shown_phone("+8613812345678", "none") == "***********"
    assert shown_phone("+8613812345678", "partial") == "138****5678"
    assert shown_phone("+8613812345678", "full") == "13812345678"
