"""The foundation pages as users see them: home counts, profile masking, users admin, audit log."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from db.models import AuditLog, User, UserSession
from tests.builders import make_member, make_visit
from tests.ui.conftest import open_page, sign_in, texts


def _members(Session):
    with Session() as s:
        adv1 = s.scalar(select(User.id).where(User.username == "adv1"))
        own = make_member(s, "EXT-OWN", name="王小美", phone="+8613812345678", advisor_id=adv1)
        other = make_member(s, "EXT-OTHER", name="李大华", phone="+8613987654321")
        make_visit(s, own, date(2026, 3, 1), amount_cents=12_345)
    return own, other


def test_advisor_sees_own_member_phone_in_full(ui_db, Session):
    _members(Session)
    at = open_page("adv1", "pages/profile.py")
    at.text_input(key="profile_query").input("EXT-OWN").run()
    assert not at.exception
    shown = texts(at) + " ".join(str(df.value) for df in at.dataframe)
    assert "13812345678" in shown
    assert "¥123.45" in texts(at)
    assert "储值余额" in texts(at) and "暂无已保存报价" in texts(at)


def test_advisor_cannot_find_another_advisors_member(ui_db, Session):
    _members(Session)
    at = open_page("adv1", "pages/profile.py")
    at.text_input(key="profile_query").input("EXT-OTHER").run()
    assert "没有找到匹配的会员" in texts(at)


def test_lead_sees_masked_phone_on_profile(ui_db, Session):
    _members(Session)
    at = open_page("lead1", "pages/profile.py")
    at.text_input(key="profile_query").input("EXT-OWN").run()
    shown = texts(at) + " ".join(str(df.value) for df in at.dataframe)
    assert "138****5678" in shown
    assert "13812345678" not in shown


def test_admin_creates_a_user_and_the_change_is_audited(ui_db, Session):
    at = open_page("admin1", "pages/admin_users.py")
    at.text_input(key="users_new_username").input("newadv")
    at.text_input(key="users_new_display").input("新顾问")
    at.selectbox(key="users_new_role").select("advisor")
    at.text_input(key="users_new_password").input("Strong-Passw0rd")
    form_buttons = [b for b in at.button if b.label == "新建用户"]
    form_buttons[0].click().run()
    assert not at.exception
    with Session() as s:
        assert s.scalar(select(User.role).where(User.username == "newadv")) == "advisor"
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "create", AuditLog.entity == "user"))


def test_disabling_a_user_ends_their_open_session_at_once(ui_db, Session):
    victim = sign_in("adv2")
    assert "你好" in texts(victim)
    admin = open_page("admin1", "pages/admin_users.py")
    admin.selectbox(key="users_pick").select("adv2").run()
    admin.checkbox(key="users_edit_active").uncheck()
    [b for b in admin.button if b.label == "保存修改"][0].click().run()
    assert not admin.exception
    victim.run()
    assert "你好" not in texts(victim)
    with Session() as s:
        uid = s.scalar(select(User.id).where(User.username == "adv2"))
        assert s.scalar(select(UserSession.end_reason).where(UserSession.user_id == uid)) == "disabled"


def test_audit_page_lists_sign_ins_for_the_admin(ui_db):
    at = open_page("admin1", "pages/audit.py")
    assert not at.exception
    assert "login" in " ".join(str(df.value) for df in at.dataframe)


def test_signing_out_ends_the_session_and_shows_the_sign_in_form(ui_db, Session):
    at = open_page("sup1", "pages/home.py")
    assert "你好" in texts(at)
    at.button(key="app_logout").click().run()
    assert not at.exception
    assert "您已退出登录" in texts(at)
    at.run()
    assert "你好" not in texts(at)
    with Session() as s:
        uid = s.scalar(select(User.id).where(User.username == "sup1"))
        assert s.scalar(select(UserSession.end_reason).where(UserSession.user_id == uid)) == "logout"


def test_the_language_switch_shows_english_and_is_remembered(ui_db, Session):
    at = open_page("lead1", "pages/home.py")
    at.selectbox(key="app_lang").select("en").run()
    assert "Hello, lead1" in texts(at)
    with Session() as s:
        assert s.scalar(select(User.lang).where(User.username == "lead1")) == "en"


def test_admin_changes_the_touch_cap_and_a_bad_value_is_explained(ui_db, Session):
    from core.admin.settings import current_settings
    from core.auth.model import Actor

    at = open_page("admin1", "pages/admin_users.py")
    at.text_input(key="users_setting_journeys.cap_per_7_days").input("many")
    [b for b in at.button if b.label == "保存设置"][0].click().run()
    assert "请输入 0 到 50 之间的整数" in texts(at)
    at.text_input(key="users_setting_journeys.cap_per_7_days").input("4")
    [b for b in at.button if b.label == "保存设置"][0].click().run()
    assert "设置已保存" in texts(at)
    assert current_settings(Session(), Actor(1, "a", "a", "admin"))["journeys.cap_per_7_days"] == "4"


def test_an_advisor_pauses_marketing_for_own_member_from_the_profile(ui_db, Session):
    from db.models.journeys import MemberSuppression

    own, _ = _members(Session)
    at = open_page("adv1", "pages/profile.py")
    at.text_input(key="profile_query").input("EXT-OWN").run()
    at.selectbox(key="profile_pause_reason").select("pregnancy_loss")
    [b for b in at.button if b.label == "暂停该会员的所有营销步骤"][0].click().run()
    assert not at.exception
    assert "营销步骤已立即暂停" in texts(at)
    with Session() as s:
        assert s.scalar(select(MemberSuppression.reason).where(MemberSuppression.member_id == own)) == "pregnancy_loss"
