"""Open an import file safely (size, kind, encoding, row cap, headers) and stream its rows."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.imports.files import check_rows, check_size, detect_encoding, file_format
from core.imports.model import ImportFileError

_BLOCK = 1 << 22


@dataclass(frozen=True)
class Source:
    """A checked file: its format, text encoding (CSV), header row and an upper bound of data rows."""

    path: Path
    fmt: str
    encoding: str | None
    headers: list[str]
    rows: int
    one_line_records: bool = False  # a CSV none of whose cells spans lines: record n is on line n + 1


def _count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(_BLOCK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (0 if last == b"\n" else 1)


def _plain_lines(path: Path) -> bool:
    """True when the csv module reads one record per line and cannot fail on this file.

    That holds without quotes (no cell spans lines), NUL bytes, CR other than in CRLF and lines longer
    than the csv field limit; then the structural pass over every record is not needed.
    """
    limit = csv.field_size_limit()
    carry = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            if b'"' in block or b"\0" in block:
                return False
            data = np.frombuffer(block, dtype=np.uint8)
            returns = np.flatnonzero(data == 13)
            if len(returns) and (returns[-1] + 1 >= len(data) or not (data[returns + 1] == 10).all()):
                return False
            ends = np.flatnonzero(data == 10)
            if not len(ends):
                carry += len(block)
                if carry > limit:
                    return False
                continue
            if carry + ends[0] > limit or (len(ends) > 1 and np.diff(ends).max() > limit):
                return False
            carry = len(block) - int(ends[-1]) - 1
    return carry <= limit


def _workbook(path: Path):  # noqa: ANN202
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError("imports.file.unreadable") from None


def _csv_records(path: Path, encoding: str) -> int:
    """Records in a CSV (one pass of the C reader); a structurally broken file is unusable."""
    try:
        with open(path, encoding=encoding, newline="") as fh:
            return sum(1 for _ in csv.reader(fh))
    except csv.Error:
        raise ImportFileError("imports.file.unreadable") from None


def open_source(path: Path, *, max_mb: int, max_rows: int, full_check: bool = True) -> Source:
    """Check a file before parsing its values: size cap, real format, encoding, row cap; read its header.

    With full_check (every import) a CSV is also read once for structure, so a broken line can never
    stop an import half-way; a preview skips that pass.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError("imports.file.missing", name=path.name)
    check_size(path.stat().st_size, max_mb)
    fmt = file_format(path)
    if fmt == "xlsx":
        wb = _workbook(path)
        try:
            ws = wb.worksheets[0]
            rows = ws.max_row
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            if rows is None:
                rows = 1 + sum(1 for _ in it)
        finally:
            wb.close()
        encoding = None
    else:
        encoding = detect_encoding(path)
        rows = lines = _count_lines(path)
        check_rows(max(rows - 1, 0), max_rows)
        if full_check:
            rows = lines if _plain_lines(path) else _csv_records(path, encoding)
        with open(path, encoding=encoding, newline="") as fh:
            header = next(csv.reader(fh), None)
    check_rows(max((rows or 1) - 1, 0), max_rows)
    if not header or not any(str(h or "").strip() for h in header):
        raise ImportFileError("imports.file.no_header")
    return Source(path, fmt, encoding, [str(h).strip() if h is not None else "" for h in header],
                  max((rows or 1) - 1, 0), one_line_records=fmt == "csv" and full_check and rows == lines)


def iter_rows(source: Source) -> Iterator[tuple[int, list]]:
    """(line number in the file, cells) for every non-blank data row; line 1 is the header."""
    if source.fmt == "xlsx":
        wb = _workbook(source.path)
        try:
            it = wb.worksheets[0].iter_rows(values_only=True)
            next(it, None)
            for line, cells in enumerate(it, start=2):
                if any(c is not None and str(c).strip() != "" for c in cells):
                    yield line, list(cells)
        finally:
            wb.close()
        return
    with open(source.path, encoding=source.encoding, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for cells in reader:
            if cells and "".join(cells).strip():
                yield reader.line_num, cells


def iter_blocks(source: Source, size: int) -> Iterator[tuple[list[int], list[list]]]:
    """(line numbers, rows of cells) of up to `size` non-blank data rows at a time."""
    if not source.one_line_records:
        rows = iter_rows(source)
        while block := list(itertools.islice(rows, size)):
            lines, cells = zip(*block, strict=True)
            yield list(lines), list(cells)
        return
    with open(source.path, encoding=source.encoding, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        first_line = 2
        while block := list(itertools.islice(reader, size)):
            keep = [i for i, cells in enumerate(block) if cells and "".join(cells).strip()]
            if len(keep) == len(block):
                yield list(range(first_line, first_line + len(block))), block
            elif keep:
                yield [first_line + i for i in keep], [block[i] for i in keep]
            first_line += len(block)
