"""Upsert one chunk of visit or order rows, column-wise; each row must name a member that exists."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.imports.columns import ParsedChunk
from core.imports.writing import (
    ChunkContext,
    Counts,
    audit_changes,
    fetch_frame,
    fetch_ids,
    insert_frame,
    resolve_codes,
    update_rows,
)
from db.models import Member, Order, Visit

# canonical column -> (stored column, default for a new row when the file lacks the column)
VISIT_COLUMNS = {"visit_date": ("visit_date", None), "kind": ("kind", "outpatient"),
                 "amount": ("amount_cents", 0)}
ORDER_COLUMNS = {"product_code": ("product_code", None), "channel": ("channel", None),
                 "ordered_at": ("ordered_at", None), "amount": ("amount_cents", 0), "status": ("status", "paid")}


SORT_KEY = {"visits": ["visit_date", "department_id"], "orders": ["ordered_at"]}


def _python_ints(series: pd.Series) -> pd.Series:
    """Integer ids as Python ints (None stays None), the type every driver binds."""
    out = np.full(len(series), None, dtype=object)
    present = series.notna().to_numpy()
    out[present] = [int(v) for v in series[present].tolist()]
    return pd.Series(out, index=series.index, dtype=object)


def _resolve(session: Session, chunk: ParsedChunk, ok: np.ndarray, ctx: ChunkContext, column: str,
             counts: Counts) -> pd.Series:
    """Ids of the branch or department each row names (None for none); unknown names refuse the row."""
    names = chunk.values[column]
    wanted = set(names[ok].dropna().unique().tolist())
    ids, unknown, created = resolve_codes(session, column, wanted, ctx.create_missing)
    counts.created[column] = sorted(created)
    chunk.refuse(ok & names.isin(unknown).to_numpy(), column, f"unknown_{column}")
    known = {name: ids[name] for name in wanted - unknown}
    return _python_ints(names.map(known)) if known else pd.Series([None] * len(names), index=names.index)


def _same(old: pd.Series, new: pd.Series) -> np.ndarray:
    both_none = old.isna().to_numpy() & new.isna().to_numpy()
    return both_none | (old.to_numpy(dtype=object) == new.to_numpy(dtype=object))


def _member_ids(session: Session, keys: np.ndarray, ctx: ChunkContext) -> pd.Series:
    """The ids of the members named by the chunk: from the import's preloaded list when it has one
    (members created since it was read are looked up), else one look-up for the chunk."""
    if ctx.member_ids is None:
        return fetch_ids(session, Member.__table__, "external_id", keys.tolist())
    keys = np.asarray(keys, dtype=object)
    at = ctx.member_ids.index.get_indexer(keys)  # the preloaded index hashes once, then looks up per chunk
    known = at >= 0
    found = pd.Series(ctx.member_ids.to_numpy()[at[known]], index=pd.Index(keys[known], dtype=object), dtype=object)
    if known.all():
        return found
    return pd.concat([found, fetch_ids(session, Member.__table__, "external_id", keys[~known].tolist())])


def write_facts(session: Session, kind: str, chunk: ParsedChunk, ctx: ChunkContext) -> Counts:
    """Insert new visits/orders, update changed ones, count unchanged ones; unknown references refuse rows."""
    counts = Counts()
    is_visit = kind == "visits"
    table = (Visit if is_visit else Order).__table__
    spec = VISIT_COLUMNS if is_visit else ORDER_COLUMNS
    refs: dict[str, pd.Series] = {}
    parsed = chunk.ok().to_numpy()
    if is_visit:
        if "branch" in ctx.columns:
            refs["branch_id"] = _resolve(session, chunk, parsed, ctx, "branch", counts)
        refs["department_id"] = _resolve(session, chunk, parsed, ctx, "department", counts)
    ok = chunk.ok().to_numpy()
    member_ext = chunk.values["member_external_id"]
    members = _member_ids(session, member_ext[ok].unique(), ctx)
    member_id = member_ext.map(members) if len(members) else pd.Series(np.nan, index=member_ext.index)
    chunk.refuse(ok & member_id.isna().to_numpy(), "member_external_id", "unknown_member")
    ok = chunk.ok().to_numpy()
    if not ok.any():
        return counts

    good = chunk.values[ok]
    fields = pd.DataFrame({"member_id": _python_ints(member_id[ok])}, index=good.index)
    for canonical, (stored, default) in spec.items():
        if canonical in ctx.columns:
            value = good[canonical]
            fields[stored] = value.where(value.notna(), default) if default is not None else value
    for stored, ids in refs.items():
        fields[stored] = ids[ok]
    external_id = good["external_id"]
    if ctx.fresh_table:  # an initial load: earlier chunks' rows are not looked up (duplicates were refused)
        existing = pd.DataFrame(columns=["id", *fields.columns], index=pd.Index([], name="external_id"))
    else:
        existing = fetch_frame(session, table, "external_id", external_id.tolist(), ["id", *fields.columns])
    is_new = ~external_id.isin(existing.index).to_numpy()

    new = fields[is_new].copy()
    for stored, default in spec.values():
        if stored not in new:
            new[stored] = default
    if is_visit and "branch_id" not in new:
        new["branch_id"] = None
    new.insert(0, "external_id", external_id[is_new])
    # in date order the date-led indexes grow at a few hundred places instead of one per row; in bulk
    # mode they are built afterwards, and file order keeps the external_id key growing at its end
    order = SORT_KEY[kind]
    if order and not ctx.bulk:
        new = new.sort_values(order, kind="stable")
    insert_frame(session, table, new[[c.name for c in table.c if c.name in new]])
    counts.inserted = int(is_new.sum())

    if (~is_new).any():
        _update_changed(session, kind, table, fields[~is_new], external_id[~is_new], existing, ctx, counts)
    return counts


def _update_changed(session: Session, kind: str, table, fields: pd.DataFrame,  # noqa: ANN001
                    external_id: pd.Series, existing: pd.DataFrame, ctx: ChunkContext, counts: Counts) -> None:
    """Update the rows whose stored values differ from the file's, with an audit entry each."""
    old = existing.loc[external_id.to_numpy()]
    differs = {c: ~_same(old[c], fields[c]) for c in fields.columns}
    changed_any = np.logical_or.reduce(list(differs.values()))
    counts.unchanged += int((~changed_any).sum())
    counts.updated += int(changed_any.sum())
    if not changed_any.any():
        return
    updates, audits = [], []
    columns = list(fields.columns)
    new_rows = fields[changed_any].to_dict("records")
    old_rows = old[changed_any].to_dict("records")
    masks = [differs[c][changed_any] for c in columns]
    for i, (ext, new_row, old_row) in enumerate(zip(external_id[changed_any].tolist(), new_rows, old_rows,
                                                    strict=True)):
        changed = {c: new_row[c] for c, mask in zip(columns, masks, strict=True) if mask[i]}
        updates.append({"id": old_row["id"], **changed})
        audits.append((ext, {c: old_row[c] for c in changed}, changed))
    update_rows(session, table, updates)
    audit_changes(session, ctx.actor, kind[:-1], audits)
