"""Chunk parsing (pandas, a column at a time) gives exactly the values and reasons of the per-row parser."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.imports.columns import parse_chunk
from core.imports.model import COLUMNS, row_parser

TODAY = date(2026, 11, 23)
cell = st.one_of(
    st.sampled_from(["", " ", "nan", "NULL", "'=1", "''+x", "'abc", "x" * 70, "张三", " M1 ", "M1", "1", "0",
                     "是", "否", "女", "m", "2026-01-02", "2026/1/2", "2026年1月2日", "2999-01-01", "2026-02-30",
                     "13812345678", "138 1234 5678", "+8613812345678", "1381234567", "1,234.50", "¥12.5",
                     "12.345", "-3", "1234.5", "0.07", "9999999999999.99", "self", "spouse", "VIP；孕妇",
                     "outpatient", "住院", "paid", "已退款", "2026-01-02 08:09:10", "HQ"]),
    st.text(alphabet="0123456789.-/ 年月日'=+a", max_size=12),
)


def _same(kind: str, rows: list[list[str]]) -> None:
    colmap = {c: i for i, c in enumerate(COLUMNS[kind])}
    lines = list(range(2, 2 + len(rows)))
    chunk = parse_chunk(kind, colmap, lines, rows, TODAY)
    parse = row_parser(kind, colmap, TODAY)
    for got, line, cells in zip(chunk.parsed_rows(), lines, rows, strict=True):
        want = parse(line, cells)
        assert got.errors == want.errors, cells
        for column, value in want.values.items():
            if column not in want.errors:
                assert got.values[column] == value, (column, cells)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell, min_size=len(COLUMNS["members"]), max_size=len(COLUMNS["members"])),
                min_size=1, max_size=6))
def test_member_chunks_parse_like_single_rows(rows):
    _same("members", rows)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["visits", "orders"]),
       st.lists(st.lists(cell, min_size=7, max_size=7), min_size=1, max_size=6))
def test_visit_and_order_chunks_parse_like_single_rows(kind, rows):
    _same(kind, rows)


def test_short_rows_read_missing_cells_as_empty():
    chunk = parse_chunk("visits", {c: i for i, c in enumerate(COLUMNS["visits"])}, [2], [["V1", "M1"]], TODAY)
    assert chunk.parsed_rows()[0].errors == {"visit_date": "required", "department": "required",
                                            "amount": "required"}


def test_read_ahead_keeps_order_and_raises_the_readers_error_where_it_happened():
    from core.imports.prefetch import read_ahead

    def items():
        yield from range(5)
        raise ValueError("broken line")

    got = []
    with pytest.raises(ValueError, match="broken line"):
        for item in read_ahead(items()):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]


def test_read_ahead_stops_reading_when_the_caller_stops():
    import threading

    from core.imports.prefetch import read_ahead

    closed = threading.Event()

    def items():
        try:
            yield from range(1000)
        finally:
            closed.set()

    ahead = read_ahead(items())
    assert next(ahead) == 0
    ahead.close()
    assert closed.wait(5)


def test_a_file_without_quotes_skips_the_record_pass_and_keeps_line_numbers(tmp_path):
    from core.imports.reader import iter_blocks, open_source

    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"external_id,name\r\nM1,a\r\n\r\nM2,b\r\n")
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(b'external_id,name\nM1,"a\nb"\n\nM2,b\n')
    lone_cr = tmp_path / "cr.csv"
    lone_cr.write_bytes(b"external_id,name\rM1,a\r")
    assert open_source(lone_cr, max_mb=1, max_rows=100).one_line_records is False
    for path, simple, lines in ((plain, True, [2, 4]), (quoted, False, [3, 5])):
        source = open_source(path, max_mb=1, max_rows=100)
        assert source.one_line_records is simple
        assert [line for found, _ in iter_blocks(source, 10) for line in found] == lines
