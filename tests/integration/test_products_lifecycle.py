"""Product lifecycle on both databases: drafts, review, immutable published versions, optimistic locking."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.auth.model import Actor, PermissionDenied
from core.products.model import Faq, ItemLine, ProductDraft, ProductError, StaleEdit
from core.products.offers import PromotionSpec, save_promotion
from core.products.services import (
    change_status,
    compare,
    create_product,
    get_product,
    list_products,
    list_published,
    new_version,
    save_draft,
    save_item,
)
from db.models import AuditLog
from tests.builders import make_department

PM = Actor(1, "pm1", "产品经理甲", "product_manager")
PM2 = Actor(2, "pm2", "产品经理乙", "product_manager")
LEAD = Actor(3, "lead1", "负责人", "lead")
ADVISOR = Actor(4, "adv1", "顾问", "advisor")


def build_items(session) -> None:
    """A few dental items, enough to build single products and a package."""
    make_department(session, "dental", "口腔科")
    make_department(session, "pediatrics", "儿科")
    for code, name, dept, cat, cents in [
        ("I-DEN-SCALE", "超声波洁牙", "dental", "treatment", 29_800),
        ("I-DEN-CHECK", "口腔全面检查", "dental", "exam", 19_800),
        ("I-DEN-XRAY", "全景片", "dental", "exam", 15_000),
        ("I-PED-CONSULT", "儿科专家门诊", "pediatrics", "consultation", 30_000),
    ]:
        save_item(session, PM, code=code, name=name, department=dept, category=cat, unit_price_cents=cents)


def scaling_draft(**changes) -> ProductDraft:
    base = dict(code="DEN-SCALING", name="洁牙", department="dental", category="treatment",
                items=(ItemLine("I-DEN-SCALE"),), script="您好，洁牙每年一到两次……",
                faq=(Faq("洁牙疼吗？", "一般不疼。"),), life_stage="adult")
    base.update(changes)
    return ProductDraft(**base)


def publish(session, draft: ProductDraft) -> int:
    pid = create_product(session, PM, draft)
    change_status(session, PM, pid, "submit", lock_version=1)
    change_status(session, LEAD, pid, "approve", lock_version=2, comment="同意上架")
    return pid


def test_draft_goes_through_review_to_published(session):
    build_items(session)
    pid = create_product(session, PM, scaling_draft())
    assert list_published(session) == []
    assert change_status(session, PM, pid, "submit", lock_version=1) == "in_review"
    assert change_status(session, LEAD, pid, "approve", lock_version=2, comment="价格合规") == "published"
    [summary] = list_published(session)
    assert (summary.code, summary.list_price_cents, summary.version) == ("DEN-SCALING", 29_800, 1)
    detail = get_product(session, pid)
    assert (detail.reviewed_by, detail.review_comment) == ("lead1", "价格合规")
    assert detail.draft.faq == (Faq("洁牙疼吗？", "一般不疼。"),)


def test_lead_rejection_sends_the_draft_back_with_the_comment(session):
    build_items(session)
    pid = create_product(session, PM, scaling_draft())
    change_status(session, PM, pid, "submit", lock_version=1)
    assert change_status(session, LEAD, pid, "reject", lock_version=2, comment="话术需补充禁忌") == "draft"
    assert get_product(session, pid).review_comment == "话术需补充禁忌"
    save_draft(session, PM, pid, scaling_draft(script="补充：孕期慎做"), lock_version=3)


def test_only_a_lead_approves_and_only_with_a_comment(session):
    build_items(session)
    pid = create_product(session, PM, scaling_draft())
    change_status(session, PM, pid, "submit", lock_version=1)
    with pytest.raises(ProductError) as refused:
        change_status(session, PM, pid, "approve", lock_version=2, comment="自己批")
    assert refused.value.key == "products.role_cannot"
    with pytest.raises(ProductError) as no_comment:
        change_status(session, LEAD, pid, "approve", lock_version=2, comment="  ")
    assert no_comment.value.key == "products.comment_needed"


def test_an_advisor_cannot_create_or_edit_products(session):
    build_items(session)
    with pytest.raises(PermissionDenied):
        create_product(session, ADVISOR, scaling_draft())
    pid = create_product(session, PM, scaling_draft())
    with pytest.raises(PermissionDenied):
        save_draft(session, ADVISOR, pid, scaling_draft(name="改名"), lock_version=1)


def test_published_version_is_immutable_and_an_edit_makes_a_new_draft_version(session):
    build_items(session)
    v1 = publish(session, scaling_draft())
    with pytest.raises(ProductError) as refused:
        save_draft(session, PM, v1, scaling_draft(name="改名"), lock_version=3)
    assert refused.value.key == "products.not_editable"
    v2 = new_version(session, PM, "DEN-SCALING")
    save_draft(session, PM, v2, scaling_draft(name="超声波洁牙（含抛光）"), lock_version=1)
    assert get_product(session, v1).draft.name == "洁牙"
    assert [p.version for p in list_published(session)] == [1]
    change_status(session, PM, v2, "submit", lock_version=2)
    change_status(session, LEAD, v2, "approve", lock_version=3, comment="新版上架")
    assert [(p.version, p.name) for p in list_published(session)] == [(2, "超声波洁牙（含抛光）")]
    assert get_product(session, v1).status == "retired"
    assert [(r.version, r.status) for r in list_products(session, LEAD)] == [(2, "published"), (1, "retired")]


def test_second_save_of_the_same_draft_is_refused_with_who_and_when(session):
    build_items(session)
    pid = create_product(session, PM, scaling_draft())
    read_by_first = read_by_second = get_product(session, pid).lock_version
    save_draft(session, PM, pid, scaling_draft(name="洁牙A"), lock_version=read_by_first)
    with pytest.raises(StaleEdit) as stale:
        save_draft(session, PM2, pid, scaling_draft(name="洁牙B"), lock_version=read_by_second)
    assert stale.value.changed_by == "pm1"
    assert stale.value.params["who"] == "pm1"
    assert get_product(session, pid).draft.name == "洁牙A"


def test_package_with_a_set_price_shows_its_saving(session):
    build_items(session)
    pid = create_product(session, PM, ProductDraft(
        code="DEN-CARE", name="洁牙+检查套餐", department="dental", category="package", kind="package",
        price_mode="set", set_price_cents=49_900,
        items=(ItemLine("I-DEN-SCALE"), ItemLine("I-DEN-CHECK"), ItemLine("I-DEN-XRAY", 2))))
    pricing = get_product(session, pid).pricing
    assert (pricing.items_total_cents, pricing.list_price_cents, pricing.saving_cents) == (79_600, 49_900, 29_700)


def test_every_change_is_in_the_audit_log(session):
    build_items(session)
    pid = create_product(session, PM, scaling_draft())
    save_draft(session, PM, pid, scaling_draft(name="洁牙A"), lock_version=1)
    change_status(session, PM, pid, "submit", lock_version=2)
    change_status(session, LEAD, pid, "approve", lock_version=3, comment="ok")
    actions = session.scalars(select(AuditLog.action).where(AuditLog.entity == "product")
                              .order_by(AuditLog.id)).all()
    session.rollback()
    assert actions == ["product.create", "product.update", "product.submit", "product.approve"]
    assert session.scalar(select(func.count()).select_from(AuditLog)
                          .where(AuditLog.entity == "service_item")) == 4


def test_comparison_shows_items_prices_and_benefits_side_by_side(session):
    build_items(session)
    publish(session, scaling_draft())
    publish(session, scaling_draft(code="DEN-CHECK", name="口腔检查", category="exam",
                                   items=(ItemLine("I-DEN-CHECK"),)))
    save_promotion(session, PM, PromotionSpec("MT-SCALE", "美团洁牙价", "channel_price", channels=("meituan",),
                                              products=("DEN-SCALING",), price_cents=19_900,
                                              starts=date(2026, 1, 1)))
    left, right = compare(session, ["DEN-SCALING", "DEN-CHECK"])
    assert left.benefits == ("美团洁牙价",) and right.benefits == ()
    assert [i.code for i in left.items] == ["I-DEN-SCALE"]
    with pytest.raises(ProductError):
        compare(session, ["DEN-SCALING"])


def test_a_draft_with_an_unknown_item_is_refused_by_name(session):
    build_items(session)
    with pytest.raises(ProductError) as refused:
        create_product(session, PM, scaling_draft(items=(ItemLine("NOPE"),)))
    assert (refused.value.key, refused.value.params) == ("products.unknown_item", {"item": "NOPE"})
