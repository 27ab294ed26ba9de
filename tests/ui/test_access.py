"""Every page refuses anonymous visitors when it runs alone, and each role sees only its pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.auth.pages import PAGES
from tests.ui.conftest import ROLE_USERS, page_alone, sign_in, texts

ROOT = Path(__file__).resolve().parents[2]
EXISTING = [p for p in PAGES if (ROOT / p.path).exists()]


@pytest.mark.parametrize("spec", EXISTING, ids=lambda p: p.path)
def test_page_run_alone_without_sign_in_shows_only_a_refusal(ui_db, spec):
    at = page_alone(spec.path)
    assert not at.exception
    assert "请先登录" in texts(at)
    assert len(at.dataframe) == 0 and len(at.metric) == 0 and len(at.get("vega_lite_chart")) == 0


def test_signing_in_with_the_right_password_opens_the_home_page(ui_db):
    at = sign_in("lead1")
    assert not at.exception
    assert "你好，lead1" in texts(at)


def test_wrong_password_and_unknown_user_get_the_same_answer(ui_db):
    wrong = sign_in("lead1", "Not-the-passw0rd")
    unknown = sign_in("nobody", "Not-the-passw0rd")
    assert "用户名或密码不正确" in texts(wrong)
    assert texts(wrong).count("用户名或密码不正确") == texts(unknown).count("用户名或密码不正确")
    assert "你好" not in texts(wrong) and "你好" not in texts(unknown)


@pytest.mark.parametrize("username", sorted(ROLE_USERS))
def test_each_role_opens_its_pages_and_is_refused_the_others(ui_db, username):
    role = ROLE_USERS[username]
    at = sign_in(username)
    for spec in EXISTING:
        if role in spec.roles:
            at.switch_page(spec.path).run()
            assert not at.exception, (spec.path, at.exception)
            assert "无权访问" not in texts(at), spec.path
        else:
            # Navigation hides the page; if AppTest runs the file anyway, the page refuses by itself.
            try:
                at.switch_page(spec.path).run()
            except ValueError:
                continue
            assert "无权访问" in texts(at), spec.path
            assert len(at.dataframe) == 0 and len(at.get("vega_lite_chart")) == 0, spec.path
