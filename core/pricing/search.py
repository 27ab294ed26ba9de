"""The optimizer: the exact best combination of offers (branch and bound), explained line by line."""

from __future__ import annotations

from datetime import date

from core.pricing.model import (
    Applied,
    CartLine,
    NotApplied,
    Offer,
    PointsRule,
    Quote,
    QuoteLine,
    allocate,
    apply_ops,
    bill_amounts,
    canonical,
    choice_key,
    compatible,
    effect_of,
    evaluate,
    screen,
)


def best_combination(lines: list[CartLine], offers: list[Offer]) -> tuple[list[Offer], int]:
    """The offers (already screened as applicable) giving the lowest payable, and that payable.

    Depth-first over subsets in canonical order, so each node extends its parent's running prices.
    A node is cut when an optimistic bound (every remaining stackable line offer applied, bill offers
    counted only where their thresholds can still be met) cannot beat the best found. An
    offer that changes nothing at its turn is skipped: the same set without it is as cheap and smaller.
    """
    cand = canonical(offers)
    n = len(cand)
    effects = [effect_of(o, k, lines) for k, o in enumerate(cand)]
    compat = [0] * n
    for i in range(n):
        for j in range(n):
            if i != j and compatible(cand[i], cand[j]):
                compat[i] |= 1 << j
    list_prices = [ln.list_cents for ln in lines]
    start_set = _local_best(lines, cand)
    best: list = [choice_key(evaluate(lines, [cand[k] for k in start_set]), [cand[k] for k in start_set]),
                  start_set]

    bill_idx = [k for k in range(n) if not effects[k].is_line]
    first_bill = bill_idx[0] if bill_idx else n

    def bases_at(prices: list[int]) -> dict[int, int]:
        return {k: sum(prices[i] for i in effects[k].lines) for k in bill_idx}

    def bound(prices: list[int], bases: dict[int, int], bill: list[int], allowed: int, start: int) -> int:
        # Line prices can fall at most to `optimistic`. A bill offer b that ends up met needs its
        # eligible subtotal ≥ its threshold, so the bill before bill offers is at least F_b; the
        # payable is then ≥ max F over the met offers − their amounts: minimise over the binding one.
        if start >= first_bill:   # only bill offers left: prices are final
            extra = sum(min(effects[k].offer.amount_cents, bases[k]) for k in bill)
            for k in bill_idx:
                if k >= start and (allowed >> k) & 1 and bases[k] >= effects[k].offer.threshold_cents:
                    extra += min(effects[k].offer.amount_cents, bases[k])
            return max(0, sum(prices) - extra)
        optimistic = list(prices)
        for j in range(start, first_bill):
            if (allowed >> j) & 1:
                apply_ops(effects[j].ops, optimistic)
        total = sum(optimistic)
        floors = []
        for k in bill_idx:
            if not (allowed >> k) & 1:
                continue
            e = effects[k]
            if bases[k] < e.offer.threshold_cents:
                continue
            low = sum(optimistic[i] for i in e.lines)
            floors.append((total - low + max(low, e.offer.threshold_cents), min(e.offer.amount_cents, bases[k])))
        best_low = total
        running = 0
        for floor, amount in sorted(floors):
            running += amount
            best_low = min(best_low, floor - running)
        return max(0, best_low)

    def visit(chosen: list[int], prices: list[int], bases: dict[int, int], bill: list[int], allowed: int,
              start: int) -> None:
        for j in range(start, n):
            if not (allowed >> j) & 1:
                continue
            # every set from here on draws only on offers j.. : when even their bound loses, stop
            rest = bound(prices, bases, bill, allowed, j)
            if rest > best[0][0] or (rest == best[0][0] and len(chosen) + 1 > best[0][1]):
                return
            e = effects[j]
            if e.is_line:
                new_prices = list(prices)
                apply_ops(e.ops, new_prices)
                if new_prices == prices:
                    continue
                new_bases, new_bill = bases_at(new_prices), bill
                payable = sum(new_prices)
            else:
                new_prices, new_bases, new_bill = prices, bases, bill + [j]
                amounts = bill_amounts([effects[k] for k in new_bill], prices)
                if amounts[-1] == 0:
                    continue
                payable = max(0, sum(prices) - sum(amounts))
            new_chosen = chosen + [j]
            if payable <= best[0][0]:
                key = choice_key(payable, [cand[k] for k in new_chosen])
                if key < best[0]:
                    best[0], best[1] = key, new_chosen
            new_allowed = allowed & compat[j]
            if not new_allowed >> (j + 1):
                continue
            visit(new_chosen, new_prices, new_bases, new_bill, new_allowed, j + 1)

    visit([], list_prices, bases_at(list_prices), [], (1 << n) - 1, 0)
    return [cand[k] for k in best[1]], best[0][0]


def _local_best(lines: list[CartLine], cand: list[Offer]) -> list[int]:
    """A good legal choice found quickly (greedy additions, then drops), to start the search from."""
    def price(idx: list[int]) -> int:
        return evaluate(lines, [cand[k] for k in idx])

    alone = sorted(range(len(cand)), key=lambda k: (price([k]), k))
    chosen: list[int] = []
    current = sum(ln.list_cents for ln in lines)
    for k in alone:
        if all(compatible(cand[k], cand[c]) for c in chosen):
            trial = price(sorted(chosen + [k]))
            if trial < current:
                chosen, current = sorted(chosen + [k]), trial
    for k in list(chosen):
        rest = [c for c in chosen if c != k]
        if price(rest) <= current:
            chosen, current = rest, price(rest)
    return chosen


def explain(lines: list[CartLine], chosen: list[Offer]) -> tuple[QuoteLine, ...]:
    """Each line with what every chosen offer took off it, and its final price."""
    ordered = canonical(chosen)
    prices = [ln.list_cents for ln in lines]
    taken: list[list[Applied]] = [[] for _ in lines]
    bill = []
    for k, o in enumerate(ordered):
        e = effect_of(o, k, lines)
        if not e.is_line:
            bill.append(e)
            continue
        before = list(prices)
        apply_ops(e.ops, prices)
        for i in range(len(lines)):
            if prices[i] != before[i]:
                taken[i].append(Applied(o.code, o.name, before[i] - prices[i]))
    after_lines = list(prices)
    amounts = bill_amounts(bill, after_lines)
    for e, amount in zip(bill, amounts, strict=True):
        for i, share in sorted(allocate(amount, e.lines, prices).items()):
            if share:
                prices[i] -= share
                taken[i].append(Applied(e.offer.code, e.offer.name, share))
    return tuple(QuoteLine(ln.product_code, ln.name, ln.list_cents, tuple(taken[i]), prices[i])
                 for i, ln in enumerate(lines))


def redeem_points(payable_cents: int, requested: int, balance: int, rule: PointsRule) -> tuple[int, int]:
    """(points used, cents paid by them): whole yuan only, within balance, bill cap and the bill."""
    usable = max(0, min(requested, balance))
    cap = payable_cents * rule.cap_percent // 100
    if rule.cap_cents is not None:
        cap = min(cap, rule.cap_cents)
    units = min(usable // rule.points_per_yuan, cap // 100, payable_cents // 100)
    return units * rule.points_per_yuan, units * 100


def optimize(
    lines: list[CartLine],
    offers: list[Offer],
    *,
    channel: str | None,
    on_date: date,
    points: int = 0,
    points_balance: int = 0,
    points_rule: PointsRule = PointsRule(),
    stored_value_cents: int = 0,
    refused: tuple[NotApplied, ...] = (),
) -> Quote:
    """The best legal price of `lines` under `offers`, with per-line explanation and reasons."""
    usable, not_applied = screen(lines, offers, channel, on_date)
    chosen, payable_before_points = best_combination(lines, usable)
    chosen_codes = {o.code for o in chosen}
    for o in sorted(usable, key=lambda o: o.code):
        if o.code in chosen_codes:
            continue
        blocker = next((c for c in chosen if not compatible(o, c)), None)
        not_applied.append(NotApplied(o.code, o.name, "not_stackable", blocker.code)
                           if blocker else NotApplied(o.code, o.name, "no_gain"))
    explained = explain(lines, chosen)
    points_used, points_cents = redeem_points(payable_before_points, points, points_balance, points_rule)
    if points > points_used and points > 0:
        reason = "insufficient_points" if points > points_balance else "cap_reached"
        not_applied.append(NotApplied("POINTS", "points", reason))
    payable = payable_before_points - points_cents
    list_total = sum(ln.list_cents for ln in lines)
    return Quote(
        list_total_cents=list_total,
        payable_cents=payable,
        saving_cents=list_total - payable,
        lines=explained,
        not_applied=tuple(refused) + tuple(not_applied),
        offers_used=tuple(o.code for o in canonical(chosen)),
        points_redeemed=points_used,
        points_cents=points_cents,
        stored_value_usable_cents=min(max(stored_value_cents, 0), payable),
        channel=channel,
        on_date=on_date,
    )
