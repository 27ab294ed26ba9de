"""File checks before anything is parsed: real format, text encoding, size and row caps."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from core.imports.model import ImportFileError


def _oddness(text: str) -> int:
    """How many characters are unusual in a Chinese HIS export (neither ASCII, common CJK nor punctuation)."""
    return sum(
        1 for ch in text
        if ord(ch) > 0x7F and not (0x4E00 <= ord(ch) <= 0x9FFF or 0x3000 <= ord(ch) <= 0x303F
                                    or 0xFF00 <= ord(ch) <= 0xFFEF or 0x2010 <= ord(ch) <= 0x206F
                                    or ord(ch) in (0xB7, 0xD7))
    )


def _decodes(path: Path, encoding: str, block: int) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(block):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path, block: int = 1 << 22, sample: int = 1 << 16) -> str:
    """utf-8-sig, utf-8 or gb18030, checked over the whole file so decoding never fails mid-import.

    A short GBK text can also be valid UTF-8; then the decoding that reads as ordinary Chinese wins.
    """
    with open(path, "rb") as fh:
        head = fh.read(sample)
    if head.startswith(codecs.BOM_UTF8):
        if _decodes(path, "utf-8-sig", block):
            return "utf-8-sig"
        raise ImportFileError("imports.file.bad_encoding")
    utf8 = _decodes(path, "utf-8", block)
    gb = (not utf8 or not head.isascii()) and _decodes(path, "gb18030", block)
    if utf8 and gb:
        as_utf8 = codecs.getincrementaldecoder("utf-8")().decode(head)
        as_gb = codecs.getincrementaldecoder("gb18030")().decode(head)
        return "gb18030" if _oddness(as_gb) < _oddness(as_utf8) else "utf-8"
    if utf8:
        return "utf-8"
    if gb:
        return "gb18030"
    raise ImportFileError("imports.file.bad_encoding")


def file_format(path: Path) -> str:
    """'csv' or 'xlsx', judged by content as well as name; ImportFileError when they disagree."""
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        magic = fh.read(4)
    is_zip = magic == b"PK\x03\x04"
    if suffix == ".xlsx":
        if not is_zip:
            raise ImportFileError("imports.file.not_xlsx")
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            raise ImportFileError("imports.file.not_xlsx") from None
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise ImportFileError("imports.file.not_xlsx")
        return "xlsx"
    if suffix in (".csv", ".txt"):
        if is_zip or b"\x00" in magic:
            raise ImportFileError("imports.file.not_csv")
        return "csv"
    raise ImportFileError("imports.file.bad_suffix", suffix=suffix or "-")


def check_size(size_bytes: int, max_mb: int) -> None:
    """Refuse a file over the configured size cap."""
    if size_bytes > max_mb * 1024 * 1024:
        raise ImportFileError("imports.file.too_big", max_mb=max_mb)


def check_rows(rows: int, max_rows: int) -> None:
    """Refuse a file with more data rows than the configured cap."""
    if rows > max_rows:
        raise ImportFileError("imports.file.too_many_rows", max_rows=max_rows)
