"""Export members, visits and orders with the canonical import columns (a round trip changes nothing)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.imports.cells import cents_to_text, export_cell
from core.imports.model import COLUMNS, KINDS, ImportFileError
from core.imports.writing import batched
from core.members.model import local_phone
from db.models import (
    Branch,
    Department,
    Household,
    HouseholdMember,
    MaternityRecord,
    Member,
    MemberTag,
    Order,
    Tag,
    Visit,
)

EXPORTERS = ("admin", "lead")
PAGE_ROWS = 20_000


def _codes(session: Session, model) -> dict[int, str]:  # noqa: ANN001
    return dict(session.execute(select(model.id, model.code)).all())


def _member_pages(session: Session) -> Iterator[list[list]]:
    branches = _codes(session, Branch)
    last = 0
    while True:
        members = session.execute(select(Member).where(Member.id > last).order_by(Member.id)
                                  .limit(PAGE_ROWS)).scalars().all()
        if not members:
            return
        ids = [m.id for m in members]
        last = ids[-1]
        tags: dict[int, list[str]] = {}
        households: dict[int, tuple] = {}
        maternity: dict[int, tuple] = {}
        for part in batched(ids):
            for mid, name in session.execute(select(MemberTag.member_id, Tag.name)
                                             .join(Tag, Tag.id == MemberTag.tag_id)
                                             .where(MemberTag.member_id.in_(part))):
                tags.setdefault(mid, []).append(name)
            for mid, ext, role, kp in session.execute(
                    select(HouseholdMember.member_id, Household.external_id, HouseholdMember.role,
                           HouseholdMember.key_person)
                    .join(Household, Household.id == HouseholdMember.household_id)
                    .where(HouseholdMember.member_id.in_(part))):
                households[mid] = (ext, role, bool(kp))
            for mid, edd, dd in session.execute(
                    select(MaternityRecord.member_id, MaternityRecord.expected_delivery_date,
                           MaternityRecord.delivery_date).where(MaternityRecord.member_id.in_(part))):
                maternity[mid] = (edd, dd)
        page = []
        for m in members:
            hh = households.get(m.id, (None, None, None))
            mat = maternity.get(m.id, (None, None))
            values = [m.external_id, m.name, m.gender, m.birth_date, local_phone(m.phone), m.city,
                      branches.get(m.branch_id), m.source_channel, m.joined_at, m.private_domain,
                      m.private_domain_since, m.sms_consent, m.sms_consent_at, m.wecom_consent,
                      m.wecom_consent_at, ";".join(sorted(tags.get(m.id, []))) or None, hh[0], hh[1],
                      hh[2] if hh[0] else None, mat[0], mat[1]]
            page.append([export_cell(v) for v in values])
        session.expunge_all()
        yield page


def _fact_pages(session: Session, kind: str) -> Iterator[list[list]]:
    model = Visit if kind == "visits" else Order
    last = 0
    branches = _codes(session, Branch)
    departments = _codes(session, Department)
    if kind == "visits":
        cols = (Visit.id, Visit.external_id, Member.external_id, Visit.visit_date, Visit.branch_id,
                Visit.department_id, Visit.kind, Visit.amount_cents)
    else:
        cols = (Order.id, Order.external_id, Member.external_id, Order.product_code, Order.channel,
                Order.ordered_at, Order.amount_cents, Order.status)
    while True:
        rows = session.execute(select(*cols).join(Member, Member.id == model.member_id)
                               .where(model.id > last).order_by(model.id).limit(PAGE_ROWS)).all()
        if not rows:
            return
        last = rows[-1][0]
        page = []
        for r in rows:
            if kind == "visits":
                values = [r[1], r[2], r[3], branches.get(r[4]), departments.get(r[5]), r[6], cents_to_text(r[7])]
            else:
                values = [r[1], r[2], r[3], r[4], r[5], cents_to_text(r[6]), r[7]]
            page.append([export_cell(v) for v in values])
        yield page


def export_pages(session: Session, kind: str) -> Iterator[list[list]]:
    """Pages of export rows (cells already formula-escaped) in the order of COLUMNS[kind]."""
    if kind not in KINDS:
        raise ImportFileError("imports.file.bad_kind", kind=kind)
    return _member_pages(session) if kind == "members" else _fact_pages(session, kind)


def export_file(session: Session, actor: Actor, kind: str, out: Path) -> int:
    """Write all rows of a kind to a .csv (UTF-8 with BOM) or .xlsx file; audit who exported how many."""
    require_role(actor, *EXPORTERS)
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFileError("imports.file.bad_suffix", suffix=suffix or "-")
    count = 0
    with session.begin():
        if suffix == ".csv":
            with open(out, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(COLUMNS[kind])
                for page in export_pages(session, kind):
                    writer.writerows(page)
                    count += len(page)
        else:
            import openpyxl

            wb = openpyxl.Workbook(write_only=True)
            ws = wb.create_sheet(kind)
            ws.append(list(COLUMNS[kind]))
            for page in export_pages(session, kind):
                for row in page:
                    ws.append(row)
                count += len(page)
            wb.save(out)
        record(session, actor, "export", kind, None, {"rows": count, "file": out.name})
    return count


def record_export(session: Session, actor: Actor, entity: str, rows: int, fmt: str, file_name: str) -> None:
    """Audit one download of a table view: who took which list, how many rows, in which format."""
    with session.begin():
        record(session, actor, "export", entity, None, {"rows": rows, "format": fmt, "file": file_name})
