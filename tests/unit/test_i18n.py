"""Every user-facing string exists in Chinese and English; money and dates render as the brief says."""

import re
from datetime import date, datetime
from pathlib import Path

from core.i18n import CATALOGUE, fmt_date, money, t

ROOT = Path(__file__).resolve().parents[2]


def test_every_catalogue_entry_has_both_languages_and_the_same_placeholders():
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def test_every_key_used_by_pages_and_ui_is_in_the_catalogue():
    used = set()
    for folder in ("pages", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"""\btr\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8")))
    used |= {p for p in re.findall(r'"(nav\.[\w.]+)"', (ROOT / "core/auth/pages.py").read_text())}
    missing = sorted(k for k in used if k not in CATALOGUE)
    assert missing == []


def test_money_is_yuan_with_two_decimals_and_thousands():
    assert money(123_400) == "¥1,234.00"
    assert money(5) == "¥0.05"
    assert money(-250) == "-¥2.50"


def test_dates_render_as_iso():
    assert fmt_date(date(2026, 1, 2)) == "2026-01-02"
    assert fmt_date(datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04"


def test_chinese_is_the_default_language():
    assert t("nav.home") == "首页"
    assert t("nav.home", "en") == "Home"
