"""The segment builder: conditions, live count, refusals, save, duplicate, archive, overlap, export."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from db.models import AuditLog
from db.models.segments import Segment
from tests.builders import make_member, make_tag
from tests.ui.conftest import open_page, texts

PAGE = "pages/segments.py"


def _members(Session):  # noqa: N803
    with Session() as s:
        for i in range(6):
            mid = make_member(s, gender="F" if i < 4 else "M", birth_date=date(1990 + i, 1, 1))
            if i % 2 == 0:
                make_tag(s, mid, "VIP")


def _count(at) -> str:
    return next(m.value for m in at.metric if m.label == "匹配会员")


def test_lead_builds_a_rule_and_sees_the_count_follow_each_edit(ui_db, Session):
    _members(Session)
    at = open_page("lead1", PAGE)
    assert not at.exception
    assert "添加第一个条件开始圈选" in texts(at)
    at.button(key="segments_add_0_0").click().run()
    assert _count(at) == "4"
    at.selectbox(key="segments_value_0_1_gender_=").set_value("M").run()
    assert _count(at) == "2"
    at.button(key="segments_add_0_0").click().run()
    at.selectbox(key="segments_field_0_2").set_value("tag").run()
    at.selectbox(key="segments_value_0_2_tag_=").set_value("VIP").run()
    assert _count(at) == "1"
    at.selectbox(key="segments_kind_0_0").set_value("any").run()
    assert _count(at) == "4"
    assert len(at.dataframe) >= 1
    assert not at.exception


def test_a_bad_value_is_refused_with_the_rule_path(ui_db, Session):
    _members(Session)
    at = open_page("lead1", PAGE)
    at.button(key="segments_add_0_0").click().run()
    at.selectbox(key="segments_field_0_1").set_value("rfm.r").run()
    at.selectbox(key="segments_op_0_1_rfm.r").set_value("in").run()
    at.text_input(key="segments_value_0_1_rfm.r_in").input("4, x").run()
    assert "all[0]: 'rfm.r' 需要一个整数" in texts(at)
    assert not at.exception


def test_nested_groups_can_be_negated(ui_db, Session):
    _members(Session)
    at = open_page("lead1", PAGE)
    at.button(key="segments_add_any_0_0").click().run()
    at.checkbox(key="segments_negate_0_1").check().run()
    assert _count(at) == "2"  # not (gender = F)


def test_save_duplicate_archive_and_export(ui_db, Session):
    _members(Session)
    at = open_page("lead1", PAGE)
    at.button(key="segments_add_0_0").click().run()
    at.text_input(key="segments_name_0").input("女性会员").run()
    at.button(key="segments_save_new").click().run()
    assert "已保存人群“女性会员”" in texts(at)
    at.button(key="segments_duplicate").click().run()
    with Session() as s:
        names = s.scalars(select(Segment.name).order_by(Segment.id)).all()
    assert names == ["女性会员", "女性会员 (2)"]
    at.button(key="segments_archive").click().run()
    with Session() as s:
        assert s.scalar(select(Segment.archived).where(Segment.id == 1)) is True
    at.button(key="segments_export_prepare").click().run()
    assert "已生成 CSV 文件" in texts(at)
    with Session() as s:
        assert s.scalar(select(AuditLog.action).where(AuditLog.action == "export")) == "export"
    assert not at.exception


def test_loading_a_saved_segment_and_comparing_overlap(ui_db, Session):
    from core.auth.model import Actor
    from core.segments.services import save_segment

    _members(Session)
    lead = Actor(2, "lead1", "lead1", "lead")
    with Session() as s:
        a = save_segment(s, lead, name="女性", description=None, rule={"field": "gender", "op": "=", "value": "F"})
        b = save_segment(s, lead, name="VIP", description=None, rule={"field": "tag", "op": "=", "value": "VIP"})
    at = open_page("lead1", PAGE)
    at.selectbox(key="segments_pick").set_value(b).run()
    at.button(key="segments_load").click().run()
    assert _count(at) == "3"
    assert at.text_input(key="segments_name_1").value == "VIP"
    at.multiselect(key="segments_overlap").set_value([a, b]).run()
    table = at.dataframe[-1].value
    assert dict(zip(table["区域"], table["人数"], strict=True)) == {"仅 女性": 2, "仅 VIP": 1, "女性 ∩ VIP": 2}
    assert not at.exception
