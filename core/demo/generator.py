"""Generate the demo hospital group's rows as numpy columns (deterministic for a seed).

The shape follows the brief: ~18% private-domain members who spend well over 40% of the total and
visit more departments (~62% multi-department), households with key persons and children,
pregnancies at every week, three years of visits and orders with seasonality.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

BRANCHES = (("HQ", "总院", "上海"), ("PD", "浦东院区", "上海"), ("XH", "徐汇院区", "上海"))
DEPARTMENTS = (
    ("obstetrics", "产科"), ("pediatrics", "儿科"), ("dental", "口腔科"), ("ophthalmology", "眼科"),
    ("gynecology", "妇科"), ("aesthetics", "医美"), ("health_check", "体检中心"), ("postpartum", "产后康复"),
)
# product code, department, price in cents — the demo catalogue (core.products.demo) uses the same codes
PRODUCT_CODES: tuple[tuple[str, str, int], ...] = (
    ("OB-NATURAL", "obstetrics", 2_880_000),
    ("OB-CSECTION", "obstetrics", 3_880_000),
    ("OB-VIP", "obstetrics", 6_800_000),
    ("OB-PRENATAL", "obstetrics", 880_000),
    ("PP-CONFINE", "postpartum", 5_800_000),
    ("PP-REHAB", "postpartum", 680_000),
    ("PED-ANNUAL", "pediatrics", 298_000),
    ("PED-CHECK", "pediatrics", 68_000),
    ("PED-VACCINE", "pediatrics", 128_000),
    ("DEN-SCALING", "dental", 29_800),
    ("DEN-ORTHO", "dental", 2_800_000),
    ("DEN-WHITEN", "dental", 198_000),
    ("DEN-CHECK", "dental", 19_800),
    ("EYE-RECHECK", "ophthalmology", 26_800),
    ("EYE-ORTHOK", "ophthalmology", 880_000),
    ("GYN-CHECK", "gynecology", 128_000),
    ("AES-SKIN", "aesthetics", 368_000),
    ("HC-BASIC", "health_check", 98_000),
    ("HC-PREMIUM", "health_check", 398_000),
)
CHANNELS = ("referral", "word_of_mouth", "meituan", "wechat_mall", "mini_program", "wecom", "walk_in")
ORDER_CHANNELS = ("front_desk", "wechat_mall", "mini_program", "meituan", "wecom")
CITIES = ("上海", "上海", "上海", "上海", "苏州", "杭州", "南京", "嘉兴", "无锡")
TAGS = ("高端客户", "二胎家庭", "过敏体质", "价格敏感", "转介绍达人", "孕期焦虑", "种植意向", "近视", "商保客户", "VIP")
SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = tuple("婷娜静敏丽艳芳娟霞秀英华慧巧美雪琳晶欣怡佳悦思雨涵梦瑶琪瑾萱馨颖璐蕾倩薇菲洁宁伟强磊军勇杰涛明超浩宇轩然博文鹏辉刚健平东晨阳凯")
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "182", "183",
                   "187", "188", "130", "131", "132", "155", "156", "186", "133", "153", "180", "189", "177", "199")
# visit amount (cents): lognormal median per department
DEPT_MEDIAN_CENTS = (60_000, 25_000, 40_000, 30_000, 35_000, 150_000, 80_000, 50_000)
# seasonality by month (Jan..Dec) per department: eye and child checks peak in summer/back to school
SEASON = np.array([
    [1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.0, 1.0],
    [1.3, 1.0, 1.1, 1.0, 0.9, 0.9, 1.2, 1.3, 1.0, 0.9, 1.1, 1.3],
    [0.9, 0.7, 1.0, 1.0, 1.0, 1.0, 1.3, 1.3, 1.0, 1.1, 1.0, 0.9],
    [0.8, 0.8, 0.9, 0.9, 0.9, 1.0, 1.6, 1.8, 1.2, 0.9, 0.8, 0.8],
    [1.0, 0.8, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.8, 0.7, 1.1, 1.1, 1.2, 1.1, 0.9, 0.9, 1.0, 1.2, 1.3, 1.4],
    [1.0, 0.6, 1.2, 1.3, 1.2, 1.0, 0.9, 0.9, 1.1, 1.2, 1.2, 1.0],
    [1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
])
EPOCH = np.datetime64("1970-01-01")


@dataclass
class DemoData:
    members: dict[str, np.ndarray]
    households: dict[str, np.ndarray]
    household_members: dict[str, np.ndarray]
    maternity: dict[str, np.ndarray]
    visits: dict[str, np.ndarray]
    orders: dict[str, np.ndarray]
    member_tags: dict[str, np.ndarray]


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _iso(days: np.ndarray) -> np.ndarray:
    return (EPOCH + days.astype("timedelta64[D]")).astype(str)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    return np.char.add(np.char.add(sur, g1), g2)


def generate(n_members: int, seed: int, as_of: date, advisor_ids_by_branch: dict[int, list[int]]) -> DemoData:
    """All demo rows for `n_members` members as of `as_of` (ids start at 1)."""
    rng = np.random.default_rng(seed)
    n = n_members
    ids = np.arange(1, n + 1, dtype=np.int64)
    today = _days(as_of)

    # --- members: 15% children (0-12), the rest adults 20-65, 75% of adults women
    is_child = rng.random(n) < 0.15
    gender = np.where(is_child, np.where(rng.random(n) < 0.5, "F", "M"), np.where(rng.random(n) < 0.75, "F", "M"))
    age_days = np.where(is_child, rng.integers(30, 13 * 365, n), rng.integers(20 * 365, 65 * 365, n))
    birth = today - age_days
    private = (~is_child) & (rng.random(n) < 0.18 / 0.85)
    branch_id = rng.choice(np.array([1, 2, 3]), n, p=[0.5, 0.3, 0.2])
    joined = today - rng.integers(0, 3 * 365, n)
    pd_since = np.where(private, np.minimum(today, joined + rng.integers(0, 365, n)), -1)
    advisor = np.full(n, -1, dtype=np.int64)
    wants_advisor = np.where(private, rng.random(n) < 0.9, rng.random(n) < 0.25)
    for b, advisors in advisor_ids_by_branch.items():
        mask = (branch_id == b) & wants_advisor
        if advisors:
            advisor[mask] = np.array(advisors)[rng.integers(0, len(advisors), int(mask.sum()))]
    prefixes = np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    tails = rng.integers(0, 100_000_000, n)
    local = np.char.add(prefixes, np.char.zfill(tails.astype(str), 8))
    sms = rng.random(n) < 0.85
    wecom = np.where(private, rng.random(n) < 0.95, rng.random(n) < 0.2)
    members = {
        "id": ids,
        "external_id": np.char.add("M", np.char.zfill(ids.astype(str), 8)),
        "name": _names(rng, n),
        "gender": gender,
        "birth_date": _iso(birth),
        "phone": np.char.add("+86", local),
        "phone_tail": np.array([s[-4:] for s in local.tolist()]),
        "city": np.array(CITIES)[rng.integers(0, len(CITIES), n)],
        "branch_id": branch_id,
        "source_channel": np.array(CHANNELS)[rng.choice(len(CHANNELS), n, p=[.2, .15, .15, .1, .1, .1, .2])],
        "joined_at": _iso(joined),
        "private_domain": private,
        "private_domain_since": np.where(private, _iso(np.maximum(pd_since, 0)), None),
        "advisor_id": np.where(advisor > 0, advisor, None),
        "sms_consent": sms,
        "sms_consent_at": np.char.add(_iso(joined), " 09:00:00"),
        "wecom_consent": wecom,
        "wecom_consent_at": np.char.add(_iso(joined), " 09:00:00"),
    }

    # --- households: mothers (women 25-45) with their children, half with a spouse
    adult_f = np.flatnonzero((~is_child) & (gender == "F") & (age_days >= 25 * 365) & (age_days < 45 * 365))
    children = np.flatnonzero(is_child)
    n_house = min(len(adult_f), max(1, int(len(children) / 1.3))) if len(children) else 0
    mothers = rng.permutation(adult_f)[:n_house]
    hh_of_child = rng.integers(0, n_house, len(children)) if n_house else np.array([], dtype=np.int64)
    men = rng.permutation(np.flatnonzero((~is_child) & (gender == "M")))
    n_sp = min(len(men), n_house // 2)
    hh_ids = np.arange(1, n_house + 1, dtype=np.int64)
    households = {"id": hh_ids, "external_id": np.char.add("H", np.char.zfill(hh_ids.astype(str), 8))}
    household_members = {
        "member_id": np.concatenate([ids[mothers], ids[children[: len(hh_of_child)]], ids[men[:n_sp]]]),
        "household_id": np.concatenate([hh_ids, hh_ids[hh_of_child], hh_ids[:n_sp]]),
        "role": np.concatenate([np.full(n_house, "self"), np.full(len(hh_of_child), "child"), np.full(n_sp, "spouse")]),
        "key_person": np.concatenate([np.ones(n_house, bool), np.zeros(len(hh_of_child), bool), np.zeros(n_sp, bool)]),
    }

    # --- maternity: pregnant women at every week, and deliveries in the last two years
    fertile = np.flatnonzero((~is_child) & (gender == "F") & (age_days >= 22 * 365) & (age_days < 42 * 365))
    fertile = rng.permutation(fertile)
    n_preg = int(n * 0.03)
    n_deliv = int(n * 0.03)
    preg = fertile[:n_preg]
    deliv = fertile[n_preg: n_preg + n_deliv]
    edd_p = today + rng.integers(1, 281, len(preg))
    d_date = today - rng.integers(0, 730, len(deliv))
    edd_d = d_date + rng.integers(-14, 8, len(deliv))
    maternity = {
        "member_id": np.concatenate([ids[preg], ids[deliv]]),
        "expected_delivery_date": np.concatenate([_iso(edd_p), _iso(edd_d)]),
        "delivery_date": np.concatenate([np.full(len(preg), None), _iso(d_date)]),
        "discharge_date": np.concatenate([np.full(len(preg), None), _iso(d_date + rng.integers(2, 6, len(deliv)))]),
    }

    # --- visits: private members visit more and across more departments
    primary = np.where(is_child, 1, rng.choice(8, n, p=[.14, .0, .22, .14, .16, .1, .18, .06]))
    primary[preg] = 0
    primary[deliv] = np.where(rng.random(len(deliv)) < 0.5, 0, 7)
    k = np.where(private, rng.poisson(10.0, n) + 2, rng.poisson(5.0, n) + 1)
    multi = np.where(private, rng.random(n) < 0.66, rng.random(n) < 0.22)
    v_member = np.repeat(np.arange(n), k)
    nv = len(v_member)
    other = rng.integers(0, 8, nv)
    use_other = multi[v_member] & (rng.random(nv) < 0.45)
    v_dept = np.where(use_other, other, primary[v_member])
    start = today - 3 * 365
    v_days = rng.integers(start, today + 1, nv)
    months = (EPOCH + v_days.astype("timedelta64[D]")).astype("datetime64[M]").astype(int) % 12
    keep = rng.random(nv) < SEASON[v_dept, months] / 1.8
    v_member, v_dept, v_days = v_member[keep], v_dept[keep], v_days[keep]
    nv = len(v_member)
    median = np.array(DEPT_MEDIAN_CENTS)[v_dept]
    boost = np.where(private[v_member], 1.35, 1.0)
    amount = (median * boost * rng.lognormal(0, 0.6, nv)).astype(np.int64) // 100 * 100
    kind = np.where(v_dept == 6, "exam", np.where(rng.random(nv) < 0.06, "inpatient", "outpatient"))
    amount = np.where(kind == "inpatient", amount * 8, amount)
    order = np.argsort(v_days, kind="stable")
    v_ids = np.arange(1, nv + 1, dtype=np.int64)
    visits = {
        "id": v_ids,
        "external_id": np.char.add("V", np.char.zfill(v_ids.astype(str), 9)),
        "member_id": ids[v_member[order]],
        "branch_id": branch_id[v_member[order]],
        "department_id": v_dept[order] + 1,
        "visit_date": _iso(v_days[order]),
        "kind": kind[order],
        "amount_cents": amount[order],
    }

    # --- orders: products of the member's departments; 5% refunded
    ko = np.where(private, rng.poisson(1.6, n), rng.poisson(0.35, n))
    o_member = np.repeat(np.arange(n), ko)
    no = len(o_member)
    codes = np.array([c for c, _, _ in PRODUCT_CODES])
    prices = np.array([p for _, _, p in PRODUCT_CODES], dtype=np.int64)
    dept_of = np.array([[d for d, _ in DEPARTMENTS].index(dep) for _, dep, _ in PRODUCT_CODES])
    want_dept = primary[o_member]
    by_dept = [np.flatnonzero(dept_of == d) for d in range(8)]
    pick = np.empty(no, dtype=np.int64)
    rnd = rng.random(no)
    for d in range(8):
        mask = want_dept == d
        options = by_dept[d] if len(by_dept[d]) else np.arange(len(codes))
        pick[mask] = options[(rnd[mask] * len(options)).astype(int)]
    o_days = np.maximum(joined[o_member], rng.integers(start, today + 1, no))
    o_order = np.argsort(o_days, kind="stable")
    o_ids = np.arange(1, no + 1, dtype=np.int64)
    orders = {
        "id": o_ids,
        "external_id": np.char.add("O", np.char.zfill(o_ids.astype(str), 9)),
        "member_id": ids[o_member[o_order]],
        "product_code": codes[pick[o_order]],
        "channel": np.array(ORDER_CHANNELS)[rng.integers(0, len(ORDER_CHANNELS), no)],
        "ordered_at": _iso(o_days[o_order]),
        "amount_cents": prices[pick[o_order]],
        "status": np.where(rng.random(no) < 0.05, "refunded", "paid"),
    }

    # --- tags
    has_tag = rng.random(n) < 0.3
    t_member = ids[has_tag]
    t_tag = rng.integers(1, len(TAGS) + 1, len(t_member))
    second = rng.random(len(t_member)) < 0.3
    t2 = (t_tag % len(TAGS)) + 1
    member_tags = {
        "member_id": np.concatenate([t_member, t_member[second]]),
        "tag_id": np.concatenate([t_tag, t2[second]]),
    }
    return DemoData(members, households, household_members, maternity, visits, orders, member_tags)


def default_as_of() -> date:
    """The demo's 'today' (the hospital's current date)."""
    from core.clock import today

    return today()


__all__ = ["BRANCHES", "DEPARTMENTS", "PRODUCT_CODES", "TAGS", "DemoData", "generate", "default_as_of", "timedelta"]
