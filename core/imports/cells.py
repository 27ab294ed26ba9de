"""Cell parsers: each returns a value (None for an empty cell) or raises CellError naming the reason.

The reason is a catalogue key suffix (`imports.reason.<reason>`), so the CLI, the page and the error
file all explain a rejection the same way. Export cells go through the inverse helpers here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from core.members.model import InvalidPhone, normalize_phone

GENDERS = {"f": "F", "m": "M", "女": "F", "男": "M", "female": "F", "male": "M"}
TRUE_WORDS = {"1", "true", "是", "y", "yes", "t"}
FALSE_WORDS = {"0", "false", "否", "n", "no", "f"}
HOUSEHOLD_ROLES = {"self": "self", "spouse": "spouse", "child": "child", "parent": "parent",
                   "本人": "self", "配偶": "spouse", "子女": "child", "孩子": "child", "父母": "parent"}
VISIT_KINDS = {"outpatient": "outpatient", "inpatient": "inpatient", "exam": "exam",
               "门诊": "outpatient", "住院": "inpatient", "体检": "exam"}
ORDER_STATUSES = {"paid": "paid", "refunded": "refunded", "已支付": "paid", "已付款": "paid", "已退款": "refunded"}
MAX_TEXT = {"external_id": 64, "member_external_id": 64, "name": 100, "city": 50, "source_channel": 32,
            "household_id": 64, "product_code": 64, "channel": 32, "branch": 32, "department": 32}
FORMULA_LEAD = "=+-@"
EXCEL_EPOCH = date(1899, 12, 30)
_ESCAPED = re.compile(r"^'+[=+\-@]")
_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_SEP_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATETIME = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$")
_PLAIN_AMOUNT = re.compile(r"^(\d{1,13})(?:\.(\d{1,2}))?$")
_MONEY_STRIP = re.compile(r"[¥￥,，\s]|RMB|CNY|元", re.IGNORECASE)


class CellError(ValueError):
    """One cell does not hold a valid value; `reason` names why (imports.reason.<reason>)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---- formula escaping ---------------------------------------------------------------------------

def escape_formula(value: object) -> object:
    """Prefix an apostrophe to text a spreadsheet would run as a formula (and to already-escaped text)."""
    if isinstance(value, str) and value and (value[0] in FORMULA_LEAD or _ESCAPED.match(value)):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Reverse exactly escape_formula: drop one leading apostrophe before a formula character."""
    if _ESCAPED.match(value):
        return value[1:]
    return value


# ---- cell parsers -------------------------------------------------------------------------------

_EMPTY_WORDS = frozenset(("nan", "none", "null", "NaN", "None", "NULL", "NAN"))


def clean_text(value: object) -> str | None:
    """Text of a cell with surrounding blanks removed and the formula escape reversed; None when empty."""
    if value is None:
        return None
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    text = value.strip()
    if not text or (len(text) <= 4 and text in _EMPTY_WORDS):
        return None
    if text[0] == "'":
        return unescape_formula(text)
    return text


def parse_date(value: object) -> date | None:
    """YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日, an Excel date cell or serial number; None when empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise CellError("bad_date")
        return EXCEL_EPOCH + timedelta(days=int(value))
    text = clean_text(value)
    if text is None:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    m = _SEP_DATE.match(text) or _CN_DATE.match(text)
    if not m:
        raise CellError("bad_date")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise CellError("bad_date") from None


def parse_datetime(value: object) -> datetime | None:
    """An instant (YYYY-MM-DD HH:MM[:SS] or a date at midnight); None when empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    text = clean_text(value) if not isinstance(value, date) else None
    if isinstance(value, str) and text is not None:
        m = _DATETIME.match(text)
        if m:
            try:
                return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)),
                                int(m.group(5)), int(m.group(6) or 0))
            except ValueError:
                raise CellError("bad_date") from None
    d = parse_date(value)
    return None if d is None else datetime(d.year, d.month, d.day)


def parse_amount(value: object) -> int | None:
    """Money as integer cents from 1234.5, `1,234.50` or `¥1234.5`; CellError for negatives or junk."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("bad_amount")
    if isinstance(value, int):
        cents = value * 100
    else:
        if isinstance(value, float):
            text = repr(value)
        else:
            text = clean_text(value)
            if text is None:
                return None
            m = _PLAIN_AMOUNT.match(text)
            if m:
                fen = m.group(2) or ""
                return int(m.group(1)) * 100 + int((fen + "00")[:2])
            text = _MONEY_STRIP.sub("", text)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError("bad_amount") from None
        if not amount.is_finite():
            raise CellError("bad_amount")
        cents_exact = amount * 100
        if cents_exact != cents_exact.to_integral_value():
            raise CellError("bad_amount")
        cents = int(cents_exact)
    if cents < 0:
        raise CellError("negative_amount")
    if cents >= 10**15:
        raise CellError("bad_amount")
    return cents


def parse_bool(value: object) -> bool | None:
    """1/0, true/false, 是/否 (and yes/no); None when empty."""
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    if text is None:
        return None
    low = text.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    raise CellError("bad_bool")


def parse_gender(value: object) -> str | None:
    """F/M/女/男 as 'F' or 'M'; None when empty."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        return GENDERS[text.lower()]
    except KeyError:
        raise CellError("bad_gender") from None


def parse_phone(value: object) -> str | None:
    """An 11-digit mainland mobile in the stored +86 form; None when empty."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        return normalize_phone(text)
    except InvalidPhone:
        raise CellError("bad_phone") from None


def parse_choice(value: object, choices: dict[str, str], reason: str) -> str | None:
    """A code from a fixed vocabulary (English code or its Chinese word); None when empty."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        return choices[text.lower()]
    except KeyError:
        raise CellError(reason) from None


def parse_tags(value: object) -> tuple[str, ...] | None:
    """Tag names separated by ; or ；, trimmed, de-duplicated and sorted; None when the cell is empty."""
    text = clean_text(value)
    if text is None:
        return None
    names = {part.strip() for part in re.split(r"[;；]", text) if part.strip()}
    if any(len(n) > 64 for n in names):
        raise CellError("too_long")
    return tuple(sorted(names)) or None


# ---- export -------------------------------------------------------------------------------------

def export_cell(value: object) -> object:
    """A stored value as an export cell: dates ISO, booleans 1/0, None empty, formulas escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return escape_formula(str(value))


def cents_to_text(cents: int | None) -> str:
    """Integer cents as a plain decimal amount (1234.50)."""
    if cents is None:
        return ""
    return f"{cents // 100}.{cents % 100:02d}"
