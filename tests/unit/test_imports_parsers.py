"""Cell parsers and row validation of the import (pure, no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.imports.cells import (
    CellError,
    cents_to_text,
    clean_text,
    escape_formula,
    export_cell,
    parse_amount,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_gender,
    parse_phone,
    parse_tags,
    unescape_formula,
)
from core.imports.model import ImportFileError, merge_consent, parse_row, resolve_headers

FAST = settings(max_examples=50, deadline=None)
TODAY = date(2026, 11, 23)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@FAST
@given(dates)
def test_every_date_spelling_parses_to_the_same_day(d):
    spellings = [d.isoformat(), f"{d.year}/{d.month:02d}/{d.day:02d}", f"{d.year}/{d.month}/{d.day}",
                 f"{d.year}年{d.month}月{d.day}日", datetime(d.year, d.month, d.day), d,
                 (d - date(1899, 12, 30)).days]
    assert {parse_date(s) for s in spellings} == {d}


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "yesterday", "20260101x", "2026年2月", "1/2/2026"])
def test_impossible_or_foreign_dates_are_refused(text):
    with pytest.raises(CellError) as err:
        parse_date(text)
    assert err.value.reason == "bad_date"


def test_empty_cells_are_no_value():
    assert parse_date("  ") is None and parse_amount("") is None and parse_bool(None) is None
    assert parse_gender("") is None and parse_phone(" ") is None and clean_text("nan") is None


def test_datetime_cells_keep_the_time_to_the_second():
    assert parse_datetime("2026-03-01 08:05:09") == datetime(2026, 3, 1, 8, 5, 9)
    assert parse_datetime("2026/3/1") == datetime(2026, 3, 1)
    assert parse_datetime(datetime(2026, 3, 1, 8, 5, 9, 123)) == datetime(2026, 3, 1, 8, 5, 9)


@FAST
@given(st.integers(min_value=0, max_value=10**12))
def test_amount_spellings_give_exact_cents(cents):
    yuan, fen = divmod(cents, 100)
    plain = f"{yuan}.{fen:02d}"
    grouped = f"{yuan:,}.{fen:02d}"
    assert parse_amount(plain) == cents
    assert parse_amount(grouped) == cents
    assert parse_amount("¥" + grouped) == cents
    assert parse_amount(f"￥{plain}元") == cents
    assert parse_amount(cents_to_text(cents)) == cents


@pytest.mark.parametrize("raw, cents", [("1,234.50", 123450), ("¥1234.5", 123450), (12, 1200), (12.5, 1250),
                                        ("0", 0), (" 3 ", 300)])
def test_amount_examples(raw, cents):
    assert parse_amount(raw) == cents


@pytest.mark.parametrize("raw, reason", [("-1", "negative_amount"), ("¥-0.5", "negative_amount"),
                                         ("1.234", "bad_amount"), ("abc", "bad_amount"), ("Infinity", "bad_amount"),
                                         (True, "bad_amount")])
def test_bad_amounts_name_their_reason(raw, reason):
    with pytest.raises(CellError) as err:
        parse_amount(raw)
    assert err.value.reason == reason


@pytest.mark.parametrize("raw, value", [("1", True), ("0", False), ("true", True), ("FALSE", False),
                                        ("是", True), ("否", False), (1, True), (0, False), (True, True)])
def test_booleans(raw, value):
    assert parse_bool(raw) is value


@pytest.mark.parametrize("raw, code", [("F", "F"), ("m", "M"), ("女", "F"), ("男", "M")])
def test_genders(raw, code):
    assert parse_gender(raw) == code


def test_unknown_gender_and_boolean_are_refused():
    with pytest.raises(CellError):
        parse_gender("X")
    with pytest.raises(CellError):
        parse_bool("maybe")


@FAST
@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9),
       st.sampled_from(["", "+86", "0086", "86"]), st.sampled_from(["", " ", "-"]))
def test_mainland_mobiles_in_any_spelling_become_plus86(second, rest, prefix, sep):
    local = "1" + second + rest
    spelled = prefix + local[:3] + sep + local[3:7] + sep + local[7:]
    assert parse_phone(spelled) == "+86" + local
    assert parse_phone(int(local)) == "+86" + local


@pytest.mark.parametrize("raw", ["12345", "1381234567", "23812345678", "021-12345678", "phone"])
def test_non_mobile_numbers_are_refused(raw):
    with pytest.raises(CellError) as err:
        parse_phone(raw)
    assert err.value.reason == "bad_phone"


@FAST
@given(st.text(max_size=30))
def test_formula_escape_is_reversed_exactly(text):
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    if escaped:
        assert escaped[0] not in "=+-@"


@pytest.mark.parametrize("text, escaped", [("=1+1", "'=1+1"), ("+86", "'+86"), ("-x", "'-x"), ("@a", "'@a"),
                                           ("'=x", "''=x"), ("'plain", "'plain"), ("a=b", "a=b")])
def test_formula_escape_examples(text, escaped):
    assert escape_formula(text) == escaped


@FAST
@given(st.lists(st.text(alphabet="abc标签 ", min_size=1, max_size=5), max_size=5),
       st.sampled_from([";", "；"]))
def test_tags_split_on_both_semicolons_and_are_sorted(names, sep):
    parsed = parse_tags(sep.join(names))
    expected = tuple(sorted({n.strip() for n in names if n.strip()}))
    assert parsed == (expected or None)


def test_export_cells_round_trip_through_the_parsers():
    assert export_cell(None) == "" and export_cell(True) == "1" and export_cell(False) == "0"
    assert parse_date(export_cell(date(2024, 2, 29))) == date(2024, 2, 29)
    assert parse_datetime(export_cell(datetime(2026, 1, 2, 3, 4, 5))) == datetime(2026, 1, 2, 3, 4, 5)
    assert clean_text(export_cell("=HYPERLINK()")) == "=HYPERLINK()"


def test_chinese_headers_map_onto_canonical_columns_and_extras_are_ignored():
    cols, ignored = resolve_headers("members", ["会员编号", "姓名", "手机号", "出生日期", "备注"])
    assert cols == {"external_id": 0, "name": 1, "phone": 2, "birth_date": 3}
    assert ignored == ["备注"]
    cols, _ = resolve_headers("visits", ["就诊编号", "会员编号", "就诊日期", "科室", "金额"])
    assert cols == {"external_id": 0, "member_external_id": 1, "visit_date": 2, "department": 3, "amount": 4}


def test_a_saved_mapping_wins_over_aliases():
    cols, ignored = resolve_headers("orders", ["单号", "客户", "日期", "实付"],
                                    {"单号": "external_id", "客户": "member_external_id", "日期": "ordered_at",
                                     "实付": "amount"})
    assert cols == {"external_id": 0, "member_external_id": 1, "ordered_at": 2, "amount": 3}
    assert ignored == []


def test_missing_required_columns_make_the_file_unusable():
    with pytest.raises(ImportFileError) as err:
        resolve_headers("visits", ["external_id", "member_external_id", "amount"])
    assert err.value.key == "imports.file.missing_columns"
    assert "visit_date" in err.value.params["columns"]


def test_member_row_collects_every_cell_error():
    row = parse_row("members", 7, {"external_id": "M1", "birth_date": "2999-01-01", "phone": "123",
                                   "gender": "X", "private_domain": "2"}, TODAY)
    assert row.errors == {"birth_date": "future_birth_date", "phone": "bad_phone", "gender": "bad_gender",
                          "private_domain": "bad_bool"}


def test_birth_date_today_is_accepted_but_tomorrow_is_not():
    assert parse_row("members", 2, {"external_id": "M", "birth_date": TODAY.isoformat()}, TODAY).ok
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert not parse_row("members", 2, {"external_id": "M", "birth_date": tomorrow}, TODAY).ok


def test_household_needs_a_role():
    row = parse_row("members", 2, {"external_id": "M", "household_id": "H1"}, TODAY)
    assert row.errors == {"household_role": "required"}


def test_visit_row_requires_date_amount_and_department():
    row = parse_row("visits", 2, {"external_id": "V", "member_external_id": "M", "visit_date": "",
                                  "department": None, "amount": "-5"}, TODAY)
    assert row.errors == {"visit_date": "required", "department": "required", "amount": "negative_amount"}


@FAST
@given(dates, st.sampled_from(["F", "M", "女", "男"]), st.integers(0, 10**9))
def test_valid_order_rows_always_parse(d, _g, cents):
    row = parse_row("orders", 2, {"external_id": "O1", "member_external_id": "M1", "ordered_at": d.isoformat(),
                                  "amount": f"¥{cents_to_text(cents)}", "status": "已退款"}, TODAY)
    assert row.ok
    assert row.values["amount"] == cents and row.values["ordered_at"] == d and row.values["status"] == "refunded"


T0 = datetime(2026, 1, 1, 9, 0)
T1 = datetime(2026, 6, 1, 9, 0)
NOW = datetime(2026, 11, 23, 3, 0)


@pytest.mark.parametrize("old, new, stored", [
    ((None, None), (True, None), (True, NOW)),            # new member, consent given now
    ((None, None), (None, None), (False, None)),          # new member, nothing said
    ((False, T1), (True, None), (False, T1)),             # withdrawn stays withdrawn without a timestamp
    ((False, T1), (True, T0), (False, T1)),               # ... or with an older one
    ((False, T1), (True, NOW), (True, NOW)),              # a newer consent switches it back on
    ((False, None), (True, None), (True, NOW)),           # never decided: the file decides
    ((True, T0), (False, None), (False, NOW)),            # a withdrawal is always honoured
    ((True, T0), (None, None), (True, T0)),               # an empty cell changes nothing
    ((True, T0), (True, T0), (True, T0)),                 # the same statement is unchanged
])
def test_opt_outs_are_sticky(old, new, stored):
    assert merge_consent(old[0], old[1], new[0], new[1], NOW) == stored
