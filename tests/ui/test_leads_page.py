"""AppTest of the leads page: record a lead for a member, book it, mark the arrival; advisors see their own."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Member, User
from db.models.kpis import Appointment, Lead
from tests.builders import make_member
from tests.ui.conftest import open_page, texts

PAGE = "pages/leads.py"


def press(at, label: str):  # noqa: ANN001, ANN201
    next(b for b in at.button if b.label == label).click().run()
    return at


def test_a_lead_is_recorded_booked_and_marked_arrived_on_the_page(ui_db, Session):
    with Session() as s:
        adv = s.scalar(select(User.id).where(User.username == "adv1"))
        member = make_member(s, advisor_id=adv, name="李雷")
        ext = s.scalar(select(Member.external_id).where(Member.id == member))
    at = open_page("lead1", PAGE)
    assert not at.exception, at.exception
    at.selectbox(key="leads_new_channel").set_value("meituan")
    at.selectbox(key="leads_new_category").set_value("dental")
    at.text_input(key="leads_new_member").input(ext)
    press(at, "登记线索")
    assert not at.exception, at.exception
    assert "线索已登记。" in texts(at)
    with Session() as s:
        lead_id = s.scalar(select(Lead.id))
    at.selectbox(key="leads_book_lead").set_value(lead_id)
    press(at, "预约")
    assert "已预约。" in texts(at)
    at.selectbox(key="leads_arrive_lead").set_value(lead_id)
    press(at, "标记到院")
    assert not at.exception, at.exception
    assert "已标记到院。" in texts(at)
    with Session() as s:
        assert s.execute(select(Lead.channel, Lead.product_category)).one() == ("meituan", "dental")
        assert s.scalar(select(Appointment.status)) == "arrived"


def test_an_unknown_member_id_is_refused_in_one_sentence(ui_db):
    at = open_page("adv1", PAGE)
    at.text_input(key="leads_new_member").input("NOBODY")
    press(at, "登记线索")
    assert "没有这个会员编号。" in [e.value for e in at.error]


def test_a_product_manager_has_no_leads_page(ui_db):
    from core.auth.pages import pages_for

    assert PAGE not in [p.path for p in pages_for("product_manager")]
    assert PAGE in [p.path for p in pages_for("advisor")]
