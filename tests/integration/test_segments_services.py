"""Saved segments, counts, samples, overlap, daily sizes and exports, as a lead would use them."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from core.auth.model import SYSTEM, Actor, PermissionDenied
from core.segments import services
from core.segments.export import EXPORT_COLUMNS, export_members, sample
from core.segments.model import RuleError
from db.models import AuditLog
from tests.builders import make_member, make_tag, make_user, make_visit

AS_OF = date(2026, 6, 15)
VIP = {"field": "tag", "op": "=", "value": "VIP"}
DENTAL = {"field": "visits.department", "op": "=", "value": "dental", "within_days": 180}
WOMEN = {"field": "gender", "op": "=", "value": "F"}


@pytest.fixture
def people(session):
    adv = make_user(session, "adv1", "advisor")
    lead = make_user(session, "lead1", "lead")
    ids = []
    for i in range(8):
        mid = make_member(session, gender="F" if i % 2 else "M", name=f"王小{i}", phone=f"+8613800000{i:03d}",
                          advisor_id=adv if i < 4 else None)
        if i % 3 == 0:
            make_tag(session, mid, "VIP")
        if i < 5:
            make_visit(session, mid, AS_OF - timedelta(days=10 * i), department="dental")
        ids.append(mid)
    return {"ids": ids, "lead": Actor(lead, "lead1", "lead1", "lead"), "advisor": Actor(adv, "adv1", "adv1", "advisor")}


def test_count_refuses_bad_rules_with_the_path(session, people):
    with pytest.raises(RuleError, match=r"^all\[1\]: 'age' needs a number$"):
        services.count(session, people["lead"], {"all": [VIP, {"field": "age", "op": ">", "value": "x"}]},
                       as_of=AS_OF)
    assert services.count(session, people["lead"], {"all": [VIP, WOMEN]}, as_of=AS_OF) == 1


def test_save_duplicate_archive_are_audited_and_listed_with_last_size(session, people):
    lead = people["lead"]
    sid = services.save_segment(session, lead, name=" 洁牙客户 ", description="半年内口腔科", rule=DENTAL)
    assert services.saved_segment_rule(session, sid) == DENTAL
    copy = services.duplicate_segment(session, lead, sid)
    services.save_segment(session, lead, name="洁牙女客户", description=None, rule={"all": [DENTAL, WOMEN]},
                          segment_id=copy)
    services.archive_segment(session, lead, sid)
    assert services.snapshot_sizes(session, on_date=AS_OF) == 1
    listed = {s.id: s for s in services.list_segments(session, lead)}
    assert listed[sid].archived and listed[sid].name == "洁牙客户" and listed[sid].last_size is None
    assert listed[copy].last_size == 2 and listed[copy].last_size_on == AS_OF
    assert [s.id for s in services.list_segments(session, lead, include_archived=False)] == [copy]
    actions = session.execute(select(AuditLog.action, AuditLog.entity_id).where(AuditLog.entity == "segment")
                              .order_by(AuditLog.id)).all()
    assert actions == [("create", str(sid)), ("duplicate", str(copy)), ("update", str(copy)),
                       ("archive", str(sid))]


def test_only_leads_and_admins_change_segments(session, people):
    with pytest.raises(PermissionDenied):
        services.save_segment(session, people["advisor"], name="x", description=None, rule=VIP)
    with pytest.raises(services.SegmentError):
        services.save_segment(session, people["lead"], name="  ", description=None, rule=VIP)
    with pytest.raises(services.SegmentError):
        services.saved_segment_rule(session, 999)


def test_daily_snapshot_draws_a_trend(session, people):
    sid = services.save_segment(session, people["lead"], name="VIP", description=None, rule=VIP)
    services.snapshot_sizes(session, on_date=AS_OF - timedelta(days=1))
    make_tag(session, people["ids"][1], "VIP")
    services.snapshot_sizes(session, on_date=AS_OF)
    services.snapshot_sizes(session, on_date=AS_OF)
    assert services.size_trend(session, people["lead"], sid) == [(AS_OF - timedelta(days=1), 3), (AS_OF, 4)]


def test_overlap_counts_each_region_of_the_venn(session, people):
    rules = [VIP, DENTAL, WOMEN]
    regions = services.overlap(session, people["lead"], rules, as_of=AS_OF)
    vip = {people["ids"][i] for i in (0, 3, 6)}
    dental = {people["ids"][i] for i in range(5)}
    women = {people["ids"][i] for i in (1, 3, 5, 7)}
    sets = [vip, dental, women]
    everyone = vip | dental | women
    expected = {}
    for member in everyone:
        key = tuple(member in s for s in sets)
        expected[key] = expected.get(key, 0) + 1
    assert len(regions) == 7
    assert {r.inside: r.members for r in regions} == {k: expected.get(k, 0) for k in (r.inside for r in regions)}
    assert sum(r.members for r in regions) == len(everyone)


def test_sample_masks_what_the_role_may_not_see(session, people):
    lead_rows = sample(session, people["lead"], WOMEN, as_of=AS_OF)
    assert [r.name for r in lead_rows][:2] == ["王小1", "王小3"]
    assert lead_rows[0].phone == "138****0001"
    admin_rows = sample(session, Actor(99, "root", "root", "admin"), WOMEN, as_of=AS_OF, limit=1)
    assert admin_rows[0].phone == "13800000001"
    with pytest.raises(PermissionDenied):
        sample(session, Actor(98, "pm", "pm", "product_manager"), WOMEN, as_of=AS_OF)


def test_export_writes_canonical_columns_in_csv_and_excel_and_is_audited(session, people):
    data = export_members(session, people["lead"], VIP, as_of=AS_OF, fmt="csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS and len(rows) == 4
    assert rows[1][EXPORT_COLUMNS.index("phone")] == "138****0000"
    assert rows[1][EXPORT_COLUMNS.index("tags")] == "VIP"
    book = load_workbook(io.BytesIO(export_members(session, people["lead"], VIP, as_of=AS_OF, fmt="xlsx")))
    assert book.active.max_row == 4
    exports = session.scalars(select(AuditLog.changes).where(AuditLog.action == "export")).all()
    assert len(exports) == 2 and json.loads(exports[0])["rows"] == 3


def test_cli_counts_and_exports_a_rule_file(db_url, session, people, tmp_path, monkeypatch):
    from core.cli import app

    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    rule_file = tmp_path / "rule.json"
    rule_file.write_text(json.dumps({"all": [DENTAL, WOMEN]}), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["segment", "count", str(rule_file), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "2"
    out = tmp_path / "members.csv"
    result = runner.invoke(app, ["segment", "export", str(rule_file), "--out", str(out), "--as-of", "2026-06-15"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 3
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"any": [{"field": "nope", "op": "=", "value": 1}]}), encoding="utf-8")
    result = runner.invoke(app, ["segment", "count", str(bad)])
    assert result.exit_code == 2 and "any[0]: unknown field 'nope'" in result.output
    result = runner.invoke(app, ["rfm", "refresh", "--as-of", "2026-06-15"])
    assert result.exit_code == 0 and "scored 5 members" in result.output
    assert SYSTEM.username == "system"
