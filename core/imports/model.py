"""Import rules without a database: canonical columns and their aliases, row validation, consent."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from core.imports.cells import (
    HOUSEHOLD_ROLES,
    MAX_TEXT,
    ORDER_STATUSES,
    VISIT_KINDS,
    CellError,
    clean_text,
    export_cell,  # noqa: F401  (core.segments.export reads it from here)
    parse_amount,
    parse_bool,
    parse_choice,
    parse_date,
    parse_datetime,
    parse_gender,
    parse_phone,
    parse_tags,
)

KINDS = ("members", "visits", "orders")
# columns whose values repeat across rows, so their parse is remembered (bounded by MEMO_SIZE each)
REPEATED = frozenset((
    "gender", "birth_date", "city", "branch", "source_channel", "joined_at", "private_domain",
    "private_domain_since", "sms_consent", "wecom_consent", "household_role", "key_person",
    "expected_delivery_date", "delivery_date", "visit_date", "department", "kind", "product_code",
    "channel", "ordered_at", "status", "tags",
))
MEMO_SIZE = 50_000

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


class ImportFileError(Exception):
    """The file itself is unusable (exit code 2); args[0] is a catalogue key, params fill it in."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


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


def _memoized(parser: Callable[[object], object]) -> Callable[[object], object]:
    """The parser with a bounded memory of raw text -> value or refusal (files repeat these a lot)."""
    memo: dict[object, tuple[bool, object]] = {}

    def parse(raw: object) -> object:
        hit = memo.get(raw) if type(raw) is str else None
        if hit is None:
            try:
                hit = (True, parser(raw))
            except CellError as exc:
                hit = (False, exc.reason)
            if type(raw) is str and len(memo) < MEMO_SIZE:
                memo[raw] = hit
        if hit[0]:
            return hit[1]
        raise CellError(hit[1])

    return parse


def row_parser(kind: str, colmap: dict[str, int], today: date) -> Callable[[int, list], ParsedRow]:
    """A fast parser of file rows (lists of cells) laid out as `colmap` says."""
    parsers = cell_parsers(kind, today)
    plan = [(c, i, _memoized(parsers[c]) if c in REPEATED else parsers[c]) for c, i in colmap.items()]
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
