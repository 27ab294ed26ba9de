"""The translation catalogue: every user-facing string, zh_CN (default) and en.

Each context keeps its strings in `core/i18n/catalog/<context>.py` as
`MESSAGES = {"key": ("中文", "English"), ...}`; all modules there are merged here.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from core.i18n import catalog as _catalog_pkg

LANGS = ("zh_CN", "en")
DEFAULT_LANG = "zh_CN"


def _load() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(_catalog_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{_catalog_pkg.__name__}.{info.name}")
        for key, texts in module.MESSAGES.items():
            if key in merged and merged[key] != texts:
                raise ValueError(f"translation key {key!r} is defined twice with different texts")
            merged[key] = texts
    return merged


CATALOGUE: dict[str, tuple[str, str]] = _load()


class MissingTranslation(KeyError):
    """A string was asked for that the catalogue does not have."""


def t(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled from params."""
    try:
        zh, en = CATALOGUE[key]
    except KeyError:
        raise MissingTranslation(key) from None
    text = en if lang == "en" else zh
    return text.format(**params) if params else text


def has(key: str) -> bool:
    """True when the catalogue holds `key`."""
    return key in CATALOGUE


def label(prefix: str, code: str | None, lang: str = DEFAULT_LANG) -> str:
    """Translate a code (role, department, channel, ...) via `prefix.code`, falling back to the code."""
    if code is None:
        return ""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in CATALOGUE else str(code)


def money(cents: int | None) -> str:
    """Integer cents as ¥1,234.00 (the same in both languages)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    yuan = Decimal(abs(int(cents))) / 100
    return f"{sign}¥{yuan.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def fmt_date(value: date | datetime | None) -> str:
    """Dates as YYYY-MM-DD, instants as YYYY-MM-DD HH:MM."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def pct(value: float | None, digits: int = 1) -> str:
    """A ratio 0..1 as a percentage string."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"
