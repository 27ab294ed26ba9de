"""Product rules without a database: list prices, validation, lifecycle, form parsing."""

from __future__ import annotations

import pytest

from core.products.model import (
    Faq,
    ItemLine,
    ItemRow,
    ProductDraft,
    ProductError,
    cents_from_yuan,
    faq_text,
    items_text,
    parse_faq,
    parse_item_lines,
    price_of,
    transition,
    validate,
)

ITEMS = [ItemRow("A", "a", "dental", "exam", 10_000, 2), ItemRow("B", "b", "dental", "lab", 5_000, 1)]


def test_list_price_is_the_sum_of_items_or_the_set_price_with_its_saving():
    assert price_of("package", "sum", None, ITEMS).list_price_cents == 25_000
    set_price = price_of("package", "set", 19_900, ITEMS)
    assert (set_price.items_total_cents, set_price.list_price_cents, set_price.saving_cents) == (25_000, 19_900, 5_100)
    with pytest.raises(ProductError):
        price_of("package", "set", None, ITEMS)


@pytest.mark.parametrize(
    ("status", "action", "role", "comment", "result"),
    [
        ("draft", "submit", "product_manager", None, "in_review"),
        ("in_review", "approve", "lead", "ok", "published"),
        ("in_review", "reject", "lead", "no", "draft"),
        ("published", "retire", "lead", "old", "retired"),
        ("draft", "approve", "lead", "ok", "products.bad_transition"),
        ("in_review", "approve", "product_manager", "ok", "products.role_cannot"),
        ("in_review", "approve", "lead", "", "products.comment_needed"),
        ("published", "submit", "product_manager", None, "products.bad_transition"),
        ("draft", "submit", "advisor", None, "products.role_cannot"),
    ],
)
def test_lifecycle_transitions(status, action, role, comment, result):
    if result.startswith("products."):
        with pytest.raises(ProductError) as refused:
            transition(status, action, role, comment)
        assert refused.value.key == result
    else:
        assert transition(status, action, role, comment) == result


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"code": "bad code"}, "products.bad_code"),
        ({"name": " "}, "products.name_needed"),
        ({"department": "mars"}, "products.unknown_department"),
        ({"items": ()}, "products.items_needed"),
        ({"items": (ItemLine("A"), ItemLine("B"))}, "products.single_one_item"),
        ({"kind": "package", "items": (ItemLine("A"), ItemLine("A"))}, "products.duplicate_item"),
        ({"items": (ItemLine("A", 0),)}, "products.bad_quantity"),
        ({"price_mode": "set"}, "products.set_price_needed"),
        ({"life_stage": "teen"}, "products.unknown_life_stage"),
    ],
)
def test_validation_names_the_first_bad_field(changes, key):
    draft = ProductDraft(**{**dict(code="P-1", name="n", department="dental", category="exam",
                                   items=(ItemLine("A"),)), **changes})
    with pytest.raises(ProductError) as refused:
        validate(draft, {"A", "B"}, {"dental"})
    assert refused.value.key == key


def test_item_and_faq_text_round_trip():
    items = parse_item_lines("i-den-scale\nI-DEN-XRAY 2\nI-X x 3\n\n")
    assert items == (ItemLine("I-DEN-SCALE"), ItemLine("I-DEN-XRAY", 2), ItemLine("I-X", 3))
    assert parse_item_lines(items_text(items)) == items
    faq = parse_faq("疼吗？ ｜ 不疼\nHow long? | 30 min")
    assert faq == (Faq("疼吗？", "不疼"), Faq("How long?", "30 min"))
    assert parse_faq(faq_text(faq)) == faq
    with pytest.raises(ProductError):
        parse_faq("no separator")
    with pytest.raises(ProductError):
        parse_item_lines("A B C")


def test_yuan_typed_in_a_form_becomes_exact_cents():
    assert cents_from_yuan(199.9) == 19_990
    assert cents_from_yuan("0.005") == 1
    assert cents_from_yuan(None) is None
