"""Members of a segment for a sample and for export: canonical member columns, PII masked per role."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.imports.model import COLUMNS, export_cell
from core.members.model import age_on, pii_level, shown_name, shown_phone
from core.segments.compile import member_ids
from core.segments.model import parse_rule
from core.segments.services import MANAGERS, transaction
from db.models import Branch, Household, HouseholdMember, MaternityRecord, Member, MemberTag, Tag

EXPORT_COLUMNS = COLUMNS["members"]
PAGE_ROWS = 5_000
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class SampleMember:
    id: int
    external_id: str
    name: str | None
    gender: str | None
    age: int | None
    phone: str | None
    city: str | None
    branch: str | None
    private_domain: bool


def sample(session: Session, actor: Actor, rule: dict, *, as_of: date, limit: int = 20) -> list[SampleMember]:
    """The first members matching the rule, with name and phone as the actor may see them."""
    require_role(actor, *MANAGERS)
    ids = member_ids(parse_rule(rule), as_of=as_of).subquery()
    stmt = (select(Member, Branch.code).join(ids, ids.c.member_id == Member.id)
            .outerjoin(Branch, Branch.id == Member.branch_id).order_by(Member.id).limit(limit))
    with transaction(session):
        out = []
        for m, branch in session.execute(stmt):
            level = pii_level(actor, m.advisor_id)
            out.append(SampleMember(m.id, m.external_id, shown_name(m.name, level), m.gender,
                                    age_on(m.birth_date, as_of), shown_phone(m.phone, level), m.city, branch,
                                    bool(m.private_domain)))
        return out


def _pages(session: Session, actor: Actor, rule: dict, as_of: date) -> Iterator[list[list[str]]]:
    ids = member_ids(parse_rule(rule), as_of=as_of).subquery()
    branches = dict(session.execute(select(Branch.id, Branch.code)).all())
    last = 0
    while True:
        members = session.scalars(select(Member).join(ids, ids.c.member_id == Member.id).where(Member.id > last)
                                  .order_by(Member.id).limit(PAGE_ROWS)).all()
        if not members:
            return
        page_ids = [m.id for m in members]
        last = page_ids[-1]
        tags: dict[int, list[str]] = {}
        for mid, name in session.execute(select(MemberTag.member_id, Tag.name).join(Tag, Tag.id == MemberTag.tag_id)
                                         .where(MemberTag.member_id.in_(page_ids))):
            tags.setdefault(mid, []).append(name)
        households = {mid: (ext, role, bool(kp)) for mid, ext, role, kp in session.execute(
            select(HouseholdMember.member_id, Household.external_id, HouseholdMember.role, HouseholdMember.key_person)
            .join(Household, Household.id == HouseholdMember.household_id)
            .where(HouseholdMember.member_id.in_(page_ids)))}
        maternity = {mid: (edd, dd) for mid, edd, dd in session.execute(
            select(MaternityRecord.member_id, MaternityRecord.expected_delivery_date, MaternityRecord.delivery_date)
            .where(MaternityRecord.member_id.in_(page_ids)))}
        rows = []
        for m in members:
            level = pii_level(actor, m.advisor_id)
            hh = households.get(m.id, (None, None, None))
            mat = maternity.get(m.id, (None, None))
            values = [m.external_id, shown_name(m.name, level), m.gender, m.birth_date, shown_phone(m.phone, level),
                      m.city, branches.get(m.branch_id), m.source_channel, m.joined_at, m.private_domain,
                      m.private_domain_since, m.sms_consent, m.sms_consent_at, m.wecom_consent, m.wecom_consent_at,
                      ";".join(sorted(tags.get(m.id, []))) or None, hh[0], hh[1], hh[2] if hh[0] else None,
                      mat[0], mat[1]]
            rows.append([export_cell(v) for v in values])
        session.expunge_all()
        yield rows


def export_members(session: Session, actor: Actor, rule: dict, *, as_of: date, fmt: str = "csv",
                   segment_id: int | None = None) -> bytes:
    """The matching members as a CSV (UTF-8 with BOM, opens in Excel) or XLSX file; the export is audited."""
    require_role(actor, *MANAGERS)
    if fmt not in FORMATS:
        raise ValueError(fmt)
    with transaction(session):
        rows = [row for page in _pages(session, actor, rule, as_of) for row in page]
        record(session, actor, "export", "segment", segment_id,
               {"rows": len(rows), "format": fmt, "as_of": as_of, "rule": json.dumps(rule, ensure_ascii=False)})
    return _xlsx(rows) if fmt == "xlsx" else _csv(rows)


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("members")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
