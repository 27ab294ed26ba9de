"""Importing HIS files into a real database (SQLite and PostgreSQL): counts, reasons, audit, atomicity."""

from __future__ import annotations

import json
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from core.auth.model import Actor, PermissionDenied
from core.imports import services, writing
from core.imports.model import ImportFileError
from core.imports.services import import_file, preview_file, write_rejections
from core.imports.sources import load_mapping, save_mapping
from db.models import AuditLog, Branch, HouseholdMember, MaternityRecord, Member, MemberTag, Order, Tag, Visit
from db.models.imports import ImportRun
from tests.builders import make_branch, make_department, make_member

ADMIN = Actor(user_id=1, username="admin1", display_name="admin1", role="admin")
TODAY = date(2026, 11, 23)
LIMITS = {"max_mb": 10, "max_rows": 100_000}


def write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def run(session, kind, path, **kw):
    return import_file(session, ADMIN, kind, path, today=TODAY, **LIMITS, **kw)


MEMBERS = (
    "会员编号,姓名,性别,出生日期,手机号,院区,私域,短信同意,标签,家庭编号,家庭角色,关键决策人,预产期\n"
    "M1,张三,女,1990年3月5日,138 1234 5678,HQ,是,1,孕妇；VIP,H1,self,1,2027-01-01\n"
    "M2,王五,男,1985/01/02,+8613900001111,HQ,0,0,,H1,spouse,0,\n"
)


def test_members_are_inserted_then_a_second_import_changes_nothing(tmp_path, Session):
    with Session() as s:
        make_branch(s, "HQ")
    path = write_csv(tmp_path / "m.csv", MEMBERS, "gbk")
    with Session() as s:
        first = run(s, "members", path)
    assert (first.inserted, first.updated, first.unchanged, first.rejected) == (2, 0, 0, 0)
    with Session() as s:
        again = run(s, "members", path)
    assert again.summary() == "inserted 0, updated 0, unchanged 2, rejected 0"
    with Session() as s:
        m1 = s.scalar(select(Member).where(Member.external_id == "M1"))
        assert (m1.name, m1.gender, m1.birth_date, m1.phone, m1.phone_tail) == (
            "张三", "F", date(1990, 3, 5), "+8613812345678", "5678")
        assert m1.private_domain is True and m1.sms_consent is True
        assert isinstance(m1.sms_consent_at, datetime) and m1.updated_at is not None
        assert sorted(s.scalars(select(Tag.name).join(MemberTag).where(MemberTag.member_id == m1.id))) == ["VIP", "孕妇"]
        roles = dict(s.execute(select(HouseholdMember.role, HouseholdMember.key_person)).all())
        assert roles == {"self": True, "spouse": False}
        assert s.scalar(select(MaternityRecord.expected_delivery_date)) == date(2027, 1, 1)
        assert s.scalar(select(ImportRun.status).order_by(ImportRun.id.desc())) == "done"


def test_a_changed_row_is_updated_and_audited_with_old_and_new_values(tmp_path, Session):
    with Session() as s:
        make_branch(s, "HQ")
    with Session() as s:
        run(s, "members", write_csv(tmp_path / "a.csv", MEMBERS))
    changed = MEMBERS.replace("M1,张三", "M1,张三丰").replace("孕妇；VIP", "VIP")
    with Session() as s:
        result = run(s, "members", write_csv(tmp_path / "b.csv", changed))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    with Session() as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "import.update"))
        assert (entry.actor, entry.entity, entry.entity_id) == ("admin1", "member", "M1")
        changes = json.loads(entry.changes)
        assert changes["name"] == ["张三", "张三丰"]
        assert changes["tags"] == [["VIP", "孕妇"], ["VIP"]]


def test_every_bad_row_is_rejected_with_its_reason_and_good_rows_are_stored(tmp_path, Session):
    with Session() as s:
        make_branch(s, "HQ")
    text = ("external_id,name,birth_date,phone,branch,gender\n"
            "M1,好,1990-01-01,13812345678,HQ,F\n"
            "M2,日期,1990-02-30,,HQ,F\n"
            "M3,未来,2099-01-01,,HQ,F\n"
            "M4,电话,,12345,HQ,F\n"
            "M5,院区,,,NOWHERE,F\n"
            "M1,重复,,,HQ,F\n"
            ",空,,,HQ,F\n")
    path = write_csv(tmp_path / "bad.csv", text)
    with Session() as s:
        result = run(s, "members", path)
    reasons = {r.line: r.reasons for r in result.rejections}
    assert reasons == {3: {"birth_date": "bad_date"}, 4: {"birth_date": "future_birth_date"},
                       5: {"phone": "bad_phone"}, 6: {"branch": "unknown_branch"},
                       7: {"external_id": "duplicate_external_id"}, 8: {"external_id": "required"}}
    assert result.inserted == 1 and result.exit_code == 1
    assert result.missing() == {"branch": ["NOWHERE"]}
    out = tmp_path / "errors.csv"
    write_rejections(out, result, "en")
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "external_id,name,birth_date,phone,branch,gender,line,reason"
    assert lines[1] == "M2,日期,1990-02-30,,HQ,F,3,birth_date: not a valid date"
    assert len(lines) == 7


def test_create_missing_adds_unknown_branches_and_departments(tmp_path, Session):
    with Session() as s:
        make_member(s, "M1")
    path = write_csv(tmp_path / "v.csv", "external_id,member_external_id,visit_date,branch,department,amount\n"
                                         "V1,M1,2026-01-02,PD,dental,\"1,234.50\"\n")
    with Session() as s:
        refused = run(s, "visits", path)
    assert refused.missing() == {"branch": ["PD"], "department": ["dental"]}
    with Session() as s:
        result = run(s, "visits", path, create_missing=True)
    assert result.inserted == 1 and result.created == {"branch": ["PD"], "department": ["dental"]}
    with Session() as s:
        assert s.scalar(select(Visit.amount_cents)) == 123450
        assert s.scalar(select(func.count()).select_from(Branch).where(Branch.code == "PD")) == 1


def test_visits_and_orders_for_unknown_members_are_rejected(tmp_path, Session):
    with Session() as s:
        make_member(s, "M1")
        make_department(s, "obstetrics")
    visits = write_csv(tmp_path / "v.csv", "就诊编号,会员编号,就诊日期,科室,金额,就诊类型\n"
                                           "V1,M1,2026/1/2,obstetrics,¥100,住院\n"
                                           "V2,M404,2026/1/2,obstetrics,¥100,\n"
                                           "V3,M1,2026/1/2,obstetrics,-1,\n")
    with Session() as s:
        result = run(s, "visits", visits)
    assert [r.reasons for r in result.rejections] == [{"member_external_id": "unknown_member"},
                                                      {"amount": "negative_amount"}]
    orders = write_csv(tmp_path / "o.csv", "订单编号,会员编号,产品编码,下单日期,金额,订单状态\n"
                                           "O1,M1,P-1,2026-03-01,¥1234.5,已退款\n"
                                           "O2,M2,P-1,2026-03-01,1,paid\n")
    with Session() as s:
        result = run(s, "orders", orders)
    assert result.inserted == 1 and result.rejections[0].reasons == {"member_external_id": "unknown_member"}
    with Session() as s:
        assert s.execute(select(Visit.kind, Visit.amount_cents)).one() == ("inpatient", 10000)
        assert s.execute(select(Order.status, Order.amount_cents)).one() == ("refunded", 123450)


def test_an_import_never_turns_a_withdrawn_consent_back_on_without_a_newer_timestamp(tmp_path, Session):
    withdrawn_at = datetime(2026, 6, 1, 8, 0)
    with Session() as s:
        make_member(s, "M1", sms_consent=False, sms_consent_at=withdrawn_at, wecom_consent=False,
                    wecom_consent_at=withdrawn_at)
    path = write_csv(tmp_path / "c.csv", "external_id,sms_consent,wecom_consent,wecom_consent_at\n"
                                         "M1,1,1,2026-07-01 09:00:00\n")
    with Session() as s:
        result = run(s, "members", path)
    assert result.updated == 1
    with Session() as s:
        m = s.scalar(select(Member))
        assert (m.sms_consent, m.sms_consent_at) == (False, withdrawn_at)
        assert (m.wecom_consent, m.wecom_consent_at) == (True, datetime(2026, 7, 1, 9, 0))


def test_an_excel_file_with_date_cells_imports_like_a_csv(tmp_path, Session):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["外部编号", "姓名", "出生日期", "手机号", "私域"])
    ws.append(["M1", "=SUM(1)", datetime(1990, 3, 5), 13812345678, True])
    ws.append(["M2", "'=SUM(1)", "1991年1月2日", "13912345678", "否"])
    wb.save(tmp_path / "m.xlsx")
    with Session() as s:
        result = run(s, "members", tmp_path / "m.xlsx")
    assert result.inserted == 2 and result.rejected == 0
    with Session() as s:
        rows = dict(s.execute(select(Member.external_id, Member.birth_date)).all())
        assert rows == {"M1": date(1990, 3, 5), "M2": date(1991, 1, 2)}
        assert s.scalar(select(Member.name).where(Member.external_id == "M2")) == "=SUM(1)"


def test_a_dry_run_checks_everything_and_stores_nothing(tmp_path, Session):
    path = write_csv(tmp_path / "m.csv", "external_id,branch\nM1,NEW\nM2,\n")
    with Session() as s:
        result = run(s, "members", path, dry_run=True, create_missing=True)
    assert result.inserted == 2 and result.created == {"branch": ["NEW"]}
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0
        assert s.scalar(select(func.count()).select_from(Branch)) == 0


def test_a_crash_mid_import_leaves_the_database_as_before_that_batch(tmp_path, Session, monkeypatch):
    path = write_csv(tmp_path / "m.csv", "external_id,name\n" + "".join(f"M{i},n{i}\n" for i in range(25)))
    real = services.write_members
    calls = []

    def crash_on_second_chunk(session, rows, ctx):
        calls.append(len(rows))
        if len(calls) == 2:
            real(session, rows, ctx)  # half-written, then the process dies
            raise RuntimeError("power cut")
        return real(session, rows, ctx)

    monkeypatch.setattr(services, "write_members", crash_on_second_chunk)
    with Session() as s, pytest.raises(RuntimeError):
        run(s, "members", path, chunk_rows=10)
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 10
        assert s.scalar(select(ImportRun.status)) == "failed"
    monkeypatch.setattr(services, "write_members", real)
    with Session() as s:
        result = run(s, "members", path, chunk_rows=10)
    assert (result.inserted, result.unchanged) == (15, 10)


def test_an_unusable_file_stores_nothing(tmp_path, Session):
    path = write_csv(tmp_path / "v.csv", "external_id,amount\nV1,1\n")
    with Session() as s, pytest.raises(ImportFileError) as err:
        run(s, "visits", path)
    assert err.value.key == "imports.file.missing_columns"
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_only_admin_and_lead_may_import(tmp_path, Session):
    advisor = Actor(user_id=2, username="adv", display_name="adv", role="advisor")
    with Session() as s, pytest.raises(PermissionDenied):
        import_file(s, advisor, "members", write_csv(tmp_path / "m.csv", "external_id\nM1\n"), **LIMITS)


def test_a_saved_mapping_is_used_for_the_next_file_of_that_source(tmp_path, Session):
    with Session() as s:
        save_mapping(s, ADMIN, "美团", "orders", {"单号": "external_id", "客户": "member_external_id",
                                                 "日期": "ordered_at", "实付": "amount", "x": "nonsense"})
    with Session() as s:
        mapping = load_mapping(s, "美团", "orders")
        make_member(s, "M1")
    assert mapping == {"单号": "external_id", "客户": "member_external_id", "日期": "ordered_at", "实付": "amount"}
    path = write_csv(tmp_path / "o.csv", "单号,客户,日期,实付\nO1,M1,2026-01-01,9.9\n")
    preview = preview_file(path, "orders", mapping=mapping, today=TODAY, **LIMITS)
    assert preview.columns == ["external_id", "member_external_id", "ordered_at", "amount"]
    assert preview.errors == [{}]
    with Session() as s:
        assert run(s, "orders", path, mapping=mapping).inserted == 1


def test_a_large_update_changes_every_changed_row_once(tmp_path, Session, engine, monkeypatch):
    staged = []
    real_stage = writing._update_via_stage
    monkeypatch.setattr(writing, "_update_via_stage", lambda *a: (staged.append(len(a[3])), real_stage(*a)))
    header = "external_id,name,birth_date,private_domain\n"
    first = write_csv(tmp_path / "a.csv", header + "".join(f"M{i},n{i},1990-01-01,0\n" for i in range(1200)))
    second = write_csv(tmp_path / "b.csv", header + "".join(
        f"M{i},n{i}{'x' if i % 4 else ''},1990-01-01,{i == 5:d}\n" for i in range(1200)))
    with Session() as s:
        run(s, "members", first)
    with Session() as s:
        result = run(s, "members", second, chunk_rows=1200)
    assert (result.inserted, result.updated, result.unchanged) == (0, 900, 300)
    with Session() as s:
        rows = {e: (n, p) for e, n, p in s.execute(select(Member.external_id, Member.name, Member.private_domain))}
        assert rows["M1"] == ("n1x", False) and rows["M4"] == ("n4", False) and rows["M5"] == ("n5x", True)
        assert sum(name.endswith("x") for name, _ in rows.values()) == 900
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "import.update")) == 900
    assert staged == ([899] if engine.dialect.name == "postgresql" else [])


def test_tabs_backslashes_and_line_breaks_inside_cells_are_stored_exactly(tmp_path, Session):
    path = write_csv(tmp_path / "m.csv", 'external_id,name,city\nM1,"a\tb\\\\c\nd",\\N\n')
    with Session() as s:
        assert run(s, "members", path).inserted == 1
    with Session() as s:
        assert s.execute(select(Member.name, Member.city)).one() == ("a\tb\\\\c\nd", "\\N")
    with Session() as s:
        assert run(s, "members", path).unchanged == 1
