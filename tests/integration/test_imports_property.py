"""Property: any valid member file imports, exports and re-imports with no change (both databases)."""

from __future__ import annotations

import csv
import itertools
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.auth.model import Actor
from core.imports.export import export_file
from core.imports.services import import_file

ADMIN = Actor(user_id=1, username="admin1", display_name="admin1", role="admin")
LIMITS = {"max_mb": 10, "max_rows": 10_000}
_run = itertools.count()

texts = st.text(alphabet="张王李丽华 abc=+-@'；;", min_size=0, max_size=8)
days = st.dates(min_value=date(1950, 1, 1), max_value=date(1999, 12, 31))
later_days = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 1, 1)).map(
    lambda d: d.replace(microsecond=0))
member = st.fixed_dictionaries({
    "name": texts, "gender": st.sampled_from(["", "F", "M", "女", "男"]),
    "birth_date": st.one_of(st.just(""), days.map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
                            days.map(lambda d: d.strftime("%Y/%m/%d"))),
    "phone": st.one_of(st.just(""), st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)),
    "private_domain": st.sampled_from(["", "1", "0", "是", "否", "true"]),
    "sms_consent": st.sampled_from(["", "1", "0"]),
    "sms_consent_at": st.one_of(st.just(""), instants.map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"))),
    "tags": st.lists(st.sampled_from(["孕妇", "VIP", "=x", "儿保"]), max_size=3).map("；".join),
    "household": st.sampled_from(["", "H1", "H2"]),
    "expected_delivery_date": st.one_of(st.just(""), later_days.map(str)),
})


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(member, min_size=1, max_size=8), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_valid_member_file_round_trips_unchanged(tmp_path, Session, rows, encoding):
    n = next(_run)
    src = tmp_path / f"in{n}.csv"
    with open(src, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "name", "gender", "birth_date", "phone", "private_domain", "sms_consent",
                    "sms_consent_at", "tags", "household_id", "household_role", "key_person",
                    "expected_delivery_date"])
        for i, r in enumerate(rows):
            hh = f"R{n}{r['household']}" if r["household"] else ""
            w.writerow([f"P{n}-{i}", r["name"], r["gender"], r["birth_date"], r["phone"], r["private_domain"],
                        r["sms_consent"], r["sms_consent_at"], r["tags"], hh, "self" if hh else "",
                        "1" if hh and i % 2 else "", r["expected_delivery_date"]])
    with Session() as s:
        first = import_file(s, ADMIN, "members", src, **LIMITS)
    assert (first.inserted, first.rejected) == (len(rows), 0), [r.reasons for r in first.rejections]
    with Session() as s:
        again = import_file(s, ADMIN, "members", src, **LIMITS)
    assert again.unchanged == len(rows) and again.updated == 0
    out = tmp_path / f"out{n}.csv"
    with Session() as s:
        total = export_file(s, ADMIN, "members", out)
    with Session() as s:
        back = import_file(s, ADMIN, "members", out, **LIMITS)
    assert back.summary() == f"inserted 0, updated 0, unchanged {total}, rejected 0"
