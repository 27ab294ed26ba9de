"""The import page: upload, preview with highlighted errors, check, create missing branches, commit."""

from __future__ import annotations

from sqlalchemy import func, select

from core.auth.model import Actor
from core.imports.sources import save_mapping
from db.models import AuditLog, Branch, Member
from tests.ui.conftest import open_page, texts

PAGE = "pages/data_import.py"
ADMIN = Actor(user_id=1, username="admin1", display_name="admin1", role="admin")
CSV = ("会员编号,姓名,出生日期,手机号,院区,备注\n"
       "M1,张三,1990-03-05,13812345678,HQ,x\n"
       "M2,李四,2999-01-01,123,HQ,y\n"
       "M3,王五,1991-01-01,13912345678,NEWB,z\n")


def with_upload(at, tmp_path, text=CSV, name="his.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    at.session_state["data_import_upload"] = {"id": "f1", "name": name, "path": str(path)}
    return at.run()


def table_with(at, column):
    return next((d for d in at.dataframe if column in d.value.columns), None)


def button(at, key):
    return next(b for b in at.button if b.key == key)


def test_lead_previews_a_file_with_bad_cells_highlighted(ui_db, tmp_path):
    at = with_upload(open_page("lead1", PAGE), tmp_path)
    assert not at.exception
    shown = texts(at)
    assert "备注" in shown  # the unknown column is named as ignored
    assert "#3: birth_date: 出生日期在未来; phone: 不是11位大陆手机号" in shown
    preview = table_with(at, "external_id")
    assert list(preview.value.columns) == ["external_id", "name", "birth_date", "phone", "branch"]
    assert preview.value["birth_date"].tolist() == ["1990-03-05", "2999-01-01", "1991-01-01"]


def test_check_offers_to_create_the_missing_branch_and_commit_stores_good_rows(ui_db, tmp_path, Session):
    at = with_upload(open_page("admin1", PAGE), tmp_path)
    button(at, "data_import_check").click().run()
    assert not at.exception
    assert "校验完成（未写入）：inserted 1, updated 0, unchanged 0, rejected 2" in texts(at)
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0
    create = next(c for c in at.checkbox if c.key == "data_import_create")
    assert "NEWB" in create.label
    create.check().run()
    button(at, "data_import_commit").click().run()
    assert not at.exception
    assert "导入完成：inserted 2, updated 0, unchanged 0, rejected 1" in texts(at)
    rejected = table_with(at, "reason")
    assert rejected.value["line"].tolist() == [3]
    runs = table_with(at, "文件")
    assert runs.value["文件"].tolist() == ["his.csv", "his.csv"] and runs.value["仅校验"].tolist() == [False, True]
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 2
        assert s.scalar(select(Branch.id).where(Branch.code == "NEWB")) is not None
    download = next(b for b in at.get("download_button") if b.key == "data_import_rejected_csv")
    download.click().run()
    assert not at.exception
    with Session() as s:
        entry = s.execute(select(AuditLog.actor, AuditLog.entity, AuditLog.changes)
                          .where(AuditLog.action == "export")).one()
    assert entry[:2] == ("admin1", "import_rejections") and '"rows": 1' in entry[2]
    button(at, "data_import_commit").click().run()
    assert "inserted 0, updated 0, unchanged 2, rejected 1" in texts(at)


def test_a_file_missing_required_columns_shows_one_sentence(ui_db, tmp_path):
    at = open_page("lead1", PAGE)
    at.selectbox(key="data_import_kind").set_value("visits").run()
    at = with_upload(at, tmp_path, "external_id,amount\nV1,1\n")
    assert not at.exception
    assert "缺少必需的列" in texts(at)


def test_a_sources_saved_mapping_reads_its_own_headers(ui_db, tmp_path, Session):
    with Session() as s:
        save_mapping(s, ADMIN, "美团", "orders", {"单号": "external_id", "客户": "member_external_id",
                                                 "日期": "ordered_at", "实付": "amount"})
    at = open_page("lead1", PAGE)
    at.selectbox(key="data_import_kind").set_value("orders")
    at.selectbox(key="data_import_source").set_value("美团").run()
    at = with_upload(at, tmp_path, "单号,客户,日期,实付\nO1,M1,2026-01-01,9.9\n")
    assert not at.exception
    preview = table_with(at, "external_id")
    assert list(preview.value.columns) == ["external_id", "member_external_id", "ordered_at", "amount"]
    button(at, "data_import_commit").click().run()
    assert "rejected 1" in texts(at)
    assert table_with(at, "reason").value["reason"].tolist() == ["member_external_id: 会员不存在"]
