"""Pricing rules: carts, offers, stacking, and the exact money arithmetic of one choice of offers.

Money rule (明码标价, exact to the cent):
- All amounts are integer cents. A line's running price only goes down and never below zero.
- Line offers apply in a fixed order: free units (membership quota, 买赠 gifts), then channel prices,
  then percentages. A percentage takes `floor(running × percent / 100)` cents off the line's running
  price — the discount is rounded down, so the member is never promised a fraction of a cent.
- Bill offers (满减, amount coupons) check their threshold against the eligible subtotal after line
  offers, take at most what is left of that subtotal, and are spread over the eligible lines in
  proportion to their running prices (largest-remainder method), so line figures sum to the bill.
- Points are redeemed last, on what remains: `points // points_per_yuan` yuan, capped by the bill cap
  (a percentage of the bill and an optional fixed amount). Stored value is a way to pay, not a discount.
The optimizer (core.pricing.search) picks the combination of applicable, mutually stackable offers with the lowest payable total;
ties go to fewer offers, then to the alphabetically first offer codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

KINDS = ("channel_price", "free_quantity", "buy_get", "percent_off", "amount_off")
SOURCES = ("promotion", "membership", "coupon")
LINE_KINDS = ("channel_price", "free_quantity", "buy_get", "percent_off")
# free units come first: making a line free commutes with every other line offer, and an offer that
# changes nothing at its turn is then recognisably useless (the optimizer skips it)
_STAGE = {"free_quantity": 0, "buy_get": 0, "channel_price": 1, "percent_off": 2, "amount_off": 3}

# not-applied reasons (catalogue keys pricing.reason.<code>)
REASONS = ("not_started", "expired", "wrong_channel", "not_in_segment", "not_eligible", "cap_reached",
           "condition_not_met", "threshold_not_met", "not_held", "no_gain", "not_stackable",
           "insufficient_points")


class PricingError(ValueError):
    """An offer or a cart line is malformed; args[0] says which and why."""


@dataclass(frozen=True)
class CartLine:
    """One unit of a product in the cart at its list price."""

    product_code: str
    name: str
    category: str
    department: str
    list_cents: int


@dataclass(frozen=True)
class Offer:
    """A promotion, membership benefit or coupon, with where, when and with what it may apply.

    Eligible lines: a line matches when its product, category or department is listed; with all three
    lists empty the offer covers every line. `channels` empty means every channel. Stacking: an
    `exclusive` offer is used alone; otherwise two offers may combine only when each one's group is in
    the other's `stacks_with`.
    """

    code: str
    name: str
    kind: str
    source: str = "promotion"
    channels: frozenset[str] = frozenset()
    starts: date | None = None
    ends: date | None = None
    products: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    exclusive: bool = False
    group: str = "default"
    stacks_with: frozenset[str] = frozenset()
    percent: int = 0                 # percent_off: whole percent taken off
    price_cents: int = 0             # channel_price: the channel's unit price
    amount_cents: int = 0            # amount_off: taken off the bill
    threshold_cents: int = 0         # amount_off: eligible subtotal needed (0 = none)
    quantity: int = 0                # free_quantity: free units per period; buy_get: units to buy
    used: int = 0                    # free_quantity: units already used this period
    get_products: frozenset[str] = frozenset()   # buy_get: the gift products
    member_eligible: bool = True     # False when the member is outside the offer's segment

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PricingError(f"offer {self.code}: unknown kind {self.kind!r}")
        if self.source not in SOURCES:
            raise PricingError(f"offer {self.code}: unknown source {self.source!r}")
        if not 0 <= self.percent <= 100:
            raise PricingError(f"offer {self.code}: percent must be 0..100")
        if min(self.price_cents, self.amount_cents, self.threshold_cents, self.quantity, self.used) < 0:
            raise PricingError(f"offer {self.code}: amounts and quantities cannot be negative")

    def covers(self, line: CartLine) -> bool:
        """True when this offer may touch `line`."""
        if not (self.products or self.categories or self.departments):
            return True
        return (line.product_code in self.products or line.category in self.categories
                or line.department in self.departments)


@dataclass(frozen=True)
class PointsRule:
    """How points pay: `points_per_yuan` points are one yuan; at most `cap_percent` % of the bill."""

    points_per_yuan: int = 100
    cap_percent: int = 20
    cap_cents: int | None = None


@dataclass(frozen=True)
class Applied:
    offer_code: str
    offer_name: str
    amount_cents: int


@dataclass(frozen=True)
class QuoteLine:
    product_code: str
    name: str
    list_cents: int
    applied: tuple[Applied, ...]
    final_cents: int


@dataclass(frozen=True)
class NotApplied:
    offer_code: str
    offer_name: str
    reason: str
    other: str | None = None   # not_stackable: the offer used instead


@dataclass(frozen=True)
class Quote:
    """The best legal price of a cart with its explanation."""

    list_total_cents: int
    payable_cents: int
    saving_cents: int
    lines: tuple[QuoteLine, ...]
    not_applied: tuple[NotApplied, ...]
    offers_used: tuple[str, ...] = ()
    points_redeemed: int = 0
    points_cents: int = 0
    stored_value_usable_cents: int = 0
    channel: str | None = None
    on_date: date | None = None
    product_versions: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The quote as plain JSON values, money as yuan decimal strings."""
        return {
            "list_total": yuan(self.list_total_cents),
            "payable": yuan(self.payable_cents),
            "saving": yuan(self.saving_cents),
            "channel": self.channel,
            "date": self.on_date.isoformat() if self.on_date else None,
            "offers_used": list(self.offers_used),
            "points": {"redeemed": self.points_redeemed, "amount": yuan(self.points_cents)},
            "stored_value_usable": yuan(self.stored_value_usable_cents),
            "product_versions": dict(self.product_versions),
            "lines": [
                {"item": ln.product_code, "name": ln.name, "list_price": yuan(ln.list_cents),
                 "offers": [{"offer": a.offer_code, "name": a.offer_name, "amount": yuan(a.amount_cents)}
                            for a in ln.applied],
                 "final": yuan(ln.final_cents)}
                for ln in self.lines
            ],
            "not_applied": [
                {"offer": n.offer_code, "name": n.offer_name, "reason": n.reason,
                 **({"with": n.other} if n.other else {})}
                for n in self.not_applied
            ],
        }


def yuan(cents: int) -> str:
    """Integer cents as a yuan decimal string ('1234.50', '-0.05')."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{frac:02d}"


def compatible(a: Offer, b: Offer) -> bool:
    """True when the stacking rules of both offers allow using them together."""
    if a.exclusive or b.exclusive:
        return False
    return a.group in b.stacks_with and b.group in a.stacks_with


# ---------------------------------------------------------------- per-offer effects on one cart


@dataclass(frozen=True)
class Effect:
    """What one offer does to this cart: line operations, or a bill amount over eligible lines."""

    offer: Offer
    index: int                                   # canonical position
    ops: tuple[tuple[int, str, int], ...] = ()   # (line, 'min'|'zero'|'pct', value)
    lines: tuple[int, ...] = ()                  # bill offers: eligible lines
    is_line: bool = True


def _free_lines(offer: Offer, lines: list[CartLine]) -> list[int]:
    """The lines a free-quantity or buy-and-get offer makes free (the dearest eligible ones)."""
    def dearest(idx: list[int]) -> list[int]:
        return sorted(idx, key=lambda i: (-lines[i].list_cents, i))

    if offer.kind == "free_quantity":
        left = offer.quantity - offer.used
        return dearest([i for i, ln in enumerate(lines) if offer.covers(ln)])[:max(left, 0)]
    gifts = dearest([i for i, ln in enumerate(lines) if ln.product_code in offer.get_products])
    buys = [i for i, ln in enumerate(lines) if offer.covers(ln)]
    for k in range(len(gifts), 0, -1):
        free = set(gifts[:k])
        if offer.quantity * k <= len([i for i in buys if i not in free]):
            return gifts[:k]
    return []


def _screen(offer: Offer, lines: list[CartLine], channel: str | None, on_date: date) -> str | None:
    """Why an offer cannot apply to this cart at all, or None."""
    covered = [ln for ln in lines if offer.covers(ln)]
    if not covered:
        return "not_eligible"
    if offer.starts and on_date < offer.starts:
        return "not_started"
    if offer.ends and on_date > offer.ends:
        return "expired"
    if offer.channels and channel not in offer.channels:
        return "wrong_channel"
    if not offer.member_eligible:
        return "not_in_segment"
    if offer.kind == "free_quantity" and offer.used >= offer.quantity:
        return "cap_reached"
    if offer.kind == "buy_get" and not _free_lines(offer, lines):
        return "condition_not_met"
    if offer.kind == "amount_off" and sum(ln.list_cents for ln in covered) < offer.threshold_cents:
        return "threshold_not_met"
    if offer.kind == "channel_price" and all(ln.list_cents <= offer.price_cents for ln in covered):
        return "no_gain"
    if (offer.kind == "percent_off" and offer.percent == 0) or (
            offer.kind == "amount_off" and offer.amount_cents == 0):
        return "no_gain"
    return None


def effect_of(offer: Offer, index: int, lines: list[CartLine]) -> Effect:
    """What `offer` does to this cart."""
    if offer.kind == "channel_price":
        ops = tuple((i, "min", offer.price_cents) for i, ln in enumerate(lines) if offer.covers(ln))
    elif offer.kind in ("free_quantity", "buy_get"):
        ops = tuple((i, "zero", 0) for i in sorted(_free_lines(offer, lines)))
    elif offer.kind == "percent_off":
        ops = tuple((i, "pct", offer.percent) for i, ln in enumerate(lines) if offer.covers(ln))
    else:
        return Effect(offer, index, lines=tuple(i for i, ln in enumerate(lines) if offer.covers(ln)),
                       is_line=False)
    return Effect(offer, index, ops=ops)


def apply_ops(ops: tuple[tuple[int, str, int], ...], prices: list[int]) -> None:
    """Apply line operations to running prices in place (each only lowers a price)."""
    for i, op, value in ops:
        p = prices[i]
        if op == "min":
            prices[i] = p if p <= value else value
        elif op == "zero":
            prices[i] = 0
        else:
            prices[i] = p - p * value // 100


def bill_amounts(effects: list[Effect], prices: list[int]) -> list[int]:
    """What each bill offer takes, in canonical order, given the prices after line offers."""
    left = list(prices)
    out = []
    for e in effects:
        base = sum(prices[i] for i in e.lines)
        if base < e.offer.threshold_cents:
            out.append(0)
            continue
        amount = min(e.offer.amount_cents, sum(left[i] for i in e.lines))
        for i, share in allocate(amount, e.lines, left).items():
            left[i] -= share
        out.append(amount)
    return out


def allocate(amount: int, idx: tuple[int, ...], prices: list[int]) -> dict[int, int]:
    """Split `amount` over lines in proportion to their prices, to the cent (largest remainder)."""
    total = sum(prices[i] for i in idx)
    if amount <= 0 or total <= 0:
        return {}
    shares = {i: amount * prices[i] // total for i in idx}
    rest = amount - sum(shares.values())
    order = sorted(idx, key=lambda i: (-(amount * prices[i] % total), i))
    for i in order[:rest]:
        shares[i] += 1
    return shares


def canonical(offers: list[Offer]) -> list[Offer]:
    """Offers in the order they apply: free units, channel prices, percentages, bill offers."""
    return sorted(offers, key=lambda o: (_STAGE[o.kind], o.code))


# ---------------------------------------------------------------- evaluation of one chosen set


def evaluate(lines: list[CartLine], chosen: list[Offer]) -> int:
    """Payable cents (before points) when exactly `chosen` offers are applied in canonical order."""
    ordered = canonical(chosen)
    prices = [ln.list_cents for ln in lines]
    bill = []
    for k, o in enumerate(ordered):
        e = effect_of(o, k, lines)
        if e.is_line:
            apply_ops(e.ops, prices)
        else:
            bill.append(e)
    return max(0, sum(prices) - sum(bill_amounts(bill, prices)))


def choice_key(payable: int, chosen: list[Offer]) -> tuple[int, int, tuple[str, ...]]:
    """How two choices compare: lower payable, then fewer offers, then first codes alphabetically."""
    return payable, len(chosen), tuple(sorted(o.code for o in chosen))


def screen(lines: list[CartLine], offers: list[Offer], channel: str | None,
           on_date: date) -> tuple[list[Offer], list[NotApplied]]:
    """Split offers into those that could apply to this cart and those that cannot (with reasons)."""
    usable, refused = [], []
    for o in offers:
        reason = _screen(o, lines, channel, on_date)
        if reason is None:
            usable.append(o)
        else:
            refused.append(NotApplied(o.code, o.name, reason))
    return usable, refused

