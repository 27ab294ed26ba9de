"""Fill step templates for members: {name} {week} {advisor} {product} {price}."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.i18n import money
from core.journeys.model import pregnancy_week_day, render
from core.journeys.senders import OutboundMessage
from db.models import MaternityRecord, Member, User
from db.models.journeys import JourneyStep


def product_facts(session: Session, member_id: int, product_code: str | None, channel: str | None,
                  on: date) -> tuple[str | None, int | None]:
    """The product's display name and the member's best price in cents (the code and None when pricing cannot say)."""
    if not product_code:
        return None, None
    try:
        from core.auth.model import SYSTEM, PermissionDenied
        from core.pricing.services import quote
    except ImportError:
        return product_code, None
    try:
        priced = quote(session, SYSTEM, member_id=member_id, product_codes=[product_code], channel=channel,
                       on_date=on)
    except (PermissionDenied, LookupError, ValueError):
        return product_code, None
    name = priced.lines[0].name if priced.lines else product_code
    return name, int(priced.payable_cents)


def member_values(session: Session, member_ids: list[int], on: date) -> dict[int, dict[str, object]]:
    """Per member: the name, pregnancy week on `on` and advisor name used by templates."""
    values: dict[int, dict[str, object]] = {}
    for chunk_start in range(0, len(member_ids), 900):
        chunk = member_ids[chunk_start:chunk_start + 900]
        rows = session.execute(
            select(Member.id, Member.name, Member.phone, MaternityRecord.expected_delivery_date,
                   MaternityRecord.delivery_date, User.display_name)
            .outerjoin(MaternityRecord, MaternityRecord.member_id == Member.id)
            .outerjoin(User, User.id == Member.advisor_id)
            .where(Member.id.in_(chunk))
        ).all()
        for mid, name, phone, edd, delivered, advisor in rows:
            week = None
            if edd is not None and delivered is None and edd > on:
                week = pregnancy_week_day(edd, on)[0]
            values[mid] = {"name": name or "", "week": week, "advisor": advisor or "", "phone": phone}
    return values


def plain_members(session: Session, member_ids: list[int]) -> set[int]:
    """Members whose best price depends on nothing of their own — no membership, held coupon, points or stored
    value — while no promotion is limited to a segment: one quote per product and channel prices them all."""
    from db.models.products import MemberCoupon, MemberMembership, PointsEntry, Promotion, StoredValueEntry

    if not member_ids or session.scalar(select(exists().where(Promotion.segment_id.is_not(None)))):
        return set()
    special: set[int] = set()
    for start in range(0, len(member_ids), 900):
        chunk = member_ids[start:start + 900]
        for table in (MemberMembership, PointsEntry, StoredValueEntry):
            special.update(session.scalars(select(table.member_id).where(table.member_id.in_(chunk)).distinct()))
        special.update(session.scalars(select(MemberCoupon.member_id).where(
            MemberCoupon.member_id.in_(chunk), MemberCoupon.status == "held").distinct()))
    return set(member_ids) - special


def messages_for(session: Session, rows, on: date) -> list[OutboundMessage]:  # noqa: ANN001
    """Render the message of each touch row (id, member_id, step_id, channel, product_code)."""
    templates = dict(session.execute(
        select(JourneyStep.id, JourneyStep.template).where(JourneyStep.id.in_({r.step_id for r in rows}))).all())
    people = member_values(session, sorted({r.member_id for r in rows}), on)
    priced = sorted({r.member_id for r in rows if r.product_code and (
        "{product}" in (templates.get(r.step_id) or "") or "{price}" in (templates.get(r.step_id) or ""))})
    plain = plain_members(session, priced)
    prices: dict[tuple[int, str, str | None], tuple[str | None, int | None]] = {}
    out = []
    for r in rows:
        person = dict(people.get(r.member_id, {}))
        template = templates.get(r.step_id) or ""
        if r.product_code and ("{product}" in template or "{price}" in template):
            key = (0 if r.member_id in plain else r.member_id, r.product_code, r.channel)
            if key not in prices:
                prices[key] = product_facts(session, r.member_id, r.product_code, r.channel, on)
            name, cents = prices[key]
            person["product"] = name
            person["price"] = money(cents) if cents is not None else ""
        out.append(OutboundMessage(r.id, r.member_id, r.step_id, r.channel, person.get("phone"),
                                   render(template, person)))
    return out
