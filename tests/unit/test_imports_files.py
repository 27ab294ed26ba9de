"""File checks before parsing: real format, encoding, size and row caps, header row."""

from __future__ import annotations

import zipfile
from datetime import datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.imports.files import detect_encoding, file_format
from core.imports.model import ImportFileError
from core.imports.reader import iter_rows, open_source

TEXT = "external_id,name,city\nM1,张三,上海\nM2,李四,廣州\n"


@pytest.mark.parametrize("encoding, detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_encodings_are_detected_and_rows_read_back(tmp_path, encoding, detected):
    path = tmp_path / "m.csv"
    path.write_bytes(TEXT.replace("廣州", "广州" if encoding == "gbk" else "廣州").encode(encoding))
    assert detect_encoding(path) == detected
    source = open_source(path, max_mb=1, max_rows=10)
    assert source.headers == ["external_id", "name", "city"]
    rows = list(iter_rows(source))
    assert rows[0] == (2, ["M1", "张三", "上海"])


NAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武鸳鸯"
CITIES = ["上海", "北京", "广州", "深圳", "杭州", "成都", "浦东", "徐汇"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=NAMES, min_size=1, max_size=3), st.sampled_from(CITIES),
       st.sampled_from(["gbk", "gb18030", "utf-8", "utf-8-sig"]))
def test_chinese_names_survive_detection_in_every_encoding(tmp_path, name, city, encoding):
    text = f"external_id,name,city\nM1,{name},{city}\n"
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode(encoding))
    assert path.read_bytes().decode(detect_encoding(path)) == text


def test_a_single_gbk_character_that_is_also_valid_utf8_reads_as_chinese(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("name\n鸳\n".encode("gbk"))
    assert detect_encoding(path) == "gb18030"


def test_bytes_that_no_encoding_reads_make_the_file_unusable(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name\n\x80\x80\xff\xff\n")
    with pytest.raises(ImportFileError) as err:
        detect_encoding(path)
    assert err.value.key == "imports.file.bad_encoding"


def test_an_xlsx_must_be_a_zip_with_a_workbook(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("external_id\nM1\n")
    with pytest.raises(ImportFileError) as err:
        file_format(fake)
    assert err.value.key == "imports.file.not_xlsx"
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError):
        file_format(other_zip)


def test_a_renamed_workbook_is_not_a_csv(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["external_id"])
    wb.save(tmp_path / "m.xlsx")
    (tmp_path / "m.xlsx").rename(tmp_path / "m.csv")
    with pytest.raises(ImportFileError) as err:
        file_format(tmp_path / "m.csv")
    assert err.value.key == "imports.file.not_csv"


def test_unsupported_suffix_is_refused(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{}")
    with pytest.raises(ImportFileError) as err:
        file_format(path)
    assert err.value.key == "imports.file.bad_suffix"


def test_size_and_row_caps_are_checked_before_parsing(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("external_id\n" + "".join(f"M{i}\n" for i in range(50)))
    with pytest.raises(ImportFileError) as err:
        open_source(path, max_mb=1, max_rows=49)
    assert err.value.key == "imports.file.too_many_rows"
    assert open_source(path, max_mb=1, max_rows=50).rows == 50
    big = tmp_path / "big.csv"
    big.write_bytes(b"external_id\n" + b"M" * (1024 * 1024 + 1))
    with pytest.raises(ImportFileError) as err:
        open_source(big, max_mb=1, max_rows=10)
    assert err.value.key == "imports.file.too_big"


def test_excel_cells_keep_their_types_and_blank_rows_are_skipped(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["external_id", "birth_date", "phone"])
    ws.append(["M1", datetime(1990, 3, 5), 13812345678])
    ws.append([None, None, None])
    ws.append(["M2", "1991/1/2", "13912345678"])
    wb.save(tmp_path / "m.xlsx")
    source = open_source(tmp_path / "m.xlsx", max_mb=1, max_rows=10)
    assert source.fmt == "xlsx"
    rows = list(iter_rows(source))
    assert rows == [(2, ["M1", datetime(1990, 3, 5), 13812345678]), (4, ["M2", "1991/1/2", "13912345678"])]


def test_a_file_without_header_is_unusable(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ImportFileError) as err:
        open_source(path, max_mb=1, max_rows=10)
    assert err.value.key == "imports.file.no_header"


def test_a_csv_broken_in_the_middle_is_refused_before_any_row_is_read(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(b"external_id,name\n" + b"M1,a\n" * 100 + b"M2,\"" + b"b" * 200_000 + b"\"\n" + b"M3,c\n")
    with pytest.raises(ImportFileError) as err:
        open_source(path, max_mb=1, max_rows=1000)
    assert err.value.key == "imports.file.unreadable"
    assert open_source(path, max_mb=1, max_rows=1000, full_check=False).headers == ["external_id", "name"]
