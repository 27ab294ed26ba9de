"""The quote page: an advisor finds their member, picks products and channel, sees and saves the best price."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.pricing.services import member_quotes
from core.pricing.wallet import issue_coupon
from core.products.offers import PromotionSpec, save_promotion
from db.models import User
from tests.builders import make_member
from tests.integration.test_products_lifecycle import PM, build_items, publish, scaling_draft
from tests.ui.conftest import open_page, page_alone, texts

PAGE = "pages/quote.py"


def _setup(Session) -> int:  # noqa: N803
    with Session() as s:
        build_items(s)
        publish(s, scaling_draft())
        save_promotion(s, PM, PromotionSpec("MT-SCALE", "美团洁牙价", "channel_price", channels=("meituan",),
                                            products=("DEN-SCALING",), price_cents=12_800, exclusive=True))
        save_promotion(s, PM, PromotionSpec("CP-50", "满200减50券", "amount_off", is_coupon=True,
                                            amount_cents=5_000, threshold_cents=20_000))
        advisor = s.scalar(select(User.id).where(User.username == "adv1"))
        member = make_member(s, external_id="M-QUOTE-1", name="王芳", advisor_id=advisor)
        make_member(s, external_id="M-OTHER-1", name="李梅")
        from core.auth.model import Actor

        issue_coupon(s, Actor(advisor, "adv1", "adv1", "advisor"), member, "CP-50", date(2026, 1, 1))
        return member


def test_advisor_gets_the_best_price_with_its_explanation_and_saves_it(ui_db, Session):
    member = _setup(Session)
    at = open_page("adv1", PAGE)
    assert not at.exception
    at.text_input(key="quote_member_query").input("M-QUOTE-1").run()
    at.multiselect(key="quote_products").set_value(["DEN-SCALING"]).run()
    at.selectbox(key="quote_channel").set_value("meituan").run()
    at.button(key="quote_price").click().run()
    assert not at.exception
    shown = texts(at)
    assert "应付 ¥128.00" in shown and "共节省 ¥170.00" in shown
    at.button(key="quote_save").click().run()
    assert "已保存到会员档案" in texts(at)
    with Session() as s:
        from core.auth.model import SYSTEM

        [saved] = member_quotes(s, SYSTEM, member)
    assert saved.payable_cents == 12_800


def test_without_the_channel_the_held_coupon_is_used(ui_db, Session):
    _setup(Session)
    at = open_page("adv1", PAGE)
    at.text_input(key="quote_member_query").input("M-QUOTE-1").run()
    at.multiselect(key="quote_products").set_value(["DEN-SCALING"]).run()
    at.button(key="quote_price").click().run()
    assert "应付 ¥248.00" in texts(at)


def test_an_advisor_cannot_quote_another_advisors_member(ui_db, Session):
    _setup(Session)
    at = open_page("adv1", PAGE)
    at.text_input(key="quote_member_query").input("M-OTHER-1").run()
    assert not at.exception
    assert "没有找到会员" in texts(at)


def test_the_quote_page_alone_asks_for_a_sign_in(ui_db):
    at = page_alone(PAGE)
    assert not at.exception
    assert not [t for t in at.text_input if t.key == "quote_member_query"]
