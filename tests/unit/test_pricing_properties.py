"""Properties of the optimizer on random small carts: it equals brute force over all offer subsets."""

from __future__ import annotations

from datetime import date
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.pricing.model import CartLine, Offer, choice_key, compatible, evaluate, screen
from core.pricing.search import optimize

DAY = date(2026, 6, 15)
PRODUCTS = ("A", "B", "C", "D")
CATEGORIES = ("exam", "lab", "treatment")
GROUPS = ("member", "promo", "coupon")
CHANNELS = ("meituan", "wecom")

lines_st = st.lists(
    st.builds(lambda p, c, cents: CartLine(p, p, c, "dental", cents),
              st.sampled_from(PRODUCTS), st.sampled_from(CATEGORIES), st.integers(0, 50_000)),
    min_size=1, max_size=5,
)


@st.composite
def offers_st(draw, max_size: int = 7):
    n = draw(st.integers(0, max_size))
    out = []
    for k in range(n):
        kind = draw(st.sampled_from(("channel_price", "free_quantity", "buy_get", "percent_off",
                                     "amount_off")))
        out.append(Offer(
            code=f"O{k}",
            name=f"offer {k}",
            kind=kind,
            channels=draw(st.sampled_from((frozenset(), frozenset({"meituan"})))),
            starts=draw(st.sampled_from((None, date(2026, 1, 1), date(2026, 7, 1)))),
            products=draw(st.frozensets(st.sampled_from(PRODUCTS), max_size=2)),
            categories=draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=1)),
            exclusive=draw(st.booleans()) and draw(st.booleans()),
            group=draw(st.sampled_from(GROUPS)),
            stacks_with=draw(st.frozensets(st.sampled_from(GROUPS))),
            percent=draw(st.integers(0, 60)),
            price_cents=draw(st.integers(0, 40_000)),
            amount_cents=draw(st.integers(0, 30_000)),
            threshold_cents=draw(st.integers(0, 80_000)),
            quantity=draw(st.integers(0, 3)),
            used=draw(st.integers(0, 2)),
            get_products=draw(st.frozensets(st.sampled_from(PRODUCTS), max_size=2)),
        ))
    return out


def brute_force(lines, offers, channel):
    """Every legal subset (applicable, pairwise stackable) evaluated; the best by the same key."""
    usable, _ = screen(lines, offers, channel, DAY)
    best = None
    for r in range(len(usable) + 1):
        for subset in combinations(usable, r):
            if any(not compatible(a, b) for a, b in combinations(subset, 2)):
                continue
            key = choice_key(evaluate(lines, list(subset)), list(subset))
            best = key if best is None or key < best else best
    return best


@settings(max_examples=50, deadline=None)
@given(lines=lines_st, offers=offers_st(), channel=st.sampled_from(CHANNELS))
def test_optimizer_equals_brute_force_over_all_offer_subsets(lines, offers, channel):
    q = optimize(lines, offers, channel=channel, on_date=DAY)
    used = [o for o in offers if o.code in q.offers_used]
    assert choice_key(q.payable_cents, used) == brute_force(lines, offers, channel)


@settings(max_examples=50, deadline=None)
@given(lines=lines_st, offers=offers_st(), channel=st.sampled_from(CHANNELS),
       points=st.integers(0, 20_000))
def test_money_identities_hold_to_the_cent(lines, offers, channel, points):
    q = optimize(lines, offers, channel=channel, on_date=DAY, points=points, points_balance=10_000)
    assert 0 <= q.payable_cents <= q.list_total_cents
    assert q.list_total_cents == sum(ln.list_cents for ln in lines)
    assert q.saving_cents == q.list_total_cents - q.payable_cents
    assert sum(ln.final_cents for ln in q.lines) == q.payable_cents + q.points_cents
    for ln in q.lines:
        assert 0 <= ln.final_cents <= ln.list_cents
        assert ln.list_cents - sum(a.amount_cents for a in ln.applied) == ln.final_cents
        assert all(a.amount_cents > 0 for a in ln.applied)
    assert {a.offer_code for ln in q.lines for a in ln.applied} == set(q.offers_used)
    assert q.points_redeemed <= min(points, 10_000)


@settings(max_examples=50, deadline=None)
@given(lines=lines_st, offers=offers_st(max_size=6), extra=offers_st(max_size=1),
       channel=st.sampled_from(CHANNELS))
def test_adding_an_offer_never_raises_the_price(lines, offers, extra, channel):
    before = optimize(lines, offers, channel=channel, on_date=DAY)
    added = [Offer(**{**o.__dict__, "code": "X" + o.code}) for o in extra]
    after = optimize(lines, offers + added, channel=channel, on_date=DAY)
    assert after.payable_cents <= before.payable_cents


@settings(max_examples=30, deadline=None)
@given(lines=lines_st, offers=offers_st())
def test_every_offer_is_either_used_or_explained(lines, offers):
    q = optimize(lines, offers, channel="wecom", on_date=DAY)
    explained = {n.offer_code for n in q.not_applied}
    assert set(q.offers_used) | explained == {o.code for o in offers}
    assert not set(q.offers_used) & explained
