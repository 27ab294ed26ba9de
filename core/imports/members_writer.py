"""Upsert one chunk of parsed member rows with their tags, household and maternity facts."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from core.imports.model import ParsedRow, merge_consent
from core.imports.writing import (
    ChunkContext,
    Counts,
    audit_changes,
    batched,
    fetch_by,
    insert_rows,
    resolve_codes,
    update_rows,
)
from db.models import Household, HouseholdMember, MaternityRecord, Member, MemberTag, Tag

M = Member.__table__
PLAIN = ("name", "gender", "birth_date", "phone", "city", "source_channel", "joined_at",
         "private_domain_since")
MATERNITY = ("expected_delivery_date", "delivery_date")
NEW_MEMBER = {**{c.name: None for c in M.c if c.name != "id"},
              "private_domain": False, "sms_consent": False, "wecom_consent": False}


def _member_fields(v: dict, old: dict | None, ctx: ChunkContext) -> dict:
    cols = ctx.columns
    fields = {c: v.get(c) for c in PLAIN if c in cols}
    if "phone" in cols:
        fields["phone_tail"] = v["phone"][-4:] if v.get("phone") else None
    if "private_domain" in cols:
        pd = v.get("private_domain")
        fields["private_domain"] = pd if pd is not None else (old["private_domain"] if old else False)
    for channel in ("sms", "wecom"):
        if f"{channel}_consent" in cols or f"{channel}_consent_at" in cols:
            value, at = merge_consent(
                old[f"{channel}_consent"] if old else None, old[f"{channel}_consent_at"] if old else None,
                v.get(f"{channel}_consent"), v.get(f"{channel}_consent_at"), ctx.now)
            fields[f"{channel}_consent"], fields[f"{channel}_consent_at"] = value, at
    return fields


def _existing_facts(session: Session, member_ids: list[int], cols: frozenset[str]) -> tuple[dict, dict, dict]:
    tags: dict[int, tuple] = {}
    households: dict[int, tuple] = {}
    maternity: dict[int, dict] = {}
    for part in batched(member_ids):
        if "tags" in cols:
            rows = session.execute(select(MemberTag.member_id, Tag.name).join(Tag, Tag.id == MemberTag.tag_id)
                                   .where(MemberTag.member_id.in_(part)))
            found: dict[int, list] = {}
            for mid, name in rows:
                found.setdefault(mid, []).append(name)
            tags.update({mid: tuple(sorted(names)) for mid, names in found.items()})
        if "household_id" in cols:
            rows = session.execute(
                select(HouseholdMember.member_id, Household.external_id, HouseholdMember.role,
                       HouseholdMember.key_person)
                .join(Household, Household.id == HouseholdMember.household_id)
                .where(HouseholdMember.member_id.in_(part)))
            households.update({r[0]: (r[1], r[2], bool(r[3])) for r in rows})
        if cols & set(MATERNITY):
            rows = session.execute(select(MaternityRecord.member_id, MaternityRecord.expected_delivery_date,
                                          MaternityRecord.delivery_date).where(MaternityRecord.member_id.in_(part)))
            maternity.update({r[0]: {"expected_delivery_date": r[1], "delivery_date": r[2]} for r in rows})
    return tags, households, maternity


def _facts(v: dict, cols: frozenset[str], old_maternity: dict | None) -> dict:
    """The related facts the file states for one member, as comparable plain values."""
    facts: dict = {}
    if "tags" in cols:
        facts["tags"] = v.get("tags") or ()
    if "household_id" in cols:
        hh = v.get("household_id")
        facts["household"] = None if hh is None else (hh, v.get("household_role"), bool(v.get("key_person")))
    if cols & set(MATERNITY):
        mat = dict(old_maternity or {"expected_delivery_date": None, "delivery_date": None})
        mat.update({c: v.get(c) for c in MATERNITY if c in cols})
        facts["maternity"] = None if old_maternity is None and not any(mat.values()) else mat
    return facts


def write_members(session: Session, rows: list[ParsedRow], ctx: ChunkContext) -> Counts:
    """Insert new members, update changed ones, count unchanged; rows with unknown branches get errors."""
    counts = Counts()
    cols = ctx.columns
    branch_ids: dict[str, int] = {}
    if "branch" in cols:
        wanted = {r.values["branch"] for r in rows if r.values.get("branch")}
        branch_ids, unknown, created = resolve_codes(session, "branch", wanted, ctx.create_missing)
        counts.created["branch"] = sorted(created)
        for r in rows:
            if r.values.get("branch") in unknown:
                r.errors["branch"] = "unknown_branch"
    good = [r for r in rows if not r.errors]
    existing = fetch_by(session, M, "external_id", [r.values["external_id"] for r in good])
    old_tags, old_households, old_maternity = _existing_facts(
        session, [e["id"] for e in existing.values()], cols)

    inserts: list[dict] = []
    updates: list[dict] = []
    audits: list[tuple[str, dict, dict]] = []
    fact_writes: dict[str, dict] = {}  # external_id -> facts to (re)write
    for r in good:
        v = r.values
        ext = v["external_id"]
        old = existing.get(ext)
        fields = _member_fields(v, old, ctx)
        if "branch" in cols:
            fields["branch_id"] = branch_ids.get(v["branch"]) if v.get("branch") else None
        if old is None:
            record = NEW_MEMBER.copy()
            record.update(fields)
            record.update(external_id=ext, updated_at=ctx.now)
            inserts.append(record)
            facts = _facts(v, cols, None)
            fact_writes[ext] = {k: f for k, f in facts.items() if f}
            continue
        mid = old["id"]
        before_facts = {"tags": old_tags.get(mid, ()), "household": old_households.get(mid),
                        "maternity": old_maternity.get(mid)}
        facts = _facts(v, cols, old_maternity.get(mid))
        changed = {k: f for k, f in fields.items() if old[k] != f}
        changed_facts = {k: f for k, f in facts.items() if before_facts[k] != f}
        if not changed and not changed_facts:
            counts.unchanged += 1
            continue
        counts.updated += 1
        if changed:
            updates.append({"id": mid, **changed, "updated_at": ctx.now})
        if changed_facts:
            fact_writes[ext] = changed_facts
        audits.append((ext, {**{k: old[k] for k in changed}, **{k: before_facts[k] for k in changed_facts}},
                       {**changed, **changed_facts}))

    insert_rows(session, M, inserts)
    counts.inserted = len(inserts)
    update_rows(session, M, updates)
    if fact_writes:
        ids = {ext: row["id"] for ext, row in fetch_by(session, M, "external_id", list(fact_writes), ["id"]).items()}
        _write_facts(session, {ids[ext]: facts for ext, facts in fact_writes.items()}, old_maternity, ctx)
    audit_changes(session, ctx.actor, "member", audits)
    return counts


def _write_facts(session: Session, by_member: dict[int, dict], old_maternity: dict, ctx: ChunkContext) -> None:
    tag_sets = {mid: f["tags"] for mid, f in by_member.items() if "tags" in f}
    if tag_sets:
        for part in batched(list(tag_sets)):
            session.execute(delete(MemberTag).where(MemberTag.member_id.in_(part)))
        names = {n for tags in tag_sets.values() for n in tags}
        tag_ids = {row.name: row.id for row in session.execute(select(Tag.id, Tag.name).where(Tag.name.in_(names)))}
        new_names = sorted(names - set(tag_ids))
        if new_names:
            session.execute(insert(Tag), [{"name": n} for n in new_names])
            tag_ids.update({row.name: row.id for row in
                            session.execute(select(Tag.id, Tag.name).where(Tag.name.in_(new_names)))})
        insert_rows(session, MemberTag.__table__,
                    [{"member_id": mid, "tag_id": tag_ids[n]} for mid, tags in tag_sets.items() for n in tags])
    households = {mid: f["household"] for mid, f in by_member.items() if "household" in f}
    if households:
        for part in batched(list(households)):
            session.execute(delete(HouseholdMember).where(HouseholdMember.member_id.in_(part)))
        wanted = {h[0] for h in households.values() if h}
        hh_ids = {ext: row["id"] for ext, row in fetch_by(session, Household.__table__, "external_id", wanted).items()}
        missing = sorted(wanted - set(hh_ids))
        if missing:
            session.execute(insert(Household), [{"external_id": e} for e in missing])
            hh_ids.update({ext: row["id"] for ext, row in
                           fetch_by(session, Household.__table__, "external_id", missing).items()})
        insert_rows(session, HouseholdMember.__table__, [
            {"member_id": mid, "household_id": hh_ids[h[0]], "role": h[1], "key_person": h[2]}
            for mid, h in households.items() if h])
    maternity = {mid: f["maternity"] for mid, f in by_member.items() if f.get("maternity") is not None}
    new_records = [{"member_id": mid, **m, "discharge_date": None, "updated_at": ctx.now}
                   for mid, m in maternity.items() if mid not in old_maternity]
    insert_rows(session, MaternityRecord.__table__, new_records)
    changed = [(mid, m) for mid, m in maternity.items() if mid in old_maternity]
    if changed:
        from sqlalchemy import bindparam, update

        t = MaternityRecord.__table__
        session.execute(
            update(t).where(t.c.member_id == bindparam("mid")).values(
                expected_delivery_date=bindparam("edd"), delivery_date=bindparam("dd"), updated_at=bindparam("at")),
            [{"mid": mid, "edd": m["expected_delivery_date"], "dd": m["delivery_date"], "at": ctx.now}
             for mid, m in changed])
