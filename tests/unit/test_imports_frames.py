"""Download files of table views carry no live formula and keep numbers as numbers."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.imports.cells import unescape_formula
from core.imports.frames import escape_frame, frame_csv, frame_xlsx


def sample() -> pd.DataFrame:
    return pd.DataFrame({"姓名": ["=cmd|' /C calc'!A0", "张三", None], "金额": [-5, 10, 0],
                         "@col": ["+86138", "-x", "@SUM(1)"]})


def test_text_cells_and_headers_are_escaped_and_numbers_are_left_alone():
    out = escape_frame(sample())
    assert list(out.columns) == ["姓名", "金额", "'@col"]
    assert out["姓名"].tolist()[:2] == ["'=cmd|' /C calc'!A0", "张三"]
    assert out["金额"].tolist() == [-5, 10, 0]
    assert out["'@col"].tolist() == ["'+86138", "'-x", "'@SUM(1)"]


def test_csv_bytes_start_with_a_bom_and_hold_no_formula():
    text = frame_csv(sample()).decode("utf-8")
    assert text.startswith("\ufeff")
    assert "\n=" not in text and ",=" not in text and "'=cmd" in text


def test_excel_bytes_hold_text_not_formulas():
    ws = openpyxl.load_workbook(io.BytesIO(frame_xlsx(sample()))).worksheets[0]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "'=cmd|' /C calc'!A0" in values and -5 in values
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=5))
def test_escaping_a_column_is_reversible_cell_by_cell(cells):
    out = escape_frame(pd.DataFrame({"c": cells}))
    assert [unescape_formula(v) for v in out["c"]] == cells
