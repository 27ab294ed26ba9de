"""Rules the whole code base keeps: the audit log is append-only, no raw HTML from users reaches the page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for folder in ("core", "db", "ui", "pages", "benchmarks") for p in (ROOT / folder).rglob("*.py")
           if "migrations" not in p.parts] + [ROOT / "app.py"]


def _code(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_no_code_updates_or_deletes_audit_log_rows():
    patterns = [
        re.compile(r"\b(update|delete)\s*\(\s*AuditLog\b"),
        re.compile(r"(?i)\b(update\s+\"?audit_log|delete\s+from\s+\"?audit_log|truncate\s+(table\s+)?\"?audit_log)"),
        re.compile(r"AuditLog\.__table__\.(update|delete)"),
    ]
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in SOURCES for rx in patterns
                 for m in rx.finditer(_code(p))]
    assert offenders == []


def test_audit_rows_are_only_ever_added():
    """Every module that touches AuditLog rows only inserts or reads them (no attribute writes, no session.delete)."""
    offenders = []
    for path in SOURCES:
        text = _code(path)
        if "AuditLog" not in text or path.name == "audit.py" and path.parent.name == "models":
            continue
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "delete" and any(
                    "audit" in ast.unparse(arg).lower() for arg in node.args):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_no_page_or_widget_renders_raw_html():
    offenders = [str(p.relative_to(ROOT)) for p in SOURCES if "unsafe_allow_html" in _code(p)
                 or re.search(r"\bst\.html\s*\(", _code(p))]
    assert offenders == []


def test_user_written_text_is_never_interpolated_into_markdown_links_or_html_in_templates():
    """Message templates and notes reach members and staff as text: no page builds HTML tags around them."""
    offenders = []
    for path in (ROOT / "pages").glob("*.py"):
        for lineno, line in enumerate(_code(path).splitlines(), 1):
            if re.search(r"st\.(markdown|write|caption)\(f?[\"'].*<(script|iframe|img|a\s)", line):
                offenders.append(f"{path.name}:{lineno}")
    assert offenders == []
