"""Service products: items, packages, list prices, the review lifecycle and its rules (no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

ITEM_CATEGORIES = ("consultation", "exam", "lab", "treatment", "inpatient", "nursing", "goods")
PRODUCT_CATEGORIES = ITEM_CATEGORIES + ("package",)
KINDS = ("single", "package")
PRICE_MODES = ("sum", "set")
STATUSES = ("draft", "in_review", "published", "retired")
LIFE_STAGES = ("pregnancy", "postpartum", "infant", "child", "adult", "senior")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")

# action -> (statuses it starts from, status it leads to, roles allowed)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "submit": (("draft",), "in_review", ("product_manager",)),
    "approve": (("in_review",), "published", ("lead",)),
    "reject": (("in_review",), "draft", ("lead",)),
    "retire": (("published",), "retired", ("lead",)),
}
EDITORS = ("product_manager",)


class ProductError(ValueError):
    """A product change is refused; `key` is a catalogue key, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


class StaleEdit(ProductError):
    """Someone saved the same record since it was read: reload before saving again."""

    def __init__(self, changed_by: str, changed_at: datetime) -> None:
        super().__init__("products.stale", who=changed_by, at=changed_at.strftime("%Y-%m-%d %H:%M:%S"))
        self.changed_by = changed_by
        self.changed_at = changed_at


@dataclass(frozen=True)
class ItemLine:
    """An item of a product and how many of it the product includes."""

    item_code: str
    quantity: int = 1


@dataclass(frozen=True)
class Faq:
    question: str
    answer: str


@dataclass(frozen=True)
class ProductDraft:
    """The editable fields of a product version."""

    code: str
    name: str
    department: str
    category: str
    kind: str = "single"
    price_mode: str = "sum"
    set_price_cents: int | None = None
    items: tuple[ItemLine, ...] = ()
    life_stage: str | None = None
    segment_id: int | None = None
    description: str = ""
    inclusions: str = ""
    exclusions: str = ""
    script: str = ""
    faq: tuple[Faq, ...] = ()


@dataclass(frozen=True)
class Pricing:
    """A product's list price against the sum of its items (明码标价)."""

    items_total_cents: int
    list_price_cents: int

    @property
    def saving_cents(self) -> int:
        return max(0, self.items_total_cents - self.list_price_cents)


@dataclass(frozen=True)
class ProductSummary:
    """A published product as other screens show it."""

    code: str
    name: str
    department: str
    category: str
    list_price_cents: int
    script: str
    version: int = 1
    kind: str = "single"
    product_id: int = 0


@dataclass(frozen=True)
class ItemRow:
    code: str
    name: str
    department: str
    category: str
    unit_price_cents: int
    quantity: int = 1

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True)
class ProductDetail:
    """One product version with everything the product page and comparison show."""

    id: int
    code: str
    version: int
    status: str
    draft: ProductDraft
    items: tuple[ItemRow, ...]
    pricing: Pricing
    lock_version: int
    updated_by: str
    updated_at: datetime
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_comment: str | None = None
    benefits: tuple[str, ...] = field(default_factory=tuple)


def price_of(kind: str, price_mode: str, set_price_cents: int | None, items: list[ItemRow]) -> Pricing:
    """List price: the sum of items, or the set package price (shown with its saving)."""
    total = sum(i.total_cents for i in items)
    if price_mode == "set":
        if set_price_cents is None or set_price_cents < 0:
            raise ProductError("products.set_price_needed")
        return Pricing(total, set_price_cents)
    return Pricing(total, total)


def validate(draft: ProductDraft, known_items: set[str], departments: set[str]) -> None:
    """Raise ProductError naming the first field that is not acceptable."""
    if not CODE_RE.match(draft.code or ""):
        raise ProductError("products.bad_code", code=draft.code)
    if not draft.name.strip():
        raise ProductError("products.name_needed")
    if draft.department not in departments:
        raise ProductError("products.unknown_department", department=draft.department)
    if draft.category not in PRODUCT_CATEGORIES:
        raise ProductError("products.unknown_category", category=draft.category)
    if draft.kind not in KINDS:
        raise ProductError("products.unknown_kind", kind=draft.kind)
    if draft.price_mode not in PRICE_MODES:
        raise ProductError("products.unknown_price_mode", mode=draft.price_mode)
    if draft.life_stage is not None and draft.life_stage not in LIFE_STAGES:
        raise ProductError("products.unknown_life_stage", stage=draft.life_stage)
    if not draft.items:
        raise ProductError("products.items_needed")
    if draft.kind == "single" and len(draft.items) != 1:
        raise ProductError("products.single_one_item")
    seen = set()
    for line in draft.items:
        if line.item_code not in known_items:
            raise ProductError("products.unknown_item", item=line.item_code)
        if line.item_code in seen:
            raise ProductError("products.duplicate_item", item=line.item_code)
        if line.quantity < 1:
            raise ProductError("products.bad_quantity", item=line.item_code)
        seen.add(line.item_code)
    if draft.price_mode == "set" and (draft.set_price_cents is None or draft.set_price_cents < 0):
        raise ProductError("products.set_price_needed")


def transition(status: str, action: str, role: str, comment: str | None) -> str:
    """The status a lifecycle action leads to, or ProductError when it is not allowed."""
    if action not in TRANSITIONS:
        raise ProductError("products.unknown_action", action=action)
    sources, target, roles = TRANSITIONS[action]
    if role not in roles:
        raise ProductError("products.role_cannot", action=action)
    if status not in sources:
        raise ProductError("products.bad_transition", action=action, status=status)
    if action in ("approve", "reject", "retire") and not (comment or "").strip():
        raise ProductError("products.comment_needed")
    return target


_ITEM_LINE = re.compile(r"([A-Za-z0-9_-]+)(?:\s*[*×]\s*|\s+[xX]\s+|\s+)?(\d+)?")


def parse_item_lines(text: str) -> tuple[ItemLine, ...]:
    """Items typed one per line as `CODE` or `CODE QTY` (also `CODE x QTY`, `CODE*QTY`)."""
    out = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        m = _ITEM_LINE.fullmatch(line)
        if m is None:
            raise ProductError("products.bad_item_line", line=n)
        out.append(ItemLine(m.group(1).upper(), int(m.group(2) or 1)))
    return tuple(out)


def items_text(items: tuple[ItemLine, ...]) -> str:
    """Items as the text `parse_item_lines` reads."""
    return "\n".join(f"{i.item_code} {i.quantity}" for i in items)


def parse_faq(text: str) -> tuple[Faq, ...]:
    """FAQ typed one per line as `question | answer` (full-width ｜ works too)."""
    out = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        q, sep, a = raw.replace("｜", "|").partition("|")
        if not sep or not q.strip() or not a.strip():
            raise ProductError("products.bad_faq_line", line=n)
        out.append(Faq(q.strip(), a.strip()))
    return tuple(out)


def faq_text(faq: tuple[Faq, ...]) -> str:
    """FAQ as the text `parse_faq` reads."""
    return "\n".join(f"{f.question} | {f.answer}" for f in faq)


def cents_from_yuan(value: float | str | None) -> int | None:
    """A yuan amount typed in a form as integer cents (half up); None stays None."""
    if value is None or value == "":
        return None
    from decimal import ROUND_HALF_UP, Decimal

    return int((Decimal(str(value)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
