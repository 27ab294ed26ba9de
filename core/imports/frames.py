"""Table views as download files: CSV and Excel bytes with every formula-like cell escaped."""

from __future__ import annotations

import io

import pandas as pd

from core.imports.cells import escape_formula


def escape_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) cannot run as a spreadsheet formula."""
    out = df.copy()
    out.columns = [escape_formula(str(c)) for c in out.columns]
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(lambda v: escape_formula(v) if isinstance(v, str) else v)
    return out


def frame_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, so Excel opens Chinese text correctly)."""
    return escape_frame(df).to_csv(index=False).encode("utf-8-sig")


def frame_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """Excel workbook bytes with one sheet; text cells stay text."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        escape_frame(df).to_excel(writer, index=False, sheet_name=sheet[:31] or "data")
    return buf.getvalue()
