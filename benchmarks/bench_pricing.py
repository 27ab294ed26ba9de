"""Time a quote of a 10-item cart with 30 applicable offers (reference: under 50 ms).

Run: .venv/bin/python benchmarks/bench_pricing.py
Prints the median and worst of repeated runs for three stacking shapes: the demo's groups
(member / promo / coupon / channel), every offer stackable with every other, and all exclusive.
With CARELOOP_DATABASE_URL pointing at a demo database it also times `careloop price quote`'s service
call (loading the member's memberships, coupons, points and the promotions, then optimizing).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.pricing.model import CartLine, Offer  # noqa: E402
from core.pricing.search import optimize  # noqa: E402

DAY = date(2026, 6, 15)
CATEGORIES = ("consultation", "exam", "lab", "treatment", "inpatient", "nursing", "goods")
REFERENCE_MS = 50.0


def cart(rng: random.Random) -> list[CartLine]:
    return [CartLine(f"P{i:02d}", f"产品{i}", CATEGORIES[i % len(CATEGORIES)], "dental",
                     rng.randrange(5_000, 300_000, 100)) for i in range(10)]


def offers(rng: random.Random, shape: str) -> list[Offer]:
    groups = ("member", "promo", "coupon", "channel")
    stacking = {"member": {"promo", "coupon", "channel"}, "promo": {"member", "coupon"},
                "coupon": {"member", "promo"}, "channel": {"member"}}
    out = []
    for k in range(30):
        kind = ("channel_price", "free_quantity", "buy_get", "percent_off", "amount_off")[k % 5]
        group = groups[k % 4]
        if shape == "groups":
            rule = dict(group=group, stacks_with=frozenset(stacking[group]))
        elif shape == "all_stackable":
            rule = dict(group="all", stacks_with=frozenset({"all"}))
        else:
            rule = dict(exclusive=True)
        out.append(Offer(
            code=f"O{k:02d}", name=f"优惠{k}", kind=kind,
            products=frozenset({f"P{rng.randrange(10):02d}", f"P{rng.randrange(10):02d}"}),
            categories=frozenset({rng.choice(CATEGORIES)}),
            percent=rng.randrange(5, 30), price_cents=rng.randrange(5_000, 200_000, 100),
            amount_cents=rng.randrange(1_000, 50_000, 100), threshold_cents=rng.randrange(0, 500_000, 100),
            quantity=rng.randrange(1, 3), get_products=frozenset({f"P{rng.randrange(10):02d}"}),
            **rule,
        ))
    return out


def bench_database(url: str) -> None:
    from sqlalchemy import select

    from core.auth.model import SYSTEM
    from core.pricing.services import quote
    from db.engine import make_engine, make_session_factory
    from db.models.products import MemberCoupon, Product

    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    with session_factory() as s:
        codes = list(s.scalars(select(Product.code).where(Product.status == "published").order_by(Product.code)))[:10]
        member = s.scalar(select(MemberCoupon.member_id).order_by(MemberCoupon.member_id))
    if not codes or member is None:
        print("  database: no demo catalogue found")
        return
    times = []
    for _ in range(20):
        with session_factory() as s:
            start = time.perf_counter()
            quote(s, SYSTEM, member_id=member, product_codes=codes, channel="meituan", on_date=DAY, points=2_000)
            times.append((time.perf_counter() - start) * 1000)
    print(f"  database quote of {len(codes)} demo products for member {member}: "
          f"median {statistics.median(times):7.2f} ms   worst {max(times):7.2f} ms")
    engine.dispose()


def main() -> None:
    print(f"quote of a 10-item cart with 30 offers (reference < {REFERENCE_MS:.0f} ms)")
    for shape in ("groups", "all_stackable", "exclusive"):
        times = []
        for seed in range(20):
            rng = random.Random(seed)
            lines, offs = cart(rng), offers(rng, shape)
            start = time.perf_counter()
            optimize(lines, offs, channel="wecom", on_date=DAY, points=2_000, points_balance=5_000)
            times.append((time.perf_counter() - start) * 1000)
        print(f"  {shape:14} median {statistics.median(times):7.2f} ms   worst {max(times):7.2f} ms")
    url = os.environ.get("CARELOOP_DATABASE_URL", "").strip()
    if url:
        bench_database(url)


if __name__ == "__main__":
    main()
