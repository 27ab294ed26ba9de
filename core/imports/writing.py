"""Set-based writes shared by the import writers: lookups, bulk insert (COPY on PostgreSQL), audit."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from core.audit.services import diff
from core.clock import utcnow
from core.imports.columns import iso_dates
from db.engine import is_postgres
from db.models import AuditLog, Branch, Department

LOOKUP_BATCH = 5000
STAGE_MIN_ROWS = 500
_stage_seq = itertools.count(1)


@dataclass
class ChunkContext:
    """What every writer needs to know about the running import."""

    actor: str
    columns: frozenset[str]
    create_missing: bool
    now: datetime
    bulk: bool = False  # the table's secondary indexes are built after the import (core.imports.bulk)
    fresh_table: bool = False  # the table was empty when the import began: no row of the file exists yet
    # every member's id by external_id, read once when the file is as large as the member list
    member_ids: pd.Series | None = None


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    created: dict[str, list[str]] = field(default_factory=dict)


def batched(items: list, size: int = LOOKUP_BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _key_filter(session: Session, column, keys: list):  # noqa: ANN001, ANN202
    """`column IN keys` bound as one parameter (a JSON array on SQLite, an array on PostgreSQL)."""
    if is_postgres(session) and not isinstance(column.type, String):
        return column == any_(bindparam("keys", keys, type_=ARRAY(column.type)))
    # text keys travel as one JSON document: far cheaper to bind than an array of 100k strings
    document = bindparam("keys", json.dumps(keys, ensure_ascii=False))
    if is_postgres(session):
        values = func.json_array_elements_text(cast(document, JSON)).table_valued("value")
    else:
        values = func.json_each(document).table_valued("value")
    return column.in_(select(values.c.value))


def fetch_by(session: Session, table: Table, key: str, keys: Iterable, columns: Iterable[str] | None = None) -> dict:
    """{key value: row mapping} for the rows of `table` whose `key` is one of `keys`."""
    keys = list(set(keys))
    cols = [table.c[c] for c in columns] if columns else list(table.c)
    if table.c[key] not in cols:
        cols.append(table.c[key])
    names = [c.name for c in cols]
    at = names.index(key)
    found = {}
    for part in batched(keys, 50_000):
        for row in session.execute(select(*cols).where(_key_filter(session, table.c[key], part))).all():
            found[row[at]] = dict(zip(names, row, strict=True))
    return found


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert many rows with one statement stream: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    if is_postgres(session):
        cols = list(rows[0])
        for c in cols:  # column names come from the table definition, never from a file
            table.c[c]  # noqa: B018
        dbapi = session.connection().connection.dbapi_connection
        statement = "COPY " + table.name + " (" + ", ".join(cols) + ") FROM STDIN"
        with dbapi.cursor() as cur, cur.copy(statement) as copy:
            for r in rows:
                copy.write_row([r[c] for c in cols])
        return
    cols = list(rows[0])
    compiled = insert(table).compile(dialect=session.get_bind().dialect, column_keys=cols)
    order = compiled.positiontup
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        converters = [(c, _sqlite_converter(table.c[c])) for c in order]
        plain = [c for c, conv in converters if conv is None]
        if len(plain) == len(order):
            params = [tuple(r[c] for c in order) for r in rows]
        else:
            params = [tuple(r[c] if conv is None else conv(r[c]) for c, conv in converters) for r in rows]
        cursor.executemany(str(compiled), params)
    finally:
        cursor.close()


def _id_series(found: list, key: str) -> pd.Series:
    """(key, id) pairs as a Series of ids indexed by key (object dtype: hashed once, looked up per chunk)."""
    if not found:
        return pd.Series([], dtype=object)
    keys, ids = zip(*found, strict=True)
    return pd.Series(ids, index=pd.Index(keys, name=key, dtype=object), dtype=object)


def fetch_ids(session: Session, table: Table, key: str, keys: list) -> pd.Series:
    """{key: id} of the rows of `table` whose `key` is one of `keys`, as a Series (one query per 50k keys).

    Read through the driver's cursor: at 200k keys a chunk, SQLAlchemy's row objects cost more than
    the look-up itself (ids and text keys need no conversion).
    """
    dialect = session.get_bind().dialect
    cursor = session.connection().connection.dbapi_connection.cursor()
    found: list = []
    try:
        for part in batched(keys, 50_000):
            compiled = select(table.c[key], table.c.id).where(_key_filter(session, table.c[key], part)).compile(
                dialect=dialect)
            params = compiled.construct_params()
            if compiled.positiontup is not None:
                params = tuple(params[name] for name in compiled.positiontup)
            cursor.execute(str(compiled), params)
            found.extend(cursor.fetchall())
    finally:
        cursor.close()
    return _id_series(found, key)


def all_ids(session: Session, table: Table, key: str) -> pd.Series:
    """{key: id} of every row of `table` (read through the driver's cursor, like fetch_ids)."""
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(select(table.c[key], table.c.id).compile(dialect=session.get_bind().dialect)))
        found = cursor.fetchall()
    finally:
        cursor.close()
    return _id_series(found, key)


def fetch_frame(session: Session, table: Table, key: str, keys: Iterable, columns: Iterable[str]) -> pd.DataFrame:
    """The rows of `table` whose `key` is one of `keys`, as a frame indexed by `key` (one query per 50k keys)."""
    keys = list(keys)
    cols = [table.c[c] for c in columns]
    names = [key, *(c.name for c in cols)]
    found = []
    for part in batched(keys, 50_000):
        found.extend(session.execute(select(table.c[key], *cols).where(
            _key_filter(session, table.c[key], part))).all())
    by_column = list(zip(*found, strict=True)) if found else [()] * len(names)
    return pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in zip(names, by_column, strict=True)}).set_index(key)


def insert_frame(session: Session, table: Table, frame: pd.DataFrame) -> None:
    """Insert the rows of a frame of stored values (None for NULL; dates as date objects).

    PostgreSQL gets one COPY; SQLite one executemany of plain tuples with dates as ISO text, the
    form SQLAlchemy's SQLite Date type stores.
    """
    if frame.empty:
        return
    cols = [table.c[c].name for c in frame.columns]  # names from the table definition, never from a file
    columns = []
    for c in cols:
        values = frame[c]
        if type(table.c[c].type).__name__ == "Date" and not is_postgres(session):
            values = iso_dates(values)
        columns.append(values.tolist())
    rows = zip(*columns, strict=True)
    dbapi = session.connection().connection.dbapi_connection
    if is_postgres(session):
        with dbapi.cursor() as cur, cur.copy("COPY " + table.name + " (" + ", ".join(cols) + ") FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    compiled = insert(table).compile(dialect=session.get_bind().dialect, column_keys=cols)
    position = {c: i for i, c in enumerate(cols)}
    order = [position[c] for c in compiled.positiontup]
    if order != list(range(len(cols))):
        rows = (tuple(row[i] for i in order) for row in rows)
    cursor = dbapi.cursor()
    try:
        cursor.executemany(str(compiled), rows)
    finally:
        cursor.close()


def _sqlite_converter(column: Column):  # noqa: ANN202
    """How SQLAlchemy's SQLite types store a Python value of this column (ISO text for dates)."""
    kind = type(column.type).__name__
    if kind == "DateTime":
        return _remembered(lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f"))
    if kind == "Date":
        return _remembered(lambda v: v.isoformat())
    if kind == "Boolean":
        return lambda v: None if v is None else int(v)
    return None


def _remembered(convert):  # noqa: ANN001, ANN202
    """The conversion with a memory of recent values (an import repeats the same dates and instants)."""
    memo: dict = {}

    def converted(value):  # noqa: ANN001, ANN202
        if value is None:
            return None
        text = memo.get(value)
        if text is None:
            if len(memo) > 100_000:
                memo.clear()
            text = memo[value] = convert(value)
        return text

    return converted


def update_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Update rows by primary key `id`; rows are grouped by the set of columns they change.

    On PostgreSQL a large group is COPYed into a temporary staging table and applied with one
    UPDATE … FROM; elsewhere it is one executemany.
    """
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(sorted(k for k in r if k != "id")), []).append(r)
    for cols, group in groups.items():
        if not cols:
            continue
        if is_postgres(session) and len(group) >= STAGE_MIN_ROWS:
            _update_via_stage(session, table, cols, group)
            continue
        stmt = update(table).where(table.c.id == bindparam("row_id")).values({c: bindparam("v_" + c) for c in cols})
        session.execute(stmt, [{"row_id": r["id"], **{"v_" + c: r[c] for c in cols}} for r in group])


def _update_via_stage(session: Session, table: Table, cols: tuple, group: list[dict]) -> None:
    stage = Table(f"import_stage_{next(_stage_seq)}", MetaData(), Column("id", table.c.id.type),
                  *(Column(c, table.c[c].type) for c in cols), prefixes=["TEMPORARY"],
                  postgresql_on_commit="DROP")
    stage.create(session.connection())
    insert_rows(session, stage, [{"id": r["id"], **{c: r[c] for c in cols}} for r in group])
    session.execute(update(table).where(table.c.id == stage.c.id).values({c: stage.c[c] for c in cols}))
    stage.drop(session.connection())


def audit_changes(session: Session, actor: str, entity: str, entries: list[tuple[str, dict, dict]]) -> None:
    """One audit entry per changed row with its old and new values, written in one statement."""
    if not entries:
        return
    at = utcnow()
    session.execute(insert(AuditLog.__table__), [
        {"at": at, "actor": actor, "action": "import.update", "entity": entity, "entity_id": entity_id,
         "changes": json.dumps(diff(old, new), ensure_ascii=False, default=str)}
        for entity_id, old, new in entries
    ])


def resolve_codes(
    session: Session, kind: str, wanted: set[str], create: bool
) -> tuple[dict[str, int], set[str], set[str]]:
    """(ids by code or name, unknown values, created values) for branches or departments."""
    model = Branch if kind == "branch" else Department
    table = model.__table__
    known: dict[str, int] = {}
    for row in session.execute(select(table.c.id, table.c.code, table.c.name)):
        known.setdefault(row.name, row.id)
        known[row.code] = row.id
    missing = {w for w in wanted if w not in known}
    if missing and create:
        session.execute(insert(table), [{"code": m[:32], "name": m[:100]} for m in sorted(missing)])
        for row in session.execute(select(table.c.id, table.c.code).where(table.c.code.in_([m[:32] for m in missing]))):
            known[row.code] = row.id
        for m in missing:
            known[m] = known[m[:32]]
        return known, set(), missing
    return known, missing, set()
