"""Bulk loading of generated columns: executemany on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import numpy as np
from sqlalchemy import Engine, ForeignKeyConstraint, Index, Table, UniqueConstraint
from sqlalchemy.schema import AddConstraint, DropConstraint

from db.models import Base

CHUNK = 200_000


def _py(col: np.ndarray) -> list:
    if col.dtype == bool:
        return [int(x) for x in col.tolist()]
    return col.tolist()


def _rows(columns: dict[str, np.ndarray], start: int, stop: int) -> list[tuple]:
    return list(zip(*(_py(c[start:stop]) for c in columns.values()), strict=True))


def load_table(engine: Engine, table: str, columns: dict[str, np.ndarray],
               progress: Callable[[int], None] | None = None) -> int:
    """Insert the columns into `table` as fast as the backend allows; returns the row count."""
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    if n == 0:
        return 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            cur.execute("SET LOCAL synchronous_commit = off")
            with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
                for start in range(0, n, CHUNK):
                    buf = io.StringIO()
                    writer = csv.writer(buf, lineterminator="\n")
                    for row in _rows(columns, start, start + CHUNK):
                        writer.writerow(["\\N" if v is None else ("t" if v is True else "f" if v is False else v)
                                         for v in row])
                    copy.write(buf.getvalue())
                    if progress:
                        progress(min(CHUNK, n - start))
        else:
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
            for start in range(0, n, CHUNK):
                cur.executemany(sql, _rows(columns, start, start + CHUNK))
                if progress:
                    progress(min(CHUNK, n - start))
        raw.commit()
    finally:
        raw.close()
    return n


def drop_secondary_indexes(engine: Engine, tables: list[str]) -> list:
    """Drop the non-unique indexes of big tables before a load (rebuilt after: faster on both databases).

    On PostgreSQL the foreign keys and unique constraints go too and are added back after the load,
    which validates them in one set-based pass instead of once per row.
    """
    dropped: list = []
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for name in reversed(tables):
                table: Table = Base.metadata.tables[name]
                for constraint in table.constraints:
                    if isinstance(constraint, ForeignKeyConstraint | UniqueConstraint):
                        conn.execute(DropConstraint(constraint))
                        dropped.append(constraint)
        for name in tables:
            table = Base.metadata.tables[name]
            for index in table.indexes:
                if not index.unique:
                    conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')
                    dropped.append(index)
    return dropped


def recreate_indexes(engine: Engine, dropped: list) -> None:
    """Build the indexes and constraints dropped before the load (unique ones first, foreign keys last)."""
    order = {UniqueConstraint: 0, Index: 1, ForeignKeyConstraint: 2}
    with engine.begin() as conn:
        for item in sorted(dropped, key=lambda x: order[type(x)]):
            if isinstance(item, Index):
                item.create(conn)
            else:
                conn.execute(AddConstraint(item))


def reset_sequences(engine: Engine, tables: list[str]) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for name in tables:
            conn.exec_driver_sql(
                # table names come from our own metadata, never from input
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )


def analyze(engine: Engine) -> None:
    """Refresh planner statistics after a bulk load (PostgreSQL also gets its visibility map, so
    index-only scans work before autovacuum comes round)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
