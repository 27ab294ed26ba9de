"""Import use cases: check a file, stream it in chunks, upsert each chunk in one transaction, report."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.clock import today as local_today
from core.clock import utcnow
from core.i18n import t
from core.imports.bulk import BULK_MIN_ROWS, bulk_indexes, is_empty, restore_indexes, wants_bulk
from core.imports.columns import ParsedChunk, parse_chunk
from core.imports.facts_writer import write_facts
from core.imports.files import check_size
from core.imports.members_writer import write_members
from core.imports.model import (
    COLUMNS,
    KINDS,
    ImportFileError,
    resolve_headers,
    row_parser,
)
from core.imports.prefetch import read_ahead
from core.imports.reader import Source, iter_blocks, iter_rows, open_source
from core.imports.writing import ChunkContext, all_ids
from db.engine import is_postgres
from db.models import Member
from db.models.imports import ImportRun

IMPORTERS = ("admin", "lead")
# rows per transaction: member rows carry more columns and are written row by row, visits and orders
# are written column-wise, where fewer, larger chunks rewrite the big indexes' pages fewer times
CHUNK_ROWS = {"members": 100_000, "visits": 200_000, "orders": 200_000}
SQLITE_CACHE_KB = 256 * 1024


@dataclass
class Rejection:
    """A row that was not stored: where it is in the file, its cells, and why."""

    line: int
    cells: list
    reasons: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportResult:
    kind: str
    file_name: str
    dry_run: bool
    headers: list[str]
    ignored: list[str]
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    created: dict[str, list[str]] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def exit_code(self) -> int:
        return 1 if self.rejections else 0

    def summary(self) -> str:
        """The last line a clerk reads: inserted N, updated N, unchanged N, rejected N."""
        return (f"inserted {self.inserted}, updated {self.updated}, unchanged {self.unchanged}, "
                f"rejected {self.rejected}")

    def missing(self) -> dict[str, list[str]]:
        """Branch and department names that were rejected as unknown (to offer creating them)."""
        found: dict[str, set[str]] = {}
        for rej in self.rejections:
            for column, reason in rej.reasons.items():
                if reason == f"unknown_{column}" and rej.values.get(column):
                    found.setdefault(column, set()).add(str(rej.values[column]))
        return {k: sorted(v) for k, v in found.items()}


def reason_text(reasons: dict[str, str], lang: str) -> str:
    """`column: reason` pairs in the clerk's language."""
    return "; ".join(f"{col}: {t('imports.reason.' + reason, lang)}" for col, reason in reasons.items())


def _cells_by_column(colmap: dict[str, int], cells: list) -> dict[str, object]:
    return {c: (cells[i] if i < len(cells) else None) for c, i in colmap.items()}


def store_upload(data: bytes, file_name: str, *, max_mb: int) -> Path:
    """Keep an uploaded file in a private temporary file (size cap checked first); returns its path."""
    check_size(len(data), max_mb)
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        raise ImportFileError("imports.file.bad_suffix", suffix=suffix or "-")
    fd, name = tempfile.mkstemp(prefix="careloop_import_", suffix=suffix)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Path(name)


def discard_upload(path: Path | str) -> None:
    """Delete a file kept by store_upload (only such files: their name says so)."""
    path = Path(path)
    if path.name.startswith("careloop_import_") and path.parent == Path(tempfile.gettempdir()):
        path.unlink(missing_ok=True)


def check_file(path: Path, kind: str, *, max_mb: int, max_rows: int, mapping: dict[str, str] | None = None,
               full_check: bool = True) -> tuple[Source, dict[str, int], list[str]]:
    """Everything that makes a file unusable, checked before any row is parsed (ImportFileError)."""
    source = open_source(path, max_mb=max_mb, max_rows=max_rows, full_check=full_check)
    colmap, ignored = resolve_headers(kind, source.headers, mapping)
    return source, colmap, ignored


def file_headers(path: Path, *, max_mb: int, max_rows: int) -> list[str]:
    """The header row of a file (after the size, format, encoding and row-cap checks)."""
    return open_source(path, max_mb=max_mb, max_rows=max_rows, full_check=False).headers


@dataclass
class Preview:
    headers: list[str]
    columns: list[str]
    ignored: list[str]
    rows: list[dict[str, object]]
    errors: list[dict[str, str]]


def preview_file(path: Path, kind: str, *, max_mb: int, max_rows: int, mapping: dict[str, str] | None = None,
                 limit: int = 20, today: date | None = None) -> Preview:
    """The first rows under canonical column names, with the reason for each cell that will be refused."""
    source, colmap, ignored = check_file(path, kind, max_mb=max_mb, max_rows=max_rows, mapping=mapping,
                                         full_check=False)
    parse = row_parser(kind, colmap, today or local_today())
    rows, errors = [], []
    for n, (line, cells) in enumerate(iter_rows(source)):
        if n >= limit:
            break
        raw = _cells_by_column(colmap, cells)
        parsed = parse(line, cells)
        rows.append({c: ("" if raw[c] is None else str(raw[c])) for c in COLUMNS[kind] if c in raw})
        errors.append(parsed.errors)
    return Preview(source.headers, [c for c in COLUMNS[kind] if c in colmap], ignored, rows, errors)


def import_file(
    session: Session, actor: Actor, kind: str, path: Path, *, max_mb: int, max_rows: int,
    mapping: dict[str, str] | None = None, source_name: str | None = None, dry_run: bool = False,
    create_missing: bool = False, chunk_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None, today: date | None = None, file_name: str | None = None,
    bulk_min_rows: int = BULK_MIN_ROWS,
) -> ImportResult:
    """Import a CSV/XLSX file of members, visits or orders; each chunk commits (or rolls back) as a whole.

    A visits or orders file at least as large as its table (and of bulk_min_rows rows or more) is
    loaded in bulk mode (core.imports.bulk): the table's secondary indexes are built once at the end.
    """
    require_role(actor, *IMPORTERS)
    if kind not in KINDS:
        raise ImportFileError("imports.file.bad_kind", kind=kind)
    source, colmap, ignored = check_file(Path(path), kind, max_mb=max_mb, max_rows=max_rows, mapping=mapping)
    today = today or local_today()
    result = ImportResult(kind, file_name or Path(path).name, dry_run, source.headers, ignored)
    with session.begin():
        run = ImportRun(kind=kind, file_name=result.file_name[:255], source=source_name, actor=actor.username,
                        dry_run=dry_run, status="running", inserted=0, updated=0, unchanged=0, rejected=0,
                        started_at=utcnow())
        session.add(run)
        session.flush()
        result.run_id = run.id
    seen: set[str] = set()
    done = 0
    engine = session.get_bind()
    try:
        restore_indexes(engine)  # what a bulk import killed half way left unbuilt
        bulk = not dry_run and wants_bulk(engine, kind, source.rows, min_rows=bulk_min_rows)
        fresh = kind != "members" and not dry_run and is_empty(engine, kind)
        ctx = ChunkContext(actor.username, frozenset(colmap), create_missing, utcnow(), bulk, fresh,
                           _preloaded_members(session, kind, source.rows, bulk_min_rows // 5))
        with bulk_indexes(engine, kind, bulk):
            for chunk in read_ahead(_chunks(source, kind, colmap, today, chunk_rows or CHUNK_ROWS[kind])):
                _refuse_duplicates(chunk, seen)
                _import_chunk(session, kind, chunk, ctx, result, dry_run)
                done += len(chunk.lines)
                if progress:
                    progress(done, source.rows)
    except BaseException:
        if session.in_transaction():
            session.rollback()
        _finish_run(session, actor, result, "failed")
        raise
    _finish_run(session, actor, result, "done")
    return result


def _preloaded_members(session: Session, kind: str, rows: int, min_rows: int) -> pd.Series | None:
    """Every member's id by external_id when a visits/orders file of min_rows rows or more has at least
    as many rows as there are members: one read instead of looking most members up in every chunk."""
    if kind == "members" or rows < min_rows:
        return None
    with session.begin():
        members = session.scalar(select(func.count()).select_from(Member)) or 0
        return all_ids(session, Member.__table__, "external_id") if rows >= members else None


def _chunks(source: Source, kind: str, colmap: dict[str, int], today: date, size: int) -> Iterator[ParsedChunk]:
    """The file's rows, parsed a chunk of `size` rows at a time."""
    typed = source.fmt == "xlsx"
    for lines, cells in iter_blocks(source, size):
        yield parse_chunk(kind, colmap, lines, cells, today, typed=typed)


def _refuse_duplicates(chunk: ParsedChunk, seen: set[str]) -> None:
    """A repeated external_id (within the chunk or after an earlier one) refuses every later row."""
    external_id = chunk.values["external_id"]
    present = external_id.notna().to_numpy()
    ids = external_id.tolist()
    again = np.fromiter((e in seen for e in ids), dtype=bool, count=len(ids))
    duplicate = present & (again | external_id.duplicated().to_numpy())
    chunk.refuse(duplicate, "external_id", "duplicate_external_id")
    seen.update(external_id[present].tolist())


@contextmanager
def _sqlite_import_cache(session: Session) -> Iterator[None]:
    """On SQLite, give a chunk's writes a larger page cache and read through it instead of a file mapping.

    A chunk dirties pages all over the large indexes; a cache that holds them writes each page to the
    WAL once per chunk instead of spilling it repeatedly. Memory-mapped reads of a multi-GB file would
    count against the import's resident memory; the import only looks rows up by key.
    """
    if is_postgres(session):
        yield
        return
    conn = session.connection()
    before = (conn.exec_driver_sql("PRAGMA mmap_size").scalar(), conn.exec_driver_sql("PRAGMA cache_size").scalar())
    conn.exec_driver_sql("PRAGMA mmap_size=0")
    conn.exec_driver_sql(f"PRAGMA cache_size={-SQLITE_CACHE_KB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA mmap_size={int(before[0] or 0)}")
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before[1] or -2000)}")


def _import_chunk(session: Session, kind: str, chunk: ParsedChunk, ctx: ChunkContext,
                  result: ImportResult, dry_run: bool) -> None:
    rows = chunk.parsed_rows() if kind == "members" else None
    tx = session.begin()
    try:
        with _sqlite_import_cache(session):
            if rows is not None:
                counts = write_members(session, [r for r in rows if not r.errors], ctx)
            else:
                counts = write_facts(session, kind, chunk, ctx)
    except BaseException:
        tx.rollback()
        raise
    if dry_run:
        tx.rollback()
    else:
        tx.commit()
    result.inserted += counts.inserted
    result.updated += counts.updated
    result.unchanged += counts.unchanged
    for column, created in counts.created.items():
        if created:
            result.created.setdefault(column, [])
            result.created[column] = sorted(set(result.created[column]) | set(created))
    if rows is not None:
        result.rejections.extend(Rejection(r.line, chunk.cells[i], dict(r.errors), dict(r.values))
                                 for i, r in enumerate(rows) if r.errors)
        return
    for i in np.flatnonzero(~chunk.ok().to_numpy()):
        result.rejections.append(Rejection(chunk.lines[i], chunk.cells[i], chunk.row_errors(i),
                                           chunk.values.iloc[i].to_dict()))


def _finish_run(session: Session, actor: Actor, result: ImportResult, status: str) -> None:
    with session.begin():
        session.execute(update(ImportRun).where(ImportRun.id == result.run_id).values(
            status=status, inserted=result.inserted, updated=result.updated, unchanged=result.unchanged,
            rejected=result.rejected, finished_at=utcnow()))
        if not result.dry_run:
            record(session, actor, "import", "import_run", result.run_id, {
                "kind": result.kind, "file": result.file_name, "status": status, "inserted": result.inserted,
                "updated": result.updated, "unchanged": result.unchanged, "rejected": result.rejected,
                "created": result.created or None})


def write_rejections(path: Path, result: ImportResult, lang: str) -> None:
    """The rejected rows with their original cells plus the file line and the reason (UTF-8 with BOM)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*result.headers, "line", "reason"])
        for rej in result.rejections:
            cells = ["" if c is None else c for c in rej.cells]
            cells += [""] * (len(result.headers) - len(cells))
            writer.writerow([*cells[:len(result.headers)], rej.line, reason_text(rej.reasons, lang)])


def rejection_rows(result: ImportResult, lang: str) -> list[dict[str, object]]:
    """The rejected rows as records (original headers, line, reason) for a table or a download."""
    out = []
    for rej in result.rejections:
        row = {h: (rej.cells[i] if i < len(rej.cells) else None) for i, h in enumerate(result.headers)}
        row["line"] = rej.line
        row["reason"] = reason_text(rej.reasons, lang)
        out.append(row)
    return out
