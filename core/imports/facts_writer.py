"""Upsert one chunk of parsed visit or order rows; each must name a member that exists."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.imports.model import ParsedRow
from core.imports.writing import (
    ChunkContext,
    Counts,
    audit_changes,
    fetch_by,
    insert_rows,
    resolve_codes,
    update_rows,
)
from db.models import Member, Order, Visit

# canonical column -> (stored column, default for a new row when the file lacks the column)
VISIT_COLUMNS = {"visit_date": ("visit_date", None), "kind": ("kind", "outpatient"),
                 "amount": ("amount_cents", 0)}
ORDER_COLUMNS = {"product_code": ("product_code", None), "channel": ("channel", None),
                 "ordered_at": ("ordered_at", None), "amount": ("amount_cents", 0), "status": ("status", "paid")}


def _resolve(session: Session, rows: list[ParsedRow], ctx: ChunkContext, column: str, counts: Counts) -> dict:
    if column not in ctx.columns:
        return {}
    wanted = {r.values[column] for r in rows if r.values.get(column)}
    ids, unknown, created = resolve_codes(session, column, wanted, ctx.create_missing)
    counts.created[column] = sorted(created)
    for r in rows:
        if r.values.get(column) in unknown:
            r.errors[column] = f"unknown_{column}"
    return ids


def write_facts(session: Session, kind: str, rows: list[ParsedRow], ctx: ChunkContext) -> Counts:
    """Insert new visits/orders, update changed ones, count unchanged ones; unknown references get errors."""
    counts = Counts()
    table = (Visit if kind == "visits" else Order).__table__
    present = [(canonical, stored, default) for canonical, (stored, default)
               in (VISIT_COLUMNS if kind == "visits" else ORDER_COLUMNS).items() if canonical in ctx.columns]
    base = {stored: default for stored, default in (VISIT_COLUMNS if kind == "visits" else ORDER_COLUMNS).values()}
    is_visit = kind == "visits"
    with_branch = is_visit and "branch" in ctx.columns
    if is_visit:
        base["branch_id"] = None
    branches = _resolve(session, rows, ctx, "branch", counts) if is_visit else {}
    departments = _resolve(session, rows, ctx, "department", counts) if is_visit else {}
    members = fetch_by(session, Member.__table__, "external_id",
                       [r.values["member_external_id"] for r in rows if not r.errors], ["id"])
    for r in rows:
        if not r.errors and r.values["member_external_id"] not in members:
            r.errors["member_external_id"] = "unknown_member"
    good = [r for r in rows if not r.errors]
    existing = fetch_by(session, table, "external_id", [r.values["external_id"] for r in good])
    inserts, updates, audits = [], [], []
    for r in good:
        v = r.values
        fields = {"member_id": members[v["member_external_id"]]["id"]}
        for canonical, stored, default in present:
            value = v[canonical]
            fields[stored] = default if value is None and default is not None else value
        if is_visit:
            fields["department_id"] = departments[v["department"]]
            if with_branch:
                fields["branch_id"] = branches[v["branch"]] if v["branch"] else None
        old = existing.get(v["external_id"])
        if old is None:
            record = base.copy()
            record.update(fields)
            record["external_id"] = v["external_id"]
            inserts.append(record)
            continue
        changed = {k: f for k, f in fields.items() if old[k] != f}
        if not changed:
            counts.unchanged += 1
            continue
        updates.append({"id": old["id"], **changed})
        audits.append((v["external_id"], {k: old[k] for k in changed}, changed))
    insert_rows(session, table, inserts)
    update_rows(session, table, updates)
    audit_changes(session, ctx.actor, kind[:-1], audits)
    counts.inserted, counts.updated = len(inserts), len(updates)
    return counts
