"""Compiled segment rules select exactly the members a plain-Python reading of the rule selects."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.members.model import age_in_months, age_on, pregnancy_week
from core.rfm.model import RFM_SEGMENTS
from core.segments.compile import count_statement, load_codes, member_ids
from core.segments.model import FIELDS, parse_rule
from db.models import (
    Branch,
    Department,
    Household,
    HouseholdMember,
    MaternityRecord,
    Member,
    MemberTag,
    Order,
    Tag,
    User,
    Visit,
)
from db.models.segments import MemberRfm

AS_OF = date(2026, 6, 15)
AS_OFS = (AS_OF, date(2026, 2, 28), date(2028, 2, 29), date(2027, 3, 1))
INJECTION = "'; DROP TABLE members; --"
CITIES = ("上海", "苏州", INJECTION)
BRANCHES = ("HQ", "PD")
CHANNELS = ("wecom", "meituan", "referral")
ADVISORS = ("adv_a", "adv_b")
TAGS = ("VIP", "二胎家庭", INJECTION)
DEPTS = ("obstetrics", "pediatrics", "dental")
PRODUCTS = ("P-A", "P-B", INJECTION)


@dataclass
class M:
    """One member as plain data, the reference the SQL is compared with."""

    id: int
    gender: str | None
    birth: date | None
    city: str | None
    branch: str | None
    channel: str | None
    joined: date | None
    private: bool
    advisor: str | None
    sms: bool
    wecom: bool
    tags: set = field(default_factory=set)
    visits: list = field(default_factory=list)   # (date, dept, cents)
    orders: list = field(default_factory=list)   # (date, product, cents, status)
    edd: date | None = None
    delivered: date | None = None
    maternity: bool = False
    household: int | None = None
    role: str | None = None
    key_person: bool | None = None
    rfm: tuple | None = None  # (r, f, m, segment)


def _day(rng: random.Random, lo: int, hi: int) -> date:
    return AS_OF + timedelta(days=rng.randint(lo, hi))


def build_members(seed: int = 7, n: int = 44) -> list[M]:
    rng = random.Random(seed)
    pick = lambda seq: rng.choice(seq)  # noqa: E731
    special_births = [date(2000, 2, 29), date(1996, 6, 15), date(1996, 6, 16), date(2026, 2, 28),
                      date(2024, 2, 29), date(2023, 6, 15), None]
    members = []
    for i in range(1, n + 1):
        birth = special_births[i - 1] if i <= len(special_births) else (
            None if rng.random() < 0.1 else date(1960, 1, 1) + timedelta(days=rng.randint(0, 24_000)))
        m = M(i, pick(["F", "F", "M", None]), birth, pick(CITIES + (None,)), pick(BRANCHES + (None,)),
              pick(CHANNELS + (None,)), None if rng.random() < 0.1 else _day(rng, -800, 0),
              rng.random() < 0.4, pick(ADVISORS + (None,)), rng.random() < 0.7, rng.random() < 0.5)
        m.tags = {t for t in TAGS if rng.random() < 0.35}
        for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
            m.visits.append((_day(rng, -500, 20), pick(DEPTS), rng.choice([0, 5_000, 12_345, 100_000])))
        for _ in range(rng.choice([0, 1, 2, 3])):
            m.orders.append((_day(rng, -500, 20), pick(PRODUCTS), rng.choice([0, 50_000, 99_999]),
                             pick(["paid", "paid", "refunded"])))
        if rng.random() < 0.55:
            m.maternity = True
            m.edd = None if rng.random() < 0.1 else _day(rng, -300, 320)
            if m.edd and (m.edd <= AS_OF + timedelta(days=5) or rng.random() < 0.1) and rng.random() < 0.8:
                m.delivered = m.edd + timedelta(days=rng.randint(-15, 10))
        if rng.random() < 0.7:
            m.rfm = (rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 5), pick(RFM_SEGMENTS))
        members.append(m)
    # households: runs of 1–4 members; the first is 'self', others spouse/child/parent
    i, hid = 0, 0
    ids = list(range(n))
    rng.shuffle(ids)
    while i < n - 6:
        hid += 1
        size = rng.randint(1, 4)
        for k, idx in enumerate(ids[i:i + size]):
            members[idx].household = hid
            members[idx].role = "self" if k == 0 else pick(["spouse", "child", "child", "parent"])
            members[idx].key_person = k == 0 and rng.random() < 0.8
        i += size
    return members


def load(session, members: list[M]) -> None:
    session.add_all([Branch(id=1, code="HQ", name="总院"), Branch(id=2, code="PD", name="浦东")])
    session.add_all([Department(id=k + 1, code=c, name=c) for k, c in enumerate(DEPTS)])
    session.add_all([User(id=k + 1, username=u, display_name=u, role="advisor", password_hash="x",
                          created_at=datetime(2026, 1, 1)) for k, u in enumerate(ADVISORS)])
    session.add_all([Tag(id=k + 1, name=t) for k, t in enumerate(TAGS)])
    session.add_all([Household(id=h, external_id=f"H{h}") for h in {m.household for m in members if m.household}])
    session.flush()
    seq = 0
    for m in members:
        session.add(Member(
            id=m.id, external_id=f"M{m.id}", name=f"会员{m.id}", gender=m.gender, birth_date=m.birth, city=m.city,
            branch_id=BRANCHES.index(m.branch) + 1 if m.branch else None, source_channel=m.channel,
            joined_at=m.joined, private_domain=m.private, sms_consent=m.sms, wecom_consent=m.wecom,
            advisor_id=ADVISORS.index(m.advisor) + 1 if m.advisor else None))
    session.flush()
    for m in members:
        session.add_all([MemberTag(member_id=m.id, tag_id=TAGS.index(t) + 1) for t in m.tags])
        for d, dept, cents in m.visits:
            seq += 1
            session.add(Visit(id=seq, external_id=f"V{seq}", member_id=m.id, department_id=DEPTS.index(dept) + 1,
                              visit_date=d, kind="outpatient", amount_cents=cents))
        for d, product, cents, status in m.orders:
            seq += 1
            session.add(Order(id=seq, external_id=f"O{seq}", member_id=m.id, product_code=product,
                              ordered_at=d, amount_cents=cents, status=status))
        if m.maternity:
            session.add(MaternityRecord(member_id=m.id, expected_delivery_date=m.edd, delivery_date=m.delivered))
        if m.household:
            session.add(HouseholdMember(member_id=m.id, household_id=m.household, role=m.role,
                                        key_person=m.key_person))
        if m.rfm:
            r, f, mm, seg = m.rfm
            session.add(MemberRfm(member_id=m.id, recency_days=1, frequency=1, monetary_cents=1, r=r, f=f, m=mm,
                                  segment=seg, computed_on=AS_OF))
    session.commit()


# --- the reference: a plain-Python reading of a rule ----------------------------------------------

MULTI = {"tag", "visits.department", "orders.product_code", "child.age_months"}


def _in_window(d: date, as_of: date, within: int | None) -> bool:
    return d <= as_of and (within is None or as_of - timedelta(days=within) <= d)


def field_value(m: M, members: list[M], name: str, as_of: date, within: int | None):  # noqa: ANN201, C901
    visits = [v for v in m.visits if _in_window(v[0], as_of, within)]
    paid = [o for o in m.orders if o[3] == "paid" and _in_window(o[0], as_of, within)]
    house = [o for o in members if m.household and o.household == m.household]
    return {
        "gender": lambda: m.gender,
        "age": lambda: age_on(m.birth, as_of),
        "city": lambda: m.city,
        "branch": lambda: m.branch,
        "source_channel": lambda: m.channel,
        "joined_at": lambda: m.joined,
        "private_domain": lambda: m.private,
        "advisor": lambda: m.advisor,
        "consent.sms": lambda: m.sms,
        "consent.wecom": lambda: m.wecom,
        "tag": lambda: set(m.tags),
        "visits.department": lambda: {v[1] for v in visits},
        "visits.count": lambda: len(visits),
        "visits.last_days": lambda: (as_of - max(v[0] for v in visits)).days if visits else None,
        "visits.departments_count": lambda: len({v[1] for v in visits}),
        "orders.product_code": lambda: {o[1] for o in paid},
        "orders.count": lambda: len(paid),
        "spend.total": lambda: sum(v[2] for v in visits) + sum(o[2] for o in paid),
        "pregnancy.week": lambda: pregnancy_week(m.edd, m.delivered, as_of) if m.maternity else None,
        "delivered_days": lambda: (as_of - m.delivered).days if m.delivered and m.delivered <= as_of else None,
        "child.age_months": lambda: {age_in_months(o.birth, as_of) for o in house if o.role == "child" and o.birth},
        "household.key_person": lambda: m.key_person,
        "household.size": lambda: len(house) if m.household else None,
        "rfm.r": lambda: m.rfm[0] if m.rfm else None,
        "rfm.f": lambda: m.rfm[1] if m.rfm else None,
        "rfm.m": lambda: m.rfm[2] if m.rfm else None,
        "rfm.segment": lambda: m.rfm[3] if m.rfm else None,
    }[name]()


def _cmp(op: str, x, v) -> bool:  # noqa: ANN001
    return {
        "=": lambda: x == v, "!=": lambda: x != v, "<": lambda: x < v, "<=": lambda: x <= v,
        ">": lambda: x > v, ">=": lambda: x >= v, "between": lambda: v[0] <= x <= v[1],
        "in": lambda: x in v, "not_in": lambda: x not in v,
    }[op]()


def matches(rule: dict, m: M, members: list[M], as_of: date) -> bool:
    if "all" in rule:
        return all(matches(r, m, members, as_of) for r in rule["all"])
    if "any" in rule:
        return any(matches(r, m, members, as_of) for r in rule["any"])
    if "not" in rule:
        return not matches(rule["not"], m, members, as_of)
    cond = parse_rule(rule)  # normalized value (cents, dates, tuples)
    x = field_value(m, members, cond.field, cond.as_of or as_of, cond.within_days)
    op, v = cond.op, cond.value
    if cond.field in MULTI:
        if op == "is_empty":
            return not x
        if op == "not_empty":
            return bool(x)
        if op == "!=":
            return v not in x
        if op == "not_in":
            return not (x & set(v))
        return any(_cmp(op, item, v) for item in x)
    if op == "is_empty":
        return x is None
    if op == "not_empty":
        return x is not None
    return x is not None and _cmp(op, x, v)


# --- rule strategies ------------------------------------------------------------------------------

INTS = {
    "age": (0, 70), "visits.count": (0, 5), "visits.last_days": (0, 520), "visits.departments_count": (0, 3),
    "orders.count": (0, 3), "pregnancy.week": (-8, 44), "delivered_days": (0, 420),
    "child.age_months": (0, 400), "household.size": (1, 4), "rfm.r": (1, 5), "rfm.f": (1, 5), "rfm.m": (1, 5),
}
TEXTS = {"city": CITIES + ("杭州",), "branch": BRANCHES + ("XX",), "source_channel": CHANNELS,
         "advisor": ADVISORS + ("nobody",), "tag": TAGS + ("无此标签",), "visits.department": DEPTS + ("eye",),
         "orders.product_code": PRODUCTS + ("P-Z",)}


def scalar(name: str) -> st.SearchStrategy:
    spec = FIELDS[name]
    if spec.kind == "int":
        lo, hi = INTS[name]
        return st.integers(lo, hi)
    if spec.kind == "money":
        return st.sampled_from([0, 50, 123.45, 500, 1000, 1234.5, 2000, 5000])
    if spec.kind == "date":
        return st.integers(-800, 0).map(lambda n: (AS_OF + timedelta(days=n)).isoformat())
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    return st.sampled_from(TEXTS[name])


@st.composite
def condition(draw, name: str | None = None, op: str | None = None) -> dict:  # noqa: ANN001
    name = name or draw(st.sampled_from(sorted(FIELDS)))
    spec = FIELDS[name]
    op = op or draw(st.sampled_from(spec.ops))
    rule: dict = {"field": name, "op": op}
    if op == "between":
        a, b = draw(scalar(name)), draw(scalar(name))
        rule["value"] = sorted([a, b])
    elif op in ("in", "not_in"):
        rule["value"] = draw(st.lists(scalar(name), min_size=1, max_size=3))
    elif op not in ("is_empty", "not_empty"):
        rule["value"] = draw(scalar(name))
    if spec.windowed:
        within = draw(st.sampled_from([None, None, 0, 30, 180, 365]))
        if within is not None:
            rule["within_days"] = within
    if draw(st.integers(0, 9)) == 0:
        rule["as_of"] = draw(st.sampled_from(AS_OFS)).isoformat()
    return rule


rules = st.recursive(
    condition(),
    lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(kids, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        kids.map(lambda x: {"not": x}),
    ),
    max_leaves=6,
)


# --- tests ----------------------------------------------------------------------------------------


@pytest.fixture
def data(session):
    members = build_members()
    load(session, members)
    return members


def selected(session, rule: dict, as_of: date) -> set[int]:
    """The members selected, the same whether codes are looked up by the statement or bound as ids."""
    looked_up = set(session.scalars(member_ids(rule, as_of=as_of)))
    bound = set(session.scalars(member_ids(rule, as_of=as_of, codes=load_codes(session))))
    assert looked_up == bound, rule
    return bound


def expected(members: list[M], rule: dict, as_of: date) -> set[int]:
    return {m.id for m in members if matches(rule, m, members, as_of)}


def test_every_field_and_operator_selects_what_plain_python_selects(session, data):
    checked = 0
    for name, spec in FIELDS.items():
        for op in spec.ops:
            for seed in range(3):
                rule = _fixed(name, op, seed)
                for as_of in (AS_OF, AS_OFS[2]):
                    assert selected(session, rule, as_of) == expected(data, rule, as_of), (rule, as_of)
                    assert selected(session, {"not": rule}, as_of) == expected(data, {"not": rule}, as_of), rule
                    checked += 1
    assert checked > 400


def _fixed(name: str, op: str, seed: int) -> dict:
    """A deterministic condition for (field, op): values from the pools, windows varied by seed."""
    rng = random.Random(f"{name}{op}{seed}")
    spec = FIELDS[name]

    def one():  # noqa: ANN202
        if spec.kind == "int":
            lo, hi = INTS[name]
            return rng.randint(lo, hi)
        if spec.kind == "money":
            return rng.choice([0, 123.45, 1000, 2000])
        if spec.kind == "date":
            return (AS_OF - timedelta(days=rng.randint(0, 800))).isoformat()
        if spec.kind == "bool":
            return rng.random() < 0.5
        if spec.kind == "choice":
            return rng.choice(spec.choices)
        return rng.choice(TEXTS[name])

    rule: dict = {"field": name, "op": op}
    if op == "between":
        rule["value"] = sorted([one(), one()])
    elif op in ("in", "not_in"):
        rule["value"] = [one() for _ in range(2)]
    elif op not in ("is_empty", "not_empty"):
        rule["value"] = one()
    if spec.windowed and seed:
        rule["within_days"] = (30, 365)[seed - 1]
    return rule


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=rules, as_of=st.sampled_from(AS_OFS))
def test_random_rule_trees_select_what_plain_python_selects(session, data, rule, as_of):
    assert selected(session, rule, as_of) == expected(data, rule, as_of)
    assert session.scalar(count_statement(rule, as_of=as_of)) == len(expected(data, rule, as_of))


def test_injection_text_is_stored_and_matched_literally(session, data):
    for name in ("city", "tag", "orders.product_code"):
        rule = {"field": name, "op": "=", "value": INJECTION}
        found = selected(session, rule, AS_OF)
        assert found == expected(data, rule, AS_OF)
        assert found, name
    assert session.scalar(select(func.count()).select_from(Member)) == len(data)


AGGREGATES = ("visits.count", "visits.departments_count", "visits.last_days", "orders.count", "spend.total")


def test_aggregates_narrowed_by_a_sibling_condition_are_probed_per_member_correctly(session, data):
    sms = {"field": "consent.sms", "op": "=", "value": True}
    for name in AGGREGATES:
        for op in FIELDS[name].ops:
            for seed in range(3):
                rule = {"all": [sms, _fixed(name, op, seed)]}
                for variant in (rule, {"not": rule}, {"any": [rule, {"field": "gender", "op": "=", "value": "M"}]}):
                    assert selected(session, variant, AS_OF) == expected(data, variant, AS_OF), variant
