"""The house rules, checked: dependencies point pages → core → db, every page guards itself first."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.auth.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _py(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_core_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in _py("core") if "streamlit" in _imports(p)]
    assert offenders == []


def test_db_never_imports_core_or_the_ui():
    offenders = [str(p.relative_to(ROOT)) for p in _py("db") if _imports(p) & {"core", "ui", "streamlit"}]
    assert offenders == []


def test_pages_never_touch_the_database_directly():
    offenders = [str(p.relative_to(ROOT)) for p in _py("pages") if _imports(p) & {"sqlalchemy", "db", "psycopg"}]
    assert offenders == []


@pytest.mark.parametrize("path", [p.path for p in PAGES if (ROOT / p.path).exists()])
def test_every_page_checks_the_role_before_anything_else(path):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    first, second = body[0], body[1]
    assert isinstance(first, ast.ImportFrom) and first.module == "ui.guard"
    assert isinstance(second, ast.Assign) and ast.unparse(second.value) == f"require_page({path!r})"


def test_every_page_file_is_registered_with_its_roles():
    registered = {p.path for p in PAGES}
    files = {str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py")}
    assert files - registered == set()


def test_no_html_is_rendered_unsafely():
    offenders = [str(p.relative_to(ROOT)) for p in _py("pages") + _py("ui") + [ROOT / "app.py"]
                 if re.search(r"unsafe_allow_html\s*=\s*True", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_audit_log_has_no_update_or_delete_path():
    pattern = re.compile(r"(update|delete)\(\s*AuditLog|AuditLog\.__table__\.(update|delete)|DELETE FROM audit_log|"
                         r"UPDATE audit_log", re.IGNORECASE)
    offenders = [str(p.relative_to(ROOT)) for p in _py("core") + _py("pages") + _py("ui") + _py("db")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
