"""Rule parsing: refusals name the rule's path; date cut points agree with the age arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.members.model import age_in_months, age_on
from core.segments.model import Condition, Group, Not, RuleError, month_cut, parse_rule, to_dict, year_cut


@pytest.mark.parametrize(("rule", "message"), [
    ({"all": [{"field": "gender", "op": "=", "value": "F"}, {"field": "age", "op": ">", "value": 1},
              {"any": [{"field": "age", "op": "=", "value": "x"}]}]},
     "all[2].any[0]: 'age' needs a number"),
    ({"field": "shoe_size", "op": "=", "value": 38}, "unknown field 'shoe_size'"),
    ({"any": [{"field": "city", "op": ">", "value": "上海"}]}, "any[0]: 'city' does not take the operator '>'"),
    ({"field": "age", "op": "like", "value": 3}, "unknown operator 'like'"),
    ({"not": {"field": "age", "op": "between", "value": [40, 30]}}, "not: 'age' needs [low, high] with low ≤ high"),
    ({"field": "tag", "op": "in", "value": []}, "'tag' with 'in' needs a list of 1 to 1000 values"),
    ({"field": "age", "op": "is_empty", "value": 3}, "'is_empty' takes no value"),
    ({"field": "age", "op": ">=", "value": 30, "within_days": 10}, "'age' does not take within_days"),
    ({"field": "visits.count", "op": ">=", "value": 1, "within_days": -1},
     "within_days needs a whole number of days from 0 to 36500"),
    ({"field": "spend.total", "op": ">=", "value": 1.234}, "'spend.total' needs an amount in yuan with at most 2 decimals"),
    ({"field": "joined_at", "op": ">=", "value": "2026-13-01"}, "'joined_at' needs a date YYYY-MM-DD"),
    ({"field": "private_domain", "op": "=", "value": "yes"}, "'private_domain' needs true or false"),
    ({"field": "gender", "op": "=", "value": "X"}, "'gender' needs one of F, M"),
    ({"field": "age", "op": "=", "value": True}, "'age' needs a number"),
    ({"all": []}, "'all' needs a non-empty list of rules"),
    ({"all": [{"field": "age", "op": "=", "value": 3}], "any": []},
     "needs a rule object with 'all', 'any', 'not' or 'field'"),
    ({"field": "age", "op": "=", "value": 3, "sql": "1=1"}, "unexpected key 'sql'"),
    ({"field": "age", "op": "=", "value": 3, "as_of": "yesterday"}, "as_of needs a date YYYY-MM-DD"),
    ([1, 2], "needs a rule object with 'all', 'any', 'not' or 'field'"),
])
def test_refusals_name_the_path_and_the_problem(rule, message):
    with pytest.raises(RuleError) as caught:
        parse_rule(rule)
    assert str(caught.value) == message


def test_refusal_reads_in_chinese_too():
    with pytest.raises(RuleError) as caught:
        parse_rule({"all": [{"field": "age", "op": "=", "value": "x"}]})
    assert caught.value.text("zh_CN") == "all[0]: 'age' 需要一个整数"


def test_parsed_rule_normalizes_values_and_round_trips():
    rule = {"all": [{"field": "spend.total", "op": "between", "value": [99.5, 1000], "within_days": 30},
                    {"not": {"field": "joined_at", "op": "<", "value": "2026-01-01"}},
                    {"field": "tag", "op": "in", "value": ["VIP", "VIP", "孕期焦虑"]}]}
    parsed = parse_rule(rule)
    assert isinstance(parsed, Group) and isinstance(parsed.children[1], Not)
    spend = parsed.children[0]
    assert isinstance(spend, Condition) and spend.value == (9950, 100000) and spend.path == "all[0]"
    assert parsed.children[1].child.value == date(2026, 1, 1)
    assert parsed.children[2].value == ("VIP", "孕期焦虑")
    assert to_dict(parsed)["all"][0] == {"field": "spend.total", "op": "between", "value": [99.5, 1000],
                                          "within_days": 30}
    assert parse_rule(to_dict(parsed)) == parsed


def test_injection_text_is_just_a_value():
    parsed = parse_rule({"field": "city", "op": "=", "value": "'; DROP TABLE members; --"})
    assert parsed.value == "'; DROP TABLE members; --"


days = st.dates(min_value=date(1950, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=50, deadline=None)
@given(as_of=days, years=st.integers(-3, 90), shift=st.integers(-3, 3))
def test_year_cut_is_the_last_birth_date_of_that_age(as_of, years, shift):
    cut = year_cut(as_of, years)
    born = cut + timedelta(days=shift)
    assert (age_on(born, as_of) >= years) == (born <= cut)


@settings(max_examples=50, deadline=None)
@given(as_of=days, months=st.integers(-30, 600), shift=st.integers(-3, 3))
def test_month_cut_is_the_last_birth_date_of_that_age_in_months(as_of, months, shift):
    cut = month_cut(as_of, months)
    born = cut + timedelta(days=shift)
    assert (age_in_months(born, as_of) >= months) == (born <= cut)


def test_cut_points_on_leap_days():
    assert year_cut(date(2027, 2, 28), 1) == date(2026, 2, 28)
    assert year_cut(date(2028, 2, 29), 1) == date(2027, 2, 28)
    assert age_on(date(2000, 2, 29), date(2027, 2, 28)) == 26
    assert year_cut(date(2027, 2, 28), 27) == date(2000, 2, 28)
