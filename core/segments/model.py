"""The segment rule format: parsing and validation into typed rules, with errors naming the rule's path.

A rule is a group `{"all": [...]}`, `{"any": [...]}`, `{"not": RULE}` or a condition
`{"field": NAME, "op": OP, "value": V, "within_days": N?, "as_of": "YYYY-MM-DD"?}`.

Missing values (no birth date, no household, no RFM row, ...) never satisfy a comparison; only
`is_empty` matches them. Fields about facts a member may have many of (tag, visits.department,
orders.product_code, child.age_months) match when *some* fact matches; `!=` and `not_in` are the
exact negation of `=` and `in` (no such fact).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from core.i18n import t
from core.rfm.model import RFM_SEGMENTS

OPS = ("=", "!=", "<", "<=", ">", ">=", "between", "in", "not_in", "is_empty", "not_empty")
COMPARE = ("=", "!=", "<", "<=", ">", ">=", "between", "in", "not_in")
EQUALITY = ("=", "!=", "in", "not_in")
EMPTINESS = ("is_empty", "not_empty")
MAX_DEPTH = 12
MAX_LIST = 1000
MAX_TEXT = 200



@dataclass(frozen=True)
class FieldSpec:
    """What a field holds (its value type), which operators it takes, and whether facts can be windowed."""

    name: str
    kind: str  # int | money | date | text | bool | choice
    ops: tuple[str, ...]
    windowed: bool = False
    choices: tuple[str, ...] = ()


def _spec(name: str, kind: str, ops: tuple[str, ...], windowed: bool = False,
          choices: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(name, kind, ops, windowed, choices)


FIELDS: dict[str, FieldSpec] = {s.name: s for s in (
    _spec("gender", "choice", EQUALITY + EMPTINESS, choices=("F", "M")),
    _spec("age", "int", COMPARE + EMPTINESS),
    _spec("city", "text", EQUALITY + EMPTINESS),
    _spec("branch", "text", EQUALITY + EMPTINESS),
    _spec("source_channel", "text", EQUALITY + EMPTINESS),
    _spec("joined_at", "date", ("=", "!=", "<", "<=", ">", ">=", "between") + EMPTINESS),
    _spec("private_domain", "bool", ("=", "!=")),
    _spec("advisor", "text", EQUALITY + EMPTINESS),
    _spec("consent.sms", "bool", ("=", "!=")),
    _spec("consent.wecom", "bool", ("=", "!=")),
    _spec("tag", "text", EQUALITY + EMPTINESS),
    _spec("visits.department", "text", EQUALITY + EMPTINESS, windowed=True),
    _spec("visits.count", "int", COMPARE, windowed=True),
    _spec("visits.last_days", "int", COMPARE + EMPTINESS, windowed=True),
    _spec("visits.departments_count", "int", COMPARE, windowed=True),
    _spec("orders.product_code", "text", EQUALITY + EMPTINESS, windowed=True),
    _spec("orders.count", "int", COMPARE, windowed=True),
    _spec("spend.total", "money", ("=", "!=", "<", "<=", ">", ">=", "between"), windowed=True),
    _spec("pregnancy.week", "int", COMPARE + EMPTINESS),
    _spec("delivered_days", "int", COMPARE + EMPTINESS),
    _spec("child.age_months", "int", COMPARE + EMPTINESS),
    _spec("household.key_person", "bool", ("=", "!=") + EMPTINESS),
    _spec("household.size", "int", COMPARE + EMPTINESS),
    _spec("rfm.r", "int", COMPARE + EMPTINESS),
    _spec("rfm.f", "int", COMPARE + EMPTINESS),
    _spec("rfm.m", "int", COMPARE + EMPTINESS),
    _spec("rfm.segment", "choice", EQUALITY + EMPTINESS, choices=RFM_SEGMENTS),
)}


class RuleError(ValueError):
    """A rule that cannot be run; `path` says where (e.g. `all[2].any[0]`), `key`/`params` what."""

    def __init__(self, path: str, key: str, **params: object) -> None:
        self.path = path
        self.key = key
        self.params = params
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The refusal in a language, prefixed by the rule's path."""
        message = t(key=self.key, lang=lang, **self.params)
        return f"{self.path}: {message}" if self.path else message


@dataclass(frozen=True)
class Condition:
    """One test on a member field; `value` is normalized (int, cents, date, bool, str or a tuple)."""

    field: str
    op: str
    value: object
    within_days: int | None = None
    as_of: date | None = None
    path: str = ""


@dataclass(frozen=True)
class Group:
    """All (kind 'all') or any (kind 'any') of the children match."""

    kind: str
    children: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    """The child does not match."""

    child: Rule


Rule = Condition | Group | Not


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def parse_rule(rule: dict) -> Rule:
    """Validate a rule dict and return its typed form; raise RuleError naming the offending path."""
    return _parse(rule, "", 0)


def _parse(rule: object, path: str, depth: int) -> Rule:
    if depth > MAX_DEPTH:
        raise RuleError(path, "segments.err.too_deep", depth=MAX_DEPTH)
    if not isinstance(rule, dict):
        raise RuleError(path, "segments.err.not_rule")
    if "field" in rule:
        return _condition(rule, path)
    keys = [k for k in ("all", "any", "not") if k in rule]
    if len(keys) != 1 or len(rule) != 1:
        raise RuleError(path, "segments.err.not_rule")
    kind = keys[0]
    body = rule[kind]
    if kind == "not":
        return Not(_parse(body, _join(path, "not"), depth + 1))
    if not isinstance(body, list) or not body:
        raise RuleError(path, "segments.err.empty_group", kind=kind)
    return Group(kind, tuple(_parse(child, _join(path, f"{kind}[{i}]"), depth + 1)
                             for i, child in enumerate(body)))


def _condition(rule: dict, path: str) -> Condition:
    for key in rule:
        if key not in ("field", "op", "value", "within_days", "as_of"):
            raise RuleError(path, "segments.err.unexpected_key", name=str(key)[:40])
    name = rule["field"]
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise RuleError(path, "segments.err.unknown_field", field=str(name)[:40])
    op = rule.get("op")
    if op not in OPS:
        raise RuleError(path, "segments.err.unknown_op", op=str(op)[:20])
    if op not in spec.ops:
        raise RuleError(path, "segments.err.op_not_for_field", field=name, op=op)
    within = rule.get("within_days")
    if within is not None:
        if not spec.windowed:
            raise RuleError(path, "segments.err.no_window", field=name)
        if isinstance(within, bool) or not isinstance(within, int) or not 0 <= within <= 36_500:
            raise RuleError(path, "segments.err.bad_within")
    as_of = rule.get("as_of")
    if as_of is not None:
        as_of = _date(as_of)
        if as_of is None:
            raise RuleError(path, "segments.err.bad_as_of")
    value = _value(spec, op, rule.get("value"), path)
    return Condition(name, op, value, within, as_of, path)


def _value(spec: FieldSpec, op: str, raw: object, path: str) -> object:
    if op in EMPTINESS:
        if raw is not None:
            raise RuleError(path, "segments.err.no_value", op=op)
        return None
    if op == "between":
        if not isinstance(raw, list | tuple) or len(raw) != 2:
            raise RuleError(path, "segments.err.needs_pair", field=spec.name)
        lo, hi = (_scalar(spec, v, path) for v in raw)
        if lo > hi:
            raise RuleError(path, "segments.err.needs_pair", field=spec.name)
        return (lo, hi)
    if op in ("in", "not_in"):
        if not isinstance(raw, list | tuple) or not raw or len(raw) > MAX_LIST:
            raise RuleError(path, "segments.err.needs_list", field=spec.name, op=op, max=MAX_LIST)
        return tuple(dict.fromkeys(_scalar(spec, v, path) for v in raw))
    return _scalar(spec, raw, path)


def _scalar(spec: FieldSpec, raw: object, path: str) -> object:
    name = spec.name
    if spec.kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) > 1_000_000:
            raise RuleError(path, "segments.err.needs_number", field=name)
        return raw
    if spec.kind == "money":
        cents = yuan_to_cents(raw)
        if cents is None:
            raise RuleError(path, "segments.err.needs_amount", field=name)
        return cents
    if spec.kind == "date":
        parsed = _date(raw)
        if parsed is None:
            raise RuleError(path, "segments.err.needs_date", field=name)
        return parsed
    if spec.kind == "bool":
        if not isinstance(raw, bool):
            raise RuleError(path, "segments.err.needs_bool", field=name)
        return raw
    if spec.kind == "choice":
        if raw not in spec.choices:
            raise RuleError(path, "segments.err.needs_choice", field=name, choices=", ".join(spec.choices))
        return raw
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TEXT:
        raise RuleError(path, "segments.err.needs_text", field=name, max=MAX_TEXT)
    return raw


def yuan_to_cents(raw: object) -> int | None:
    """An amount in yuan (number or numeric text, at most 2 decimals) as integer cents; None if not one."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        return None
    try:
        amount = Decimal(str(raw)) * 100
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.to_integral_value() or abs(amount) > 10**15:
        return None
    return int(amount)


def _date(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def to_dict(rule: Rule) -> dict:
    """The JSON form of a parsed rule (amounts back in yuan, dates as ISO text)."""
    if isinstance(rule, Group):
        return {rule.kind: [to_dict(c) for c in rule.children]}
    if isinstance(rule, Not):
        return {"not": to_dict(rule.child)}
    out: dict = {"field": rule.field, "op": rule.op}
    if rule.op not in EMPTINESS:
        out["value"] = _json_value(FIELDS[rule.field], rule.value)
    if rule.within_days is not None:
        out["within_days"] = rule.within_days
    if rule.as_of is not None:
        out["as_of"] = rule.as_of.isoformat()
    return out


def _json_value(spec: FieldSpec, value: object) -> object:
    if isinstance(value, tuple):
        return [_json_value(spec, v) for v in value]
    if spec.kind == "money":
        yuan = Decimal(value) / 100
        return int(yuan) if yuan == yuan.to_integral_value() else float(yuan)
    if isinstance(value, date):
        return value.isoformat()
    return value


def conditions(rule: Rule) -> list[Condition]:
    """Every condition of a rule, depth first."""
    if isinstance(rule, Condition):
        return [rule]
    if isinstance(rule, Not):
        return conditions(rule.child)
    return [c for child in rule.children for c in conditions(child)]


def year_cut(as_of: date, years: int) -> date:
    """The latest birth date whose completed age on `as_of` is at least `years` (clamped to the calendar)."""
    return month_cut(as_of, years * 12)


def month_cut(as_of: date, months: int) -> date:
    """The latest birth date whose completed months of age on `as_of` are at least `months`."""
    total = as_of.year * 12 + (as_of.month - 1) - months
    year, month = divmod(total, 12)
    if year < 1:
        return date.min
    if year > 9999:
        return date.max
    month += 1
    return date(year, month, min(as_of.day, calendar.monthrange(year, month)[1]))
