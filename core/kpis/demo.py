"""Demo data of the KPI context: a content library and a year of views (private-domain distribution
lifting exposure by ~66%), survey templates with sends and responses (CSAT ≈ 4.3), leads by channel
and product category with appointments and arrivals, then a one-pass rollup rebuild.

Deterministic for a seed; generated as numpy columns and bulk-loaded (COPY on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.demo.loader import load_table, reset_sequences
from core.kpis import rollups
from core.kpis.definitions import BASELINE_CHANNELS, PRIVATE_CHANNELS
from db.models import Department, Member, Visit
from db.models.kpis import Content, SurveyQuestion, SurveyTemplate

# (title, kind, department code, tags)
CONTENTS = (
    ("孕早期必知：NT 检查什么时候做？", "education", "obstetrics", "孕早期,产检"),
    ("孕中期营养：每天要补多少钙和铁", "education", "obstetrics", "孕中期,营养"),
    ("唐筛、无创 DNA 和羊穿怎么选", "education", "obstetrics", "产检"),
    ("孕晚期数胎动的正确方法", "education", "obstetrics", "孕晚期"),
    ("顺产还是剖宫产？产科主任讲清楚", "education", "obstetrics", "分娩"),
    ("待产包清单（2026 版）", "education", "obstetrics", "孕晚期,分娩"),
    ("产后 42 天复查查什么", "education", "postpartum", "产后"),
    ("盆底肌修复：越早越好吗？", "education", "postpartum", "产康"),
    ("母乳喂养的 10 个常见问题", "education", "pediatrics", "新生儿,喂养"),
    ("宝宝黄疸什么时候需要就医", "education", "pediatrics", "新生儿"),
    ("疫苗接种时间表一图看懂", "education", "pediatrics", "儿保,疫苗"),
    ("儿童发热的家庭护理", "education", "pediatrics", "儿科"),
    ("开学季：孩子视力多久查一次", "education", "ophthalmology", "开学季,近视"),
    ("近视防控：户外活动每天 2 小时", "education", "ophthalmology", "近视"),
    ("角膜塑形镜适合哪些孩子", "education", "ophthalmology", "近视,OK镜"),
    ("洗牙会伤牙吗？口腔医生辟谣", "education", "dental", "洁牙"),
    ("儿童窝沟封闭的最佳年龄", "education", "dental", "儿童口腔"),
    ("牙齿矫正的黄金年龄", "education", "dental", "正畸"),
    ("HPV 疫苗九价和四价的区别", "education", "gynecology", "HPV"),
    ("体检报告里的甲状腺结节怎么看", "education", "health_check", "体检"),
    ("尊享分娩套餐：一对一助产与单间", "product", "obstetrics", "种草,分娩"),
    ("月子中心 28 天套餐介绍", "product", "postpartum", "种草,月子"),
    ("产后康复 10 次卡：盆底 + 腹直肌", "product", "postpartum", "种草,产康"),
    ("儿科年费会籍：一年免挂号费", "product", "pediatrics", "会籍,儿保"),
    ("儿保体检套餐（0–3 岁）", "product", "pediatrics", "种草,儿保"),
    ("开学季儿童眼科复查 199 元", "product", "ophthalmology", "种草,开学季"),
    ("角膜塑形镜验配套餐", "product", "ophthalmology", "种草,OK镜"),
    ("超声波洁牙 + 抛光 298 元", "product", "dental", "种草,洁牙"),
    ("隐形矫正免费面诊", "product", "dental", "种草,正畸"),
    ("冷光美白限时优惠", "product", "dental", "种草,美白"),
    ("光子嫩肤体验价", "product", "aesthetics", "种草,医美"),
    ("产后塑形轻医美方案", "product", "aesthetics", "种草,产后"),
    ("高端体检套餐（含胃肠镜）", "product", "health_check", "种草,体检"),
    ("母婴商业保险直付说明", "product", "obstetrics", "商保"),
    ("新生儿脐带血干细胞储存", "product", "obstetrics", "干细胞"),
    ("住院期间宠物安置服务", "product", "obstetrics", "宠物安置"),
)
BASELINE_WEIGHTS = (0.45, 0.2, 0.2, 0.15)       # official account, Xiaohongshu, Dianping, website
PRIVATE_WEIGHTS = (0.4, 0.25, 0.2, 0.15)        # WeCom 1:1, group, Moments, SMS link
UPLIFT = 0.66
SURVEYS = (
    ("VISIT_CSAT", "门诊就诊满意度", (("csat", "您对本次就诊的整体满意度？"), ("nps", "您有多大可能把我们推荐给亲友？"),
                                      ("text", "还有什么想对我们说的？"))),
    ("POSTPARTUM", "产后 42 天随访", (("csat", "您对住院分娩期间的服务满意吗？"), ("nps", "您会推荐我们的产科吗？"),
                                      ("text", "请写下您的建议"))),
    ("PED_NPS", "儿保服务 NPS", (("nps", "您会向其他家长推荐我们的儿保服务吗？"), ("text", "原因是？"))),
)
PRAISE = ("医生很耐心，讲得很清楚", "护士很专业，宝宝没怎么哭", "环境干净，等候时间短", "顾问提醒很及时，省心",
          "月子餐很好吃", "前台服务热情", "复查预约很方便")
COMPLAINTS = ("等候时间太长了", "停车不方便", "价格有点贵，希望有更多优惠", "短信提醒太频繁",
              "检查报告出得慢", "电话一直打不通")
# lead channel -> weight; category -> department
LEAD_CHANNELS = (("meituan", 0.22), ("dianping", 0.12), ("wecom", 0.2), ("mini_program", 0.14),
                 ("xiaohongshu", 0.1), ("referral", 0.12), ("phone", 0.06), ("website", 0.04))
CATEGORIES = (("maternity", "obstetrics", 0.16), ("confinement", "postpartum", 0.08),
              ("child_health", "pediatrics", 0.16), ("postpartum", "postpartum", 0.08), ("dental", "dental", 0.2),
              ("ophthalmology", "ophthalmology", 0.12), ("aesthetics", "aesthetics", 0.08),
              ("health_check", "health_check", 0.1), ("insurance", "obstetrics", 0.02))
BIG = ["content_views", "survey_sends", "survey_responses", "leads", "appointments"]


def _next_id(session: Session, model) -> int:  # noqa: ANN001
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def _dates(start: date, offsets: np.ndarray) -> np.ndarray:
    return (np.datetime64(start) + offsets.astype("timedelta64[D]")).astype(object)


def _seed_catalogue(session: Session, depts: dict[str, int], start: date) -> tuple[list[int], list[int]]:
    contents = [Content(code=f"CT{i + 1:03d}", title=title, kind=kind, department_id=depts.get(dept), tags=tags,
                        published_on=start) for i, (title, kind, dept, tags) in enumerate(CONTENTS)]
    session.add_all(contents)
    templates = []
    for code, name, questions in SURVEYS:
        tpl = SurveyTemplate(code=code, name=name, active=True)
        session.add(tpl)
        session.flush()
        templates.append(tpl.id)
        session.add_all(SurveyQuestion(template_id=tpl.id, position=i + 1, kind=kind, prompt=prompt)
                        for i, (kind, prompt) in enumerate(questions))
    session.flush()
    return [c.id for c in contents], templates


def _views(rng: np.random.Generator, content_ids: list[int], private_members: np.ndarray, n_members: int,
           first_id: int, start: date, days: int) -> dict:
    n_items = len(content_ids)
    popularity = rng.gamma(2.0, 1.0, n_items)
    baseline_total = min(max(3000, n_members * 3), 600_000)
    baseline = rng.poisson(popularity / popularity.sum() * baseline_total)
    private = rng.poisson(baseline * UPLIFT * rng.uniform(0.6, 1.4, n_items))
    private = np.round(private * (UPLIFT * baseline.sum() / max(private.sum(), 1))).astype(int)
    content = np.concatenate([np.repeat(content_ids, baseline), np.repeat(content_ids, private)])
    is_private = np.concatenate([np.zeros(baseline.sum(), bool), np.ones(private.sum(), bool)])
    n = len(content)
    channel = np.where(is_private, rng.choice(PRIVATE_CHANNELS, n, p=PRIVATE_WEIGHTS),
                       rng.choice(BASELINE_CHANNELS, n, p=BASELINE_WEIGHTS)).astype(object)
    member = np.full(n, None, dtype=object)
    if len(private_members):
        member[is_private] = rng.choice(private_members, int(is_private.sum())).astype(object)
    day = rng.integers(0, days, n)
    return {"id": np.arange(first_id, first_id + n), "content_id": content, "member_id": member,
            "channel": channel, "private_domain": is_private, "viewed_on": _dates(start, day)}


def seed(engine: Engine, session_factory: sessionmaker[Session], *, seed: int, as_of: date) -> None:
    """Content, views, surveys, leads and appointments for the year up to `as_of`, then the rollups."""
    rng = np.random.default_rng(seed + 7007)
    days = 365
    start = as_of - timedelta(days=days - 1)
    with session_factory() as s, s.begin():
        depts = dict(s.execute(select(Department.code, Department.id)).all())
        members = s.execute(select(Member.id, Member.advisor_id, Member.private_domain)).all()
        visits = s.execute(select(Visit.member_id, Visit.visit_date, Visit.department_id)
                           .where(Visit.visit_date.between(start, as_of)).order_by(Visit.id)).all()
        content_ids, templates = _seed_catalogue(s, depts, start)
        ids = {name: _next_id(s, model) for name, model in _big_models().items()}
    if not members:
        return
    member_ids = np.array([m[0] for m in members])
    advisor_of = {m[0]: m[1] for m in members}
    private_members = np.array([m[0] for m in members if m[2]])
    columns = {"content_views": _views(rng, content_ids, private_members, len(members), ids["content_views"],
                                       start, days)}
    columns.update(_surveys(rng, visits, advisor_of, templates, ids, as_of))
    columns.update(_leads(rng, visits, member_ids, depts, ids, start, as_of))
    for name in BIG:
        load_table(engine, name, columns[name])
    reset_sequences(engine, ["contents", "survey_templates", "survey_questions", *BIG])
    with session_factory() as s, s.begin():
        first = rollups.first_fact_day(s) or start
        rollups.rebuild(s, min(first, start), as_of)


def _big_models() -> dict:
    from db.models.kpis import Appointment, ContentView, Lead, SurveyResponse, SurveySend

    return {"content_views": ContentView, "survey_sends": SurveySend, "survey_responses": SurveyResponse,
            "leads": Lead, "appointments": Appointment}


def _surveys(rng: np.random.Generator, visits: list, advisor_of: dict, templates: list[int], ids: dict,
             as_of: date) -> dict:
    if not visits:
        empty = {"id": np.array([], dtype=int)}
        return {"survey_sends": empty, "survey_responses": empty}
    n = min(len(visits), max(200, len(advisor_of) // 3))
    picked = rng.choice(len(visits), n, replace=False)
    picked.sort()
    member = np.array([visits[i][0] for i in picked])
    sent = np.array([min(visits[i][1] + timedelta(days=1), as_of) for i in picked], dtype=object)
    dept = np.array([visits[i][2] for i in picked], dtype=object)
    send_ids = np.arange(ids["survey_sends"], ids["survey_sends"] + n)
    sends = {"id": send_ids, "template_id": rng.choice(templates, n, p=(0.6, 0.25, 0.15)).astype(object),
             "member_id": member, "advisor_id": np.array([advisor_of.get(m) for m in member], dtype=object),
             "department_id": dept, "channel": rng.choice(["wecom", "sms"], n, p=(0.7, 0.3)).astype(object),
             "sent_on": sent}
    answered = rng.random(n) < 0.45
    k = int(answered.sum())
    csat = rng.choice([5, 4, 3, 2, 1], k, p=(0.5, 0.35, 0.1, 0.03, 0.02))
    nps = np.where(csat >= 5, rng.integers(8, 11, k), np.where(csat == 4, rng.integers(7, 10, k),
                                                               rng.integers(0, 8, k)))
    has_text = rng.random(k) < 0.3
    text = np.where(csat >= 4, rng.choice(PRAISE, k), rng.choice(COMPLAINTS, k)).astype(object)
    text[~has_text] = None
    delay = rng.integers(0, 4, k)
    responded = np.array([min(d + timedelta(days=int(x)), as_of) for d, x in zip(sent[answered], delay, strict=True)],
                         dtype=object)
    tpl = sends["template_id"][answered]
    csat_col = csat.astype(object)
    csat_col[tpl == templates[2]] = None  # the paediatric survey asks NPS only
    responses = {"id": np.arange(ids["survey_responses"], ids["survey_responses"] + k), "send_id": send_ids[answered],
                 "template_id": tpl, "member_id": member[answered], "advisor_id": sends["advisor_id"][answered],
                 "department_id": dept[answered], "responded_on": responded, "csat": csat_col,
                 "nps": nps.astype(object), "text": text}
    return {"survey_sends": sends, "survey_responses": responses}


def _leads(rng: np.random.Generator, visits: list, member_ids: np.ndarray, depts: dict, ids: dict, start: date,
           as_of: date) -> dict:
    n = max(300, len(member_ids) // 3)
    channel = rng.choice([c for c, _ in LEAD_CHANNELS], n, p=[w for _, w in LEAD_CHANNELS]).astype(object)
    cat_idx = rng.choice(len(CATEGORIES), n, p=[w for _, _, w in CATEGORIES])
    category = np.array([CATEGORIES[i][0] for i in cat_idx], dtype=object)
    dept = np.array([depts.get(CATEGORIES[i][1]) for i in cat_idx], dtype=object)
    member = np.full(n, None, dtype=object)
    created = _dates(start, rng.integers(0, (as_of - start).days + 1, n))
    linked = rng.random(n) < 0.75
    member[linked] = rng.choice(member_ids, int(linked.sum())).astype(object)
    converted = linked & (rng.random(n) < 0.4) if visits else np.zeros(n, bool)
    visit_for = np.full(n, None, dtype=object)
    for i in np.flatnonzero(converted):
        m, day, dept_id = visits[int(rng.integers(len(visits)))]
        lead_day = day - timedelta(days=int(rng.integers(0, 26)))
        if lead_day < start:
            converted[i] = False
            continue
        member[i], created[i], dept[i], visit_for[i] = m, lead_day, dept_id, day
    lead_ids = np.arange(ids["leads"], ids["leads"] + n)
    leads = {"id": lead_ids, "member_id": member, "channel": channel, "product_category": category,
             "department_id": dept, "created_on": created}
    booked = converted | (linked & (rng.random(n) < 0.15))
    rows = np.flatnonzero(booked)
    status, scheduled, arrived = [], [], []
    for i in rows:
        if visit_for[i] is not None:
            status.append("arrived")
            scheduled.append(visit_for[i])
            arrived.append(visit_for[i])
        else:
            status.append(str(rng.choice(["booked", "no_show", "cancelled"], p=(0.4, 0.35, 0.25))))
            scheduled.append(created[i] + timedelta(days=int(rng.integers(3, 11))))
            arrived.append(None)
    made = np.array([min(created[i] + timedelta(days=int(rng.integers(0, 3))), scheduled[k])
                     for k, i in enumerate(rows)], dtype=object)
    appointments = {"id": np.arange(ids["appointments"], ids["appointments"] + len(rows)), "lead_id": lead_ids[rows],
                    "member_id": member[rows], "department_id": dept[rows], "created_on": made,
                    "scheduled_for": np.array(scheduled, dtype=object), "status": np.array(status, dtype=object),
                    "arrived_on": np.array(arrived, dtype=object)}
    return {"leads": leads, "appointments": appointments}
