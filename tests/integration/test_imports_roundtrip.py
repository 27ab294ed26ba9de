"""Export then import is a round trip with no change; the CLI exits 0, 1 or 2 and ends with the summary."""

from __future__ import annotations

import csv
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from core.auth.model import Actor
from core.cli import app
from core.imports.export import export_file, record_export
from core.imports.services import import_file
from core.imports.sources import save_mapping
from db.models import AuditLog, Member
from tests.builders import (
    make_branch,
    make_household,
    make_maternity,
    make_member,
    make_order,
    make_tag,
    make_visit,
)

ADMIN = Actor(user_id=1, username="admin1", display_name="admin1", role="admin")
LIMITS = {"max_mb": 10, "max_rows": 100_000}


def seed(session):
    hq = make_branch(session, "HQ")
    a = make_member(session, "M1", name="=HYPERLINK(\"x\")", branch_id=hq, private_domain=True,
                    private_domain_since=date(2025, 1, 1), sms_consent=False,
                    sms_consent_at=datetime(2026, 5, 1, 8, 30, 15, 123456), source_channel="meituan")
    b = make_member(session, "M2", name="-张", gender="M", city=None, phone=None, phone_tail=None,
                    birth_date=None)
    make_member(session, "'@odd", name="'+already escaped")
    make_tag(session, a, "孕妇")
    make_tag(session, a, "VIP")
    make_household(session, "H1", [(a, "self", True), (b, "spouse", False)])
    make_maternity(session, a, edd=date(2027, 2, 1), discharged=date(2027, 2, 5))
    make_visit(session, a, date(2026, 3, 1), amount_cents=123456, kind="exam", branch_id=hq)
    make_visit(session, b, date(2026, 3, 2), department="dental", amount_cents=0)
    make_order(session, a, date(2026, 3, 3), amount_cents=9_990, status="refunded")
    make_order(session, b, date(2026, 3, 4), product_code="-P", channel=None)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_changes_nothing(tmp_path, Session, suffix):
    with Session() as s:
        seed(s)
    for kind in ("members", "visits", "orders"):
        out = tmp_path / f"{kind}{suffix}"
        with Session() as s:
            count = export_file(s, ADMIN, kind, out)
        with Session() as s:
            result = import_file(s, ADMIN, kind, out, **LIMITS)
        assert result.summary() == f"inserted 0, updated 0, unchanged {count}, rejected 0", kind
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "import.update")) == 0


def test_exports_carry_no_live_formula(tmp_path, Session):
    with Session() as s:
        seed(s)
    with Session() as s:
        export_file(s, ADMIN, "members", tmp_path / "m.xlsx")
        export_file(s, ADMIN, "members", tmp_path / "m.csv")
    ws = openpyxl.load_workbook(tmp_path / "m.xlsx").worksheets[0]
    cells = [c for row in ws.iter_rows(min_row=2, values_only=True) for c in row if isinstance(c, str)]
    assert "'=HYPERLINK(\"x\")" in cells and "'-张" in cells and "''@odd" in cells
    assert not any(c[0] in "=+-@" for c in cells if c)
    with open(tmp_path / "m.csv", encoding="utf-8-sig", newline="") as fh:
        csv_cells = [c for row in csv.reader(fh) for c in row]
    assert "'=HYPERLINK(\"x\")" in csv_cells
    assert not any(c and c[0] in "=+-@" for c in csv_cells)


def test_exports_and_downloads_are_audited(tmp_path, Session):
    with Session() as s:
        seed(s)
    with Session() as s:
        export_file(s, ADMIN, "members", tmp_path / "m.csv")
    with Session() as s:
        record_export(s, ADMIN, "segment:vip", 42, "xlsx", "vip.xlsx")
    with Session() as s:
        entries = s.execute(select(AuditLog.action, AuditLog.entity, AuditLog.changes)
                            .where(AuditLog.action == "export").order_by(AuditLog.id)).all()
    assert [(a, e) for a, e, _ in entries] == [("export", "members"), ("export", "segment:vip")]
    assert '"rows": 3' in entries[0][2] and '"rows": 42' in entries[1][2]


def cli(db_url, monkeypatch, *args):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    return CliRunner().invoke(app, list(args))


def test_cli_exit_codes_and_summary_line(tmp_path, db_url, Session, monkeypatch):
    good = tmp_path / "good.csv"
    good.write_text("external_id,name\nM1,张三\n", encoding="utf-8")
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes("external_id,birth_date\nM2,1990-01-01\nM3,2999-01-01\n".encode("gbk"))
    errors = tmp_path / "errors.csv"
    r = cli(db_url, monkeypatch, "import", "members", str(good), "--errors", str(errors))
    assert errors.read_text(encoding="utf-8-sig") == "external_id,name,line,reason\n"
    assert r.exit_code == 0 and r.stdout.strip().splitlines()[-1] == "inserted 1, updated 0, unchanged 0, rejected 0"
    r = cli(db_url, monkeypatch, "import", "members", str(mixed), "--errors", str(errors))
    assert r.exit_code == 1 and r.stdout.strip().splitlines()[-1] == "inserted 1, updated 0, unchanged 0, rejected 1"
    assert "M3,2999-01-01,3," in errors.read_text(encoding="utf-8-sig")
    r = cli(db_url, monkeypatch, "import", "visits", str(good))
    assert r.exit_code == 2 and r.stdout.strip().splitlines()[-1] == "inserted 0, updated 0, unchanged 0, rejected 0"
    r = cli(db_url, monkeypatch, "import", "members", str(good), "--dry-run")
    assert r.exit_code == 0 and r.stdout.strip().splitlines()[-1].endswith("unchanged 1, rejected 0")
    out = tmp_path / "out.csv"
    r = cli(db_url, monkeypatch, "export", "members", str(out))
    assert r.exit_code == 0
    r = cli(db_url, monkeypatch, "import", "members", str(out))
    assert r.exit_code == 0 and r.stdout.strip().splitlines()[-1] == "inserted 0, updated 0, unchanged 2, rejected 0"
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 2


def test_cli_reads_a_file_with_the_mapping_saved_for_its_source(tmp_path, db_url, Session, monkeypatch):
    with Session() as s:
        save_mapping(s, ADMIN, "门诊系统", "members", {"卡号": "external_id", "病人": "name"})
    path = tmp_path / "m.csv"
    path.write_text("卡号,病人\nK1,张三\n", encoding="utf-8")
    assert cli(db_url, monkeypatch, "import", "members", str(path)).exit_code == 2
    r = cli(db_url, monkeypatch, "import", "members", str(path), "--source", "门诊系统")
    assert r.exit_code == 0
    with Session() as s:
        assert s.execute(select(Member.external_id, Member.name)).one() == ("K1", "张三")


def test_cli_refuses_a_file_over_the_row_cap(tmp_path, db_url, monkeypatch):
    path = tmp_path / "m.csv"
    path.write_text("external_id\nM1\nM2\nM3\n")
    monkeypatch.setenv("CARELOOP_IMPORT_MAX_ROWS", "2")
    r = cli(db_url, monkeypatch, "import", "members", str(path))
    assert r.exit_code == 2
