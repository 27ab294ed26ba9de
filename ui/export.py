"""CSV and Excel download buttons for any table view; every download is written to the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth.model import Actor
from core.imports.export import record_export
from core.imports.frames import frame_csv, frame_xlsx
from ui.runtime import new_session, tr


def _audit(actor: Actor, entity: str, rows: int, fmt: str, file_name: str) -> None:
    with new_session() as s:
        record_export(s, actor, entity, rows, fmt, file_name)


def download_buttons(df: pd.DataFrame, *, file_stem: str, entity: str, actor: Actor, key: str) -> None:
    """Two buttons (CSV, Excel) offering `df` with formula-escaped cells; a click records who took how many rows."""
    rows = len(df)
    left, right = st.columns(2)
    left.download_button(
        tr("export.csv"), data=lambda: frame_csv(df), file_name=f"{file_stem}.csv", mime="text/csv",
        key=f"{key}_csv", icon=":material/download:", on_click=_audit,
        args=(actor, entity, rows, "csv", f"{file_stem}.csv"), disabled=rows == 0,
    )
    right.download_button(
        tr("export.xlsx"), data=lambda: frame_xlsx(df),
        file_name=f"{file_stem}.xlsx", key=f"{key}_xlsx", icon=":material/table_view:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click=_audit,
        args=(actor, entity, rows, "xlsx", f"{file_stem}.xlsx"), disabled=rows == 0,
    )
