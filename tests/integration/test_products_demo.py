"""The demo catalogue: every demo order's product exists, published, at the demo's price; holdings price."""

from __future__ import annotations

from datetime import date

from core.auth.model import Actor
from core.demo.generator import PRODUCT_CODES
from core.pricing.services import quote
from core.products import demo
from core.products.services import list_published
from tests.builders import make_member, make_order

AS_OF = date(2026, 9, 1)
ADVISOR = Actor(4, "adv1", "顾问", "advisor")


def test_demo_catalogue_publishes_every_demo_order_product_at_its_price(engine, Session, session):
    demo.seed(engine, Session, seed=42, as_of=AS_OF)
    published = {p.code: p for p in list_published(session)}
    assert {code: published[code].list_price_cents for code, _, _ in PRODUCT_CODES} == {
        code: cents for code, _, cents in PRODUCT_CODES}
    assert {published[code].department for code, _, _ in PRODUCT_CODES} == {d for _, d, _ in PRODUCT_CODES}
    assert all(p.script for p in published.values())


def test_annual_card_buyers_get_free_consultations_and_member_discounts(engine, Session, session):
    child = make_member(session, private_domain=True)
    make_order(session, child, date(2026, 3, 1), product_code="PED-ANNUAL", amount_cents=298_000)
    demo.seed(engine, Session, seed=42, as_of=AS_OF)
    q = quote(session, ADVISOR, member_id=child, product_codes=["PED-CONSULT", "PED-CHECK", "EYE-RECHECK"],
              channel=None, on_date=AS_OF)
    assert q.offers_used == ("PEDCARD-FREE12", "PEDCARD-EXAM10", "SCHOOL-EYE")
    # consultation free; check 680 × 90%; eye re-check 268 × 80% × 90%
    assert [ln.final_cents for ln in q.lines] == [0, 61_200, 19_296]


def test_meituan_scaling_price_and_expired_double11_are_explained(engine, Session, session):
    member = make_member(session)
    demo.seed(engine, Session, seed=42, as_of=AS_OF)
    q = quote(session, ADVISOR, member_id=member, product_codes=["DEN-SCALING"], channel="meituan", on_date=AS_OF)
    assert (q.payable_cents, q.offers_used) == (12_800, ("MT-SCALING",))
    assert ("DOUBLE11", "expired") in {(n.offer_code, n.reason) for n in q.not_applied}
