"""Row validation a whole chunk at a time: each column is parsed with pandas, not cell by cell in Python.

The common spellings (plain text, an 11-digit mobile, `1234.50`) are parsed vectorised; every other
cell goes through the per-cell parser of core.imports.cells once per distinct value, so a chunk gets
exactly the values and reasons the per-cell parsers give (tests check the two agree).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from core.imports.cells import _EMPTY_WORDS, MAX_TEXT, CellError
from core.imports.model import REQUIRED, ParsedRow, cell_parsers

TEXT_COLUMNS = frozenset(MAX_TEXT) | {"name"}
_MOBILE = r"1[3-9]\d{9}"
_PLAIN_AMOUNT = r"\d{1,13}(?:\.\d{1,2})?"


@dataclass
class ParsedChunk:
    """A chunk of file rows: the value of every cell (None for no value) and the reason a cell is refused."""

    lines: list[int]
    cells: list[list]
    values: pd.DataFrame
    errors: pd.DataFrame

    def refuse(self, mask: np.ndarray, column: str, reason: str) -> None:
        """Mark the rows under `mask` as refused for `column` with `reason`."""
        if not mask.any():
            return
        if column not in self.errors:
            self.errors[column] = _nones(self.errors.index)
        self.errors.loc[mask, column] = reason

    def ok(self) -> pd.Series:
        """True for the rows no cell of which was refused."""
        if self.errors.empty or not len(self.errors.columns):
            return pd.Series(True, index=self.values.index)
        return ~self.errors.notna().any(axis=1)

    def row_errors(self, position: int) -> dict[str, str]:
        row = self.errors.iloc[position]
        return {c: r for c, r in row.items() if isinstance(r, str)}

    def parsed_rows(self) -> list[ParsedRow]:
        """Every row as a ParsedRow (for writers that work row by row)."""
        names = list(self.values.columns)
        records = [dict(zip(names, row, strict=True)) for row in self.values.to_numpy(dtype=object).tolist()]
        bad = self.errors.notna().any(axis=1).to_numpy() if len(self.errors.columns) else np.zeros(len(records), bool)
        rows = []
        for i, (line, record) in enumerate(zip(self.lines, records, strict=True)):
            rows.append(ParsedRow(line, record, self.row_errors(i) if bad[i] else {}))
        return rows


def _nones(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)


def iso_dates(series: pd.Series) -> pd.Series:
    """Dates (or None) as ISO text, converting each distinct date once."""
    codes, uniques = pd.factorize(series)
    return _by_code(codes, [d.isoformat() for d in uniques.tolist()], series.index)


def _by_code(codes: np.ndarray, per_unique: list, index: pd.Index) -> pd.Series:
    """per_unique[code] for every row (None where the code is -1), keeping Python objects as they are."""
    table = np.empty(len(per_unique) + 1, dtype=object)
    table[:-1] = per_unique
    table[-1] = None
    return pd.Series(table[codes], index=index, dtype=object)


def _per_value(raw: pd.Series, parse: Callable[[object], object]) -> tuple[pd.Series, pd.Series]:
    """Parse each distinct cell once with the per-cell parser; (values, reasons)."""
    codes, uniques = pd.factorize(raw)
    values, reasons = [], []
    for cell in uniques.tolist():
        try:
            values.append(parse(cell))
            reasons.append(None)
        except CellError as exc:
            values.append(None)
            reasons.append(exc.reason)
    return _by_code(codes, values, raw.index), _by_code(codes, reasons, raw.index)


def _per_cell(raw: pd.Series, parse: Callable[[object], object]) -> tuple[pd.Series, pd.Series]:
    """Parse cell by cell (typed spreadsheet cells, where 1 and True must stay apart)."""
    values, reasons = [], []
    for cell in raw.tolist():
        try:
            values.append(parse(None if cell is None or cell is np.nan else cell))
            reasons.append(None)
        except CellError as exc:
            values.append(None)
            reasons.append(exc.reason)
    return pd.Series(values, index=raw.index, dtype=object), pd.Series(reasons, index=raw.index, dtype=object)


def _with_fallback(raw: pd.Series, fast: pd.Series, fast_values: pd.Series,
                   parse: Callable[[object], object]) -> tuple[pd.Series, pd.Series]:
    """Values of the fast-path cells as given; the other cells through the per-cell parser."""
    value = np.full(len(raw), None, dtype=object)
    reason = np.full(len(raw), None, dtype=object)
    fast_np = fast.to_numpy(dtype=bool)
    if fast_np.any():
        value[fast_np] = fast_values[fast_np].astype(object).to_numpy()
    slow = ~fast_np
    if slow.any():
        v, r = _per_value(raw[slow], parse)
        value[slow] = v.to_numpy()
        reason[slow] = r.to_numpy()
    return pd.Series(value, index=raw.index, dtype=object), pd.Series(reason, index=raw.index, dtype=object)


def _text(raw: pd.Series, limit: int, parse: Callable[[object], object]) -> tuple[pd.Series, pd.Series]:
    stripped = raw.str.strip()
    # a leading apostrophe may be a formula escape: those few cells take the exact per-cell path
    fast = ~stripped.str.startswith("'").fillna(False)
    empty = (stripped == "") | stripped.isin(_EMPTY_WORDS)
    value, reason = _with_fallback(raw, fast, stripped.where(~empty), parse)
    too_long = (fast & ~empty & (stripped.str.len() > limit)).to_numpy(dtype=bool)
    if too_long.any():
        value[too_long] = None
        reason[too_long] = "too_long"
    value[(fast & empty).to_numpy(dtype=bool)] = None
    return value, reason


def _phone(raw: pd.Series, parse: Callable[[object], object]) -> tuple[pd.Series, pd.Series]:
    fast = raw.str.fullmatch(_MOBILE).fillna(False)
    return _with_fallback(raw, fast, "+86" + raw, parse)


def _amount(raw: pd.Series, parse: Callable[[object], object]) -> tuple[pd.Series, pd.Series]:
    fast = raw.str.fullmatch(_PLAIN_AMOUNT).fillna(False)
    cents = pd.Series(0, index=raw.index, dtype="int64")
    fast_np = fast.to_numpy(dtype=bool)
    if fast_np.any():
        # at most 15 significant digits: the float product rounds to the exact cents
        cents[fast_np] = np.rint(pd.to_numeric(raw[fast_np]).to_numpy(dtype="float64") * 100).astype("int64")
    value, reason = _with_fallback(raw, fast, cents, parse)
    if fast_np.any():
        value[fast_np] = [int(c) for c in cents[fast_np].tolist()]
    return value, reason


def parse_chunk(kind: str, colmap: dict[str, int], lines: list[int], cells: list[list], today: date,
                *, typed: bool = False) -> ParsedChunk:
    """Parse rows of cells laid out as `colmap` says; `typed` for spreadsheet cells (not all text)."""
    parsers = cell_parsers(kind, today)
    index = pd.RangeIndex(len(cells))
    values: dict[str, pd.Series] = {}
    errors: dict[str, pd.Series] = {}
    for column, position in colmap.items():
        raw_list = [row[position] if position < len(row) else None for row in cells]
        parse = parsers[column]
        if typed:
            value, reason = _per_cell(pd.Series(raw_list, index=index, dtype=object), parse)
        else:
            raw = pd.Series(raw_list, index=index, dtype="str").fillna("")
            if column in TEXT_COLUMNS:
                value, reason = _text(raw, MAX_TEXT.get(column, 255), parse)
            elif column == "phone":
                value, reason = _phone(raw, parse)
            elif column == "amount":
                value, reason = _amount(raw, parse)
            else:
                value, reason = _per_value(raw, parse)
        values[column] = value
        errors[column] = reason
    frame = pd.DataFrame(values, index=index)
    refused = pd.DataFrame(errors, index=index)
    for column in REQUIRED[kind]:
        if column in frame:
            missing = (frame[column].isna() & refused[column].isna()).to_numpy(dtype=bool)
            if missing.any():
                refused.loc[missing, column] = "required"
    chunk = ParsedChunk(lines, cells, frame, refused)
    if kind == "members":
        _member_row_rules(chunk)
    return chunk


def _member_row_rules(chunk: ParsedChunk) -> None:
    """The cross-column member rules of model._member_rules, on the rows whose cells all parsed."""
    v = chunk.values
    ok = chunk.ok()
    if "household_id" in v:
        no_role = v["household_role"].isna() if "household_role" in v else pd.Series(True, index=v.index)
        chunk.refuse((ok & v["household_id"].notna() & no_role).to_numpy(dtype=bool), "household_role", "required")
    if "birth_date" not in v:
        return
    birth = iso_dates(v["birth_date"])
    for column in ("delivery_date", "expected_delivery_date"):
        if column in v:
            day = iso_dates(v[column])
            before_birth = day.notna() & birth.notna() & (day.fillna("") < birth.fillna(""))
            chunk.refuse((ok & before_birth).to_numpy(dtype=bool), column, "bad_date")
