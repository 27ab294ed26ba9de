"""Bulk mode of a large import: the fact table's secondary indexes (and, on PostgreSQL, its foreign
keys) are dropped before the first chunk and built again after the last, in one pass each.

Keeping three multi-column indexes up to date row by row is most of the cost of a multi-million-row
visits file (random inserts into B-trees that outgrow the cache); building them once from the loaded
table is several times cheaper on both databases, as the demo loader already does. Only files at
least as large as the table they load into (initial loads, a hospital moving from its HIS) use it:
while it runs, other users' queries on that table go without those indexes.

The unique key on external_id stays: every chunk looks its rows up by it. Rows are still validated
chunk by chunk (members must exist), so adding the foreign keys back finds nothing to refuse. When
the process dies half way, `restore_indexes` (run at the start of every import and by
`careloop db upgrade`) builds whatever is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, ForeignKeyConstraint, Index, func, inspect, select
from sqlalchemy.schema import AddConstraint, DropConstraint

from db.models import Base

BULK_TABLES = ("visits", "orders")
BULK_MIN_ROWS = 500_000


def wants_bulk(engine: Engine, table: str, file_rows: int, *, min_rows: int = BULK_MIN_ROWS) -> bool:
    """A file of at least min_rows rows and at least as many rows as the table holds already."""
    if table not in BULK_TABLES or file_rows < min_rows:
        return False
    with engine.connect() as conn:
        highest = conn.scalar(select(func.max(Base.metadata.tables[table].c.id))) or 0
    return file_rows >= highest


def is_empty(engine: Engine, table: str) -> bool:
    """Whether the table holds no row at all."""
    with engine.connect() as conn:
        return conn.scalar(select(Base.metadata.tables[table].c.id).limit(1)) is None


def _droppable(engine: Engine, table: str) -> list:
    t = Base.metadata.tables[table]
    items: list = [i for i in t.indexes if not i.unique]
    if engine.dialect.name == "postgresql":
        items += [c for c in t.constraints if isinstance(c, ForeignKeyConstraint)]
    return items


@contextmanager
def bulk_indexes(engine: Engine, table: str, enabled: bool) -> Iterator[None]:
    """Drop the table's secondary indexes (PostgreSQL: and foreign keys) for the block, then build them."""
    if not enabled:
        yield
        return
    dropped = _droppable(engine, table)
    with engine.begin() as conn:
        for item in dropped:
            if isinstance(item, Index):
                conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{item.name}"')
            else:
                conn.execute(DropConstraint(item))
    try:
        yield
    finally:
        restore_indexes(engine, (table,))


def restore_indexes(engine: Engine, tables: tuple[str, ...] = BULK_TABLES) -> list[str]:
    """Build the indexes and foreign keys of the tables that are missing; returns their names."""
    built: list[str] = []
    with engine.begin() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # sort on disk, read without a file mapping: the build stays a few hundred MB resident
            conn.exec_driver_sql("PRAGMA temp_store=FILE")
            conn.exec_driver_sql("PRAGMA mmap_size=0")
        inspector = inspect(conn)
        for name in tables:
            have = {i["name"] for i in inspector.get_indexes(name)}
            fks = {fk["name"] for fk in inspector.get_foreign_keys(name)}
            for item in _droppable(engine, name):
                if isinstance(item, Index) and item.name not in have:
                    item.create(conn)
                    built.append(item.name)
                elif isinstance(item, ForeignKeyConstraint) and item.name not in fks:
                    conn.execute(AddConstraint(item))
                    built.append(str(item.name))
        if built:  # fresh statistics for the planners (segment counts, KPIs)
            for name in tables:
                conn.exec_driver_sql(f"ANALYZE {name}")  # our own table names, never input
        if sqlite:  # the connection goes back to the pool: the engine's settings again
            conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
            conn.exec_driver_sql("PRAGMA mmap_size=2147483648")
    return built
