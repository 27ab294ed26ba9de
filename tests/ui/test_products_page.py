"""The products page: a product manager edits and submits, a lead approves, an advisor only reads."""

from __future__ import annotations

from core.products.model import ItemLine
from core.products.services import create_product, get_product, list_published
from tests.integration.test_products_lifecycle import PM, build_items, publish, scaling_draft
from tests.ui.conftest import open_page, texts

PAGE = "pages/products.py"


def _catalogue(Session) -> int:  # noqa: N803
    with Session() as s:
        build_items(s)
        publish(s, scaling_draft(code="DEN-CHECK", name="口腔检查", category="exam",
                                 items=(ItemLine("I-DEN-CHECK"),)))
        return create_product(s, PM, scaling_draft())


def test_product_manager_edits_a_draft_and_submits_it(ui_db, Session):
    pid = _catalogue(Session)
    at = open_page("pm1", PAGE)
    assert not at.exception
    at.selectbox(key="products_pick").set_value(pid).run()
    at.text_input(key=f"products_edit_{pid}_name").input("洁牙（含抛光）")
    at.text_area(key=f"products_edit_{pid}_script").input("洁牙后一周内避免浓茶咖啡。")
    at.button(key=f"FormSubmitter:products_edit_form_{pid}-保存").click().run()
    assert not at.exception
    assert "草稿已保存。" in texts(at)
    with Session() as s:
        detail = get_product(s, pid)
    assert (detail.draft.name, detail.draft.script, detail.lock_version) == (
        "洁牙（含抛光）", "洁牙后一周内避免浓茶咖啡。", 2)
    at.button(key=f"products_submit_{pid}").click().run()
    assert "已提交审批。" in texts(at)
    with Session() as s:
        assert get_product(s, pid).status == "in_review"


def test_lead_approves_with_a_comment(ui_db, Session):
    pid = _catalogue(Session)
    with Session() as s:
        from core.products.services import change_status

        change_status(s, PM, pid, "submit", lock_version=1)
    at = open_page("lead1", PAGE)
    at.selectbox(key="products_pick").set_value(pid).run()
    at.button(key=f"products_approve_{pid}").click().run()
    assert "审批、驳回或下架需要填写意见。" in texts(at)
    at.text_area(key=f"products_comment_{pid}").input("价格已核对，同意上架")
    at.button(key=f"products_approve_{pid}").click().run()
    assert not at.exception
    assert "已批准上架。" in texts(at)
    with Session() as s:
        assert {p.code for p in list_published(s)} == {"DEN-CHECK", "DEN-SCALING"}
        assert get_product(s, pid).review_comment == "价格已核对，同意上架"


def test_advisor_reads_published_products_but_cannot_edit(ui_db, Session):
    _catalogue(Session)
    at = open_page("adv1", PAGE)
    assert not at.exception
    assert [o for o in at.selectbox(key="products_pick").options if "DEN-SCALING" in o] == []
    assert not [b for b in at.button if b.key and ("submit" in b.key or "approve" in b.key)]
    assert not [f for f in at.text_input if f.key and f.key.startswith("products_edit")]
    assert "口腔检查" in texts(at)


def test_two_published_products_compare_side_by_side(ui_db, Session):
    pid = _catalogue(Session)
    with Session() as s:
        from core.products.services import change_status

        change_status(s, PM, pid, "submit", lock_version=1)
        from core.auth.model import Actor

        change_status(s, Actor(3, "lead1", "lead1", "lead"), pid, "approve", lock_version=2, comment="ok")
    at = open_page("sup1", PAGE)
    at.multiselect(key="products_compare").set_value(["DEN-CHECK", "DEN-SCALING"]).run()
    assert not at.exception
    assert {"口腔检查", "洁牙"} <= {m.value.removeprefix("#### ") for m in at.markdown}


def test_product_manager_adds_a_promotion_that_everyone_sees(ui_db, Session):
    _catalogue(Session)
    at = open_page("pm1", PAGE)
    k = "products_promo_new"
    at.text_input(key=f"{k}_code").input("DEN-SUMMER")
    at.text_input(key=f"{k}_name").input("暑期洁牙9折")
    at.selectbox(key=f"{k}_kind").set_value("percent_off")
    at.multiselect(key=f"{k}_products").set_value(["DEN-CHECK"])
    at.number_input(key=f"{k}_percent").set_value(10)
    at.button(key=f"FormSubmitter:{k}_form-保存").click().run()
    assert not at.exception
    assert "促销已保存。" in texts(at)
    reader = open_page("adv1", PAGE)
    assert not reader.exception
    table = reader.dataframe[-2].value
    assert "暑期洁牙9折" in set(table.iloc[:, 1])
    assert not [t for t in reader.text_input if t.key and t.key.startswith("products_promo")]


def test_second_save_of_the_same_draft_says_who_changed_it(ui_db, Session):
    pid = _catalogue(Session)
    first, second = open_page("pm1", PAGE), open_page("pm1", PAGE)
    for at in (first, second):
        at.selectbox(key="products_pick").set_value(pid).run()
    first.text_input(key=f"products_edit_{pid}_name").input("洁牙A")
    first.button(key=f"FormSubmitter:products_edit_form_{pid}-保存").click().run()
    second.text_input(key=f"products_edit_{pid}_name").input("洁牙B")
    second.button(key=f"FormSubmitter:products_edit_form_{pid}-保存").click().run()
    assert not second.exception
    assert "该记录已被 pm1 于" in texts(second) and "请重新加载后再保存" in texts(second)
    with Session() as s:
        assert get_product(s, pid).draft.name == "洁牙A"
    second.button(key=f"products_reload_{pid}").click().run()
    assert second.text_input(key=f"products_edit_{pid}_name").value == "洁牙A"
    second.text_input(key=f"products_edit_{pid}_name").input("洁牙B")
    second.button(key=f"FormSubmitter:products_edit_form_{pid}-保存").click().run()
    with Session() as s:
        assert get_product(s, pid).draft.name == "洁牙B"


def test_product_manager_adds_a_service_item(ui_db, Session):
    _catalogue(Session)
    at = open_page("pm1", PAGE)
    at.text_input(key="products_item_code").input("i-den-fluor")
    at.text_input(key="products_item_name").input("儿童涂氟")
    at.selectbox(key="products_item_department").set_value("dental")
    at.selectbox(key="products_item_category").set_value("treatment")
    at.number_input(key="products_item_price").set_value(128.0)
    at.button(key="FormSubmitter:products_item_form-保存项目").click().run()
    assert not at.exception
    assert "服务项目已保存。" in texts(at)
    with Session() as s:
        from core.products.services import list_items

        assert ("I-DEN-FLUOR", 12_800) in {(i.code, i.unit_price_cents) for i in list_items(s)}


def test_product_manager_designs_a_membership_and_a_stored_value_plan(ui_db, Session):
    _catalogue(Session)
    at = open_page("pm1", PAGE)
    k = "products_plan_new"
    at.text_input(key=f"{k}_code").input("DEN-VIP")
    at.text_input(key=f"{k}_name").input("口腔VIP卡")
    at.number_input(key=f"{k}_fee").set_value(680.0)
    at.text_input(key=f"{k}_b_code").input("denvip-check")
    at.text_input(key=f"{k}_b_name").input("每年免费检查4次")
    at.number_input(key=f"{k}_b_qty").set_value(4)
    at.multiselect(key=f"{k}_b_products").set_value(["DEN-CHECK"])
    at.button(key=f"FormSubmitter:{k}_form-保存").click().run()
    assert not at.exception
    assert "会籍方案已保存。" in texts(at)
    at.text_input(key="products_sv_code").input("SV-3000")
    at.text_input(key="products_sv_name").input("充3000送300")
    at.number_input(key="products_sv_pay").set_value(3000.0)
    at.number_input(key="products_sv_credit").set_value(3300.0)
    at.button(key="FormSubmitter:products_sv_form-保存").click().run()
    assert "储值方案已保存。" in texts(at)
    with Session() as s:
        from core.products.offers import list_plans, list_stored_value_plans

        [plan] = list_plans(s)
        [stored] = list_stored_value_plans(s)
    assert (plan.fee_cents, [(b.code, b.quantity, b.products) for b in plan.benefits]) == (
        68_000, [("DENVIP-CHECK", 4, ("DEN-CHECK",))])
    assert (stored.pay_cents, stored.credit_cents) == (300_000, 330_000)
