"""Bulk mode of large visit imports: same rows as a normal import, and the indexes always come back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from core.auth.model import SYSTEM
from core.imports.bulk import bulk_indexes, restore_indexes, wants_bulk
from core.imports.services import import_file
from db.models import Visit
from tests.builders import make_branch, make_department, make_member


def _index_names(engine) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes("visits")}


def _fks(engine) -> set[str]:
    return {fk["name"] for fk in inspect(engine).get_foreign_keys("visits")}


def _visits_file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "visits.csv"
    lines = ["external_id,member_external_id,visit_date,branch,department,kind,amount"]
    lines += [f"V{i:05d},M1,2026-0{1 + i % 9}-1{i % 10},HQ,dental,outpatient,{100 + i}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def member(session):
    make_branch(session, "HQ")
    make_department(session, code="dental")
    return make_member(session, external_id="M1")


def test_a_file_larger_than_the_table_is_loaded_in_bulk_and_keeps_every_index(engine, session, member, tmp_path):
    before_indexes, before_fks = _index_names(engine), _fks(engine)
    assert wants_bulk(engine, "visits", 40, min_rows=10)
    result = import_file(session, SYSTEM, "visits", _visits_file(tmp_path, 40), max_mb=10, max_rows=1000,
                         chunk_rows=15, bulk_min_rows=10)
    assert (result.inserted, result.rejected) == (40, 0)
    assert _index_names(engine) == before_indexes and _fks(engine) == before_fks
    amounts = session.scalars(select(Visit.amount_cents).order_by(Visit.external_id)).all()
    assert amounts == [(100 + i) * 100 for i in range(40)]


def test_a_file_smaller_than_the_table_is_not_bulk_loaded(engine, session, member, tmp_path):
    import_file(session, SYSTEM, "visits", _visits_file(tmp_path, 40), max_mb=10, max_rows=1000, bulk_min_rows=10)
    assert not wants_bulk(engine, "visits", 20, min_rows=10)
    assert not wants_bulk(engine, "visits", 5_000, min_rows=10_000)


def test_an_import_that_fails_half_way_still_builds_the_indexes_again(engine, session, member, tmp_path):
    before = _index_names(engine)

    def stop(done: int, total: int) -> None:
        raise RuntimeError("the clerk's machine lost power")

    with pytest.raises(RuntimeError):
        import_file(session, SYSTEM, "visits", _visits_file(tmp_path, 40), max_mb=10, max_rows=1000,
                    chunk_rows=15, bulk_min_rows=10, progress=stop)
    assert _index_names(engine) == before
    assert session.scalar(select(Visit.id).where(Visit.external_id == "V00020")) is None  # later chunks not stored


def test_indexes_left_unbuilt_by_a_killed_import_are_rebuilt_by_the_next(engine, session, member, tmp_path):
    before_indexes, before_fks = _index_names(engine), _fks(engine)
    killed = bulk_indexes(engine, "visits", True)
    killed.__enter__()  # a kill -9 between the drop and the rebuild: the block is never left
    assert _index_names(engine) < before_indexes
    import_file(session, SYSTEM, "visits", _visits_file(tmp_path, 3), max_mb=10, max_rows=1000)
    assert _index_names(engine) == before_indexes and _fks(engine) == before_fks
    assert restore_indexes(engine) == []


def test_a_large_file_finds_its_members_from_one_read_and_still_refuses_unknown_ones(engine, session, member,
                                                                                     tmp_path):
    path = _visits_file(tmp_path, 30)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("V99999,M-NOBODY,2026-03-01,HQ,dental,outpatient,10\n")
    result = import_file(session, SYSTEM, "visits", path, max_mb=10, max_rows=1000, chunk_rows=12, bulk_min_rows=10)
    assert (result.inserted, result.rejected) == (30, 1)
    assert result.rejections[0].reasons == {"member_external_id": "unknown_member"}
