"""Import rules without a database: file checks, header aliases, cell parsers and row validation.

Every parser returns a value or raises CellError(reason) where reason is a catalogue key suffix
(`imports.reason.<reason>`), so the CLI, the page and the error file all explain a rejection the same way.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from core.members.model import InvalidPhone, normalize_phone

KINDS = ("members", "visits", "orders")

COLUMNS: dict[str, tuple[str, ...]] = {
    "members": (
        "external_id", "name", "gender", "birth_date", "phone", "city", "branch", "source_channel",
        "joined_at", "private_domain", "private_domain_since", "sms_consent", "sms_consent_at",
        "wecom_consent", "wecom_consent_at", "tags", "household_id", "household_role", "key_person",
        "expected_delivery_date", "delivery_date",
    ),
    "visits": ("external_id", "member_external_id", "visit_date", "branch", "department", "kind", "amount"),
    "orders": ("external_id", "member_external_id", "product_code", "channel", "ordered_at", "amount", "status"),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "members": ("external_id",),
    "visits": ("external_id", "member_external_id", "visit_date", "department", "amount"),
    "orders": ("external_id", "member_external_id", "ordered_at", "amount"),
}

# Chinese (and common English) names a HIS export uses for each canonical column.
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("外部编号", "会员编号", "会员号", "患者编号", "病人编号", "就诊编号", "订单编号", "订单号", "编号", "ID"),
    "name": ("姓名", "会员姓名", "患者姓名"),
    "gender": ("性别",),
    "birth_date": ("出生日期", "生日"),
    "phone": ("手机号", "手机", "手机号码", "联系电话", "电话"),
    "city": ("城市", "所在城市"),
    "branch": ("院区", "分院", "门店", "机构"),
    "source_channel": ("来源渠道", "来源", "渠道来源"),
    "joined_at": ("入会日期", "注册日期", "建档日期"),
    "private_domain": ("私域", "是否私域", "私域会员"),
    "private_domain_since": ("私域加入日期", "入私域日期"),
    "sms_consent": ("短信同意", "短信授权", "接收短信"),
    "sms_consent_at": ("短信授权时间", "短信同意时间"),
    "wecom_consent": ("企微同意", "企业微信同意", "企微授权"),
    "wecom_consent_at": ("企微授权时间", "企微同意时间"),
    "tags": ("标签",),
    "household_id": ("家庭编号", "家庭号"),
    "household_role": ("家庭角色", "家庭关系"),
    "key_person": ("关键决策人", "决策人", "KP"),
    "expected_delivery_date": ("预产期",),
    "delivery_date": ("分娩日期", "生产日期"),
    "member_external_id": ("会员编号", "会员号", "患者编号", "病人编号"),
    "visit_date": ("就诊日期", "到院日期", "就诊时间"),
    "department": ("科室", "就诊科室"),
    "kind": ("就诊类型", "类型"),
    "amount": ("金额", "消费金额", "费用", "订单金额", "实收金额"),
    "product_code": ("产品编码", "产品编号", "商品编码"),
    "channel": ("渠道", "下单渠道", "销售渠道"),
    "ordered_at": ("下单日期", "订单日期", "下单时间"),
    "status": ("状态", "订单状态"),
}

ALIAS_PREFERENCE = {
    # In visit and order files 会员编号 names the member, not the row.
    "visits": {"会员编号", "会员号", "患者编号", "病人编号"},
    "orders": {"会员编号", "会员号", "患者编号", "病人编号"},
}

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


class ImportFileError(Exception):
    """The file itself is unusable (exit code 2); args[0] is a catalogue key, params fill it in."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


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


# ---- file checks --------------------------------------------------------------------------------

def _oddness(text: str) -> int:
    """How many characters are unusual in a Chinese HIS export (neither ASCII, common CJK nor punctuation)."""
    return sum(
        1 for ch in text
        if ord(ch) > 0x7F and not (0x4E00 <= ord(ch) <= 0x9FFF or 0x3000 <= ord(ch) <= 0x303F
                                    or 0xFF00 <= ord(ch) <= 0xFFEF or 0x2010 <= ord(ch) <= 0x206F
                                    or ord(ch) in (0xB7, 0xD7))
    )


def _decodes(path: Path, encoding: str, block: int) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(block):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path, block: int = 1 << 22, sample: int = 1 << 16) -> str:
    """utf-8-sig, utf-8 or gb18030, checked over the whole file so decoding never fails mid-import.

    A short GBK text can also be valid UTF-8; then the decoding that reads as ordinary Chinese wins.
    """
    with open(path, "rb") as fh:
        head = fh.read(sample)
    if head.startswith(codecs.BOM_UTF8):
        if _decodes(path, "utf-8-sig", block):
            return "utf-8-sig"
        raise ImportFileError("imports.file.bad_encoding")
    utf8 = _decodes(path, "utf-8", block)
    gb = (not utf8 or not head.isascii()) and _decodes(path, "gb18030", block)
    if utf8 and gb:
        as_utf8 = codecs.getincrementaldecoder("utf-8")().decode(head)
        as_gb = codecs.getincrementaldecoder("gb18030")().decode(head)
        return "gb18030" if _oddness(as_gb) < _oddness(as_utf8) else "utf-8"
    if utf8:
        return "utf-8"
    if gb:
        return "gb18030"
    raise ImportFileError("imports.file.bad_encoding")


def file_format(path: Path) -> str:
    """'csv' or 'xlsx', judged by content as well as name; ImportFileError when they disagree."""
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        magic = fh.read(4)
    is_zip = magic == b"PK\x03\x04"
    if suffix == ".xlsx":
        if not is_zip:
            raise ImportFileError("imports.file.not_xlsx")
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            raise ImportFileError("imports.file.not_xlsx") from None
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise ImportFileError("imports.file.not_xlsx")
        return "xlsx"
    if suffix in (".csv", ".txt"):
        if is_zip or b"\x00" in magic:
            raise ImportFileError("imports.file.not_csv")
        return "csv"
    raise ImportFileError("imports.file.bad_suffix", suffix=suffix or "-")


def check_size(size_bytes: int, max_mb: int) -> None:
    """Refuse a file over the configured size cap."""
    if size_bytes > max_mb * 1024 * 1024:
        raise ImportFileError("imports.file.too_big", max_mb=max_mb)


def check_rows(rows: int, max_rows: int) -> None:
    """Refuse a file with more data rows than the configured cap."""
    if rows > max_rows:
        raise ImportFileError("imports.file.too_many_rows", max_rows=max_rows)


# ---- headers ------------------------------------------------------------------------------------

def _norm_header(h: object) -> str:
    return re.sub(r"\s+", "", str(h or "")).strip().lstrip("\ufeff").lower()


def match_headers(kind: str, headers: list[str], mapping: dict[str, str] | None = None) -> dict[str, int]:
    """Canonical column -> header position, via an explicit mapping, the canonical name, or an alias."""
    if kind not in KINDS:
        raise ImportFileError("imports.file.bad_kind", kind=kind)
    wanted = COLUMNS[kind]
    position: dict[str, int] = {}
    for i, h in enumerate(headers):
        position.setdefault(_norm_header(h), i)
    found: dict[str, int] = {}
    for source, canonical in (mapping or {}).items():
        if canonical in wanted and _norm_header(source) in position:
            found[canonical] = position[_norm_header(source)]
    taken = set(found.values())
    preferred = ALIAS_PREFERENCE.get(kind, set())
    for canonical in wanted:
        if canonical in found:
            continue
        names = (canonical, *ALIASES.get(canonical, ()))
        if canonical == "external_id" and preferred:
            names = tuple(a for a in names if a not in preferred)
        for name in names:
            idx = position.get(_norm_header(name))
            if idx is not None and idx not in taken:
                found[canonical] = idx
                taken.add(idx)
                break
    return found


def resolve_headers(
    kind: str, headers: list[str], mapping: dict[str, str] | None = None
) -> tuple[dict[str, int], list[str]]:
    """(canonical -> header position, ignored headers); ImportFileError when a required column is missing."""
    found = match_headers(kind, headers, mapping)
    missing = [c for c in REQUIRED[kind] if c not in found]
    if missing:
        raise ImportFileError("imports.file.missing_columns", columns=", ".join(missing))
    used = set(found.values())
    ignored = [str(h) for i, h in enumerate(headers) if i not in used and str(h or "").strip()]
    return found, ignored


def suggest_mapping(kind: str, headers: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """{header: canonical column or ''} — what each header of a file will be read as."""
    found = match_headers(kind, headers, saved)
    by_index = {i: c for c, i in found.items()}
    return {str(h): by_index.get(i, "") for i, h in enumerate(headers)}


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
    return tuple(sorted(names))


# ---- rows ---------------------------------------------------------------------------------------

@dataclass
class ParsedRow:
    """One source row: the canonical values that parsed, and the reason for each cell that did not."""

    line: int
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _birth_date(raw: object, today: date) -> date | None:
    d = parse_date(raw)
    if d is not None and d > today:
        raise CellError("future_birth_date")
    return d


def _text_parser(column: str) -> Callable[[object], str | None]:
    limit = MAX_TEXT.get(column, 255)

    def parse(raw: object) -> str | None:
        text = clean_text(raw)
        if text is not None and len(text) > limit:
            raise CellError("too_long")
        return text

    return parse


def cell_parsers(kind: str, today: date) -> dict[str, Callable[[object], object]]:
    """The parser of every canonical column of a kind (text columns are trimmed and length-checked)."""
    special: dict[str, Callable[[object], object]] = {
        "gender": parse_gender, "phone": parse_phone, "birth_date": lambda raw: _birth_date(raw, today),
        "joined_at": parse_date, "private_domain_since": parse_date, "expected_delivery_date": parse_date,
        "delivery_date": parse_date, "sms_consent_at": parse_datetime, "wecom_consent_at": parse_datetime,
        "private_domain": parse_bool, "sms_consent": parse_bool, "wecom_consent": parse_bool,
        "key_person": parse_bool, "tags": parse_tags,
        "household_role": lambda raw: parse_choice(raw, HOUSEHOLD_ROLES, "bad_household_role"),
        "visit_date": parse_date, "ordered_at": parse_date, "amount": parse_amount,
        "kind": lambda raw: parse_choice(raw, VISIT_KINDS, "bad_kind"),
        "status": lambda raw: parse_choice(raw, ORDER_STATUSES, "bad_status"),
    }
    return {c: special.get(c) or _text_parser(c) for c in COLUMNS[kind]}


def row_parser(kind: str, colmap: dict[str, int], today: date) -> Callable[[int, list], ParsedRow]:
    """A fast parser of file rows (lists of cells) laid out as `colmap` says."""
    parsers = cell_parsers(kind, today)
    plan = [(c, i, parsers[c]) for c, i in colmap.items()]
    required = REQUIRED[kind]
    is_members = kind == "members"

    def parse(line: int, cells: list) -> ParsedRow:
        row = ParsedRow(line)
        values, errors = row.values, row.errors
        width = len(cells)
        for column, index, parser in plan:
            try:
                values[column] = parser(cells[index] if index < width else None)
            except CellError as exc:
                errors[column] = exc.reason
        for column in required:
            if values.get(column) is None and column not in errors:
                errors[column] = "required"
        if is_members and not errors:
            _member_rules(row)
        return row

    return parse


def parse_row(kind: str, line: int, cells: dict[str, object], today: date) -> ParsedRow:
    """Parse one row given as {canonical column: raw cell}; required empty cells and bad cells become errors."""
    colmap = {c: i for i, c in enumerate(cells)}
    return row_parser(kind, colmap, today)(line, list(cells.values()))


def _member_rules(row: ParsedRow) -> None:
    v = row.values
    if v.get("household_id") is not None and v.get("household_role") is None:
        row.errors["household_role"] = "required"
    edd, delivered = v.get("expected_delivery_date"), v.get("delivery_date")
    birth = v.get("birth_date")
    if delivered is not None and birth is not None and delivered < birth:
        row.errors["delivery_date"] = "bad_date"
    if edd is not None and birth is not None and edd < birth:
        row.errors["expected_delivery_date"] = "bad_date"


def merge_consent(
    old_value: bool | None, old_at: datetime | None, new_value: bool | None, new_at: datetime | None,
    now: datetime,
) -> tuple[bool, datetime | None]:
    """The consent to store, given the stored one (None for a new member) and the file's.

    Opt-outs are sticky: a withdrawn consent (stored False with a decision time) is only switched
    back on by a file that carries a newer consent timestamp. A withdrawal is always honoured.
    """
    if new_value is None:
        return (False, new_at) if old_value is None else (old_value, old_at)
    if old_value is None:
        return new_value, new_at or now
    if new_value == old_value:
        if new_at is not None and (old_at is None or new_at != old_at.replace(microsecond=0)):
            return old_value, new_at
        return old_value, old_at
    if new_value:
        if old_at is None:
            return True, new_at or now
        if new_at is not None and new_at > old_at:
            return True, new_at
        return old_value, old_at
    return False, new_at or now


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
