"""The builder's draft tree turns into rules and back."""

from __future__ import annotations

from datetime import date

from core.segments.draft import (
    add_condition,
    add_group,
    find,
    from_rule,
    new_draft,
    remove,
    set_field,
    set_op,
    to_rule,
)
from core.segments.model import parse_rule

TODAY = date(2026, 6, 15)


def test_empty_draft_has_no_rule():
    assert to_rule(new_draft()) is None


def test_conditions_and_nested_groups_make_a_rule():
    draft = new_draft()
    first = add_condition(draft, 0, TODAY)
    group = add_group(draft, 0, "any", TODAY)
    inner = find(draft, group)["children"][0]
    set_field(inner, "age", TODAY)
    set_op(inner, "between", TODAY)
    find(draft, group)["negate"] = True
    assert to_rule(draft) == {"all": [{"field": "gender", "op": "=", "value": "F"},
                                      {"not": {"any": [{"field": "age", "op": "between", "value": [0, 10]}]}}]}
    parse_rule(to_rule(draft))
    remove(draft, first)
    assert list(to_rule(draft)["all"][0]) == ["not"]


def test_changing_the_field_resets_operator_and_value():
    draft = new_draft()
    node = find(draft, add_condition(draft, 0, TODAY))
    set_field(node, "visits.count", TODAY)
    node["within_days"] = 30
    set_field(node, "tag", TODAY)
    assert node == {"id": 1, "field": "tag", "op": "=", "value": "", "within_days": None}
    set_op(node, "in", TODAY)
    assert node["value"] == []


def test_number_lists_are_typed_as_text():
    draft = new_draft()
    node = find(draft, add_condition(draft, 0, TODAY))
    set_field(node, "rfm.r", TODAY)
    set_op(node, "in", TODAY)
    node["value"] = "4, 5"
    assert to_rule(draft) == {"all": [{"field": "rfm.r", "op": "in", "value": [4, 5]}]}


def test_saved_rules_load_back_into_the_same_rule():
    rule = {"any": [{"field": "tag", "op": "in", "value": ["VIP"]},
                    {"not": {"field": "rfm.f", "op": "not_in", "value": [1, 2]}},
                    {"not": {"all": [{"field": "visits.count", "op": ">=", "value": 2, "within_days": 30}]}}]}
    assert to_rule(from_rule(rule)) == {"any": [rule["any"][0], {"not": {"all": [rule["any"][1]["not"]]}},
                                                rule["any"][2]]}
    assert to_rule(from_rule({"field": "age", "op": ">", "value": 3})) == {
        "all": [{"field": "age", "op": ">", "value": 3}]}
