"""The seeded, editable SOP templates: obstetrics (27 touches), back-to-school eye re-check, dental recall,
post-discharge follow-up."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.journeys.model import Anchor, StepSpec, check_anchor, check_step
from db.models import Department
from db.models.journeys import Journey, JourneyStep


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    name_en: str
    department: str
    anchor: Anchor
    entry_audience: str
    exit_rules: tuple[str, ...]
    holdout_pct: int
    steps: tuple[tuple[str | None, StepSpec], ...]  # (step anchor or None for the journey's, step)


def _s(name, name_en, kind, channel, executor="system", *, weeks=None, days=0, template=None, script=None,
       marketing=False, product=None, runs_on=False, late=3):  # noqa: ANN001, ANN202
    return StepSpec(name=name, name_en=name_en, kind=kind, channel=channel, executor=executor, offset_weeks=weeks,
                    offset_days=days, template=template, script=script, is_marketing=marketing, product_code=product,
                    runs_when_suppressed=runs_on, late_days=late)


SR, HE, PR, SV, FU = "service_reminder", "health_education", "product_recommendation", "survey", "follow_up"

OBSTETRICS = Template(
    code="obstetrics_27", name="产科全周期 SOP（27 触点）", name_en="Obstetrics full-cycle SOP (27 touches)",
    department="obstetrics", anchor=Anchor("edd"), entry_audience="pregnant",
    exit_rules=("suppressed:pregnancy_loss", "refunded:OB-", "consent_withdrawn"), holdout_pct=5,
    steps=(
        (None, _s("建档提醒", "Booking reminder", SR, "sms", weeks=6, runs_on=True,
                  template="{name}您好，恭喜怀孕！孕6–8周请来院建档，{advisor}将为您预约产检。")),
        (None, _s("孕早期营养与叶酸宣教", "Early-pregnancy nutrition and folic acid", HE, "wecom", weeks=8, runs_on=True,
                  template="{name}您好，孕{week}周请坚持补充叶酸，少食多餐，避免生食。")),
        (None, _s("NT 检查预约提醒", "NT scan booking", SR, "sms", weeks=11, runs_on=True,
                  template="{name}您好，孕11–13⁺⁶周是NT检查窗口，请尽快预约。")),
        (None, _s("产检套餐介绍电话", "Prenatal package call", PR, "phone", "advisor", weeks=12, marketing=True,
                  product="OB-PRENATAL", script="问候孕周与身体状况；介绍产检套餐包含项目与明码标价；约下次产检。")),
        (None, _s("唐筛 / 无创DNA 提醒", "Down syndrome screening / NIPT", SR, "sms", weeks=15, runs_on=True,
                  template="{name}您好，孕15–20周可做唐氏筛查或无创DNA，请与医生确认。")),
        (None, _s("大排畸超声预约", "Anomaly scan booking", SR, "sms", weeks=20, runs_on=True,
                  template="{name}您好，孕20–24周请预约大排畸超声，名额紧张请提前。")),
        (None, _s("OGTT 糖耐量检查提醒", "OGTT glucose test", SR, "sms", weeks=24, runs_on=True,
                  template="{name}您好，孕24–28周需做OGTT，检查前一晚10点后禁食。")),
        (None, _s("干细胞储存介绍", "Stem-cell storage", PR, "wecom", weeks=26, marketing=True, product=None,
                  template="{name}您好，脐带血干细胞储存需在分娩前签约，{advisor}可为您详细介绍。")),
        (None, _s("孕晚期产检提醒（两周一次）", "Third-trimester checks every two weeks", SR, "sms", weeks=28,
                  runs_on=True, template="{name}您好，孕28周起产检改为两周一次，请按时来院。")),
        (None, _s("月子中心参观邀约", "Confinement-care visit invitation", PR, "phone", "advisor", weeks=30,
                  marketing=True, product="PP-CONFINE",
                  script="了解产后照护计划；邀请参观月子中心；说明套餐价格与会员优惠。")),
        (None, _s("分娩套餐 / VIP 产房介绍", "Delivery package and VIP suite", PR, "wecom", weeks=32, marketing=True,
                  product="OB-VIP", template="{name}您好，{product}现在预订{price}，可提前锁定产房。")),
        (None, _s("母婴商业保险推荐", "Mother-and-baby insurance", PR, "wecom", weeks=34, marketing=True,
                  template="{name}您好，新生儿出生后30天内投保最方便，{advisor}可帮您对比商保方案。")),
        (None, _s("待产包与 GBS 筛查", "Hospital bag and GBS screening", HE, "wecom", weeks=35, runs_on=True,
                  template="{name}您好，孕35–37周做GBS筛查，待产包清单已为您准备好。")),
        (None, _s("孕36周起每周产检", "Weekly checks from week 36", SR, "sms", weeks=36, runs_on=True,
                  template="{name}您好，孕36周起每周产检一次，注意胎动变化。")),
        (None, _s("宠物安置服务", "Pet placement service", PR, "wecom", weeks=37, marketing=True,
                  template="{name}您好，住院期间家中宠物可由合作机构照看，需要请回复。")),
        (None, _s("临产征兆关怀电话", "Signs-of-labour care call", FU, "phone", "advisor", weeks=38, runs_on=True,
                  script="确认入院准备；讲解临产征兆（规律宫缩、破水、见红）与急诊路线。")),
        (None, _s("预产期胎监提醒", "Due-date fetal monitoring", SR, "sms", weeks=40, runs_on=True,
                  template="{name}您好，已到预产期，请来院做胎心监护，超过41周需住院评估。")),
        ("delivery", _s("住院关怀与新生儿护理宣教", "Inpatient care and newborn care", HE, "wecom", days=1,
                        template="{name}您好，恭喜宝宝出生！新生儿喂养与护理要点已发送，请查收。")),
        ("discharge", _s("出院第3天随访", "Discharge day-3 follow-up", FU, "phone", "advisor", days=3, runs_on=True,
                         script="询问恶露、伤口、母乳喂养与黄疸情况；异常即安排复诊。")),
        ("discharge", _s("出院第7天随访与满意度调查", "Day-7 follow-up and satisfaction survey", SV, "sms", days=7,
                         template="{name}您好，出院一周了，请花1分钟评价本次住院服务。")),
        ("discharge", _s("产后康复推荐", "Postpartum rehabilitation", PR, "wecom", days=21, marketing=True,
                         product="PP-REHAB", template="{name}您好，产后盆底与腹直肌评估推荐在6周左右，{product}{price}。")),
        ("discharge", _s("产后42天复查提醒", "Day-42 postpartum check", SR, "sms", days=42, runs_on=True,
                         template="{name}您好，产后42天请母婴一同来院复查。")),
        ("delivery", _s("满月儿保与乙肝疫苗第二针", "One-month child check and hepatitis B dose 2", SR, "sms", days=30,
                        runs_on=True, template="{name}您好，宝宝满月了，请预约儿保体检和乙肝疫苗第二针。")),
        ("delivery", _s("儿保年卡推荐", "Child-health annual membership", PR, "wecom", "advisor", days=60,
                        marketing=True, product="PED-ANNUAL",
                        script="介绍儿保年卡：一年诊金减免与检查优惠；结合宝宝疫苗计划。")),
        ("delivery", _s("3月龄儿保与疫苗提醒", "Three-month check and vaccines", SR, "sms", days=90, runs_on=True,
                        template="{name}您好，宝宝3月龄儿保与疫苗接种时间到了，请预约。")),
        ("delivery", _s("产后医美修复推荐", "Postpartum aesthetics", PR, "wecom", days=150, marketing=True,
                        product="AES-SKIN", template="{name}您好，产后肌肤修复方案{product}会员价{price}。")),
        ("delivery", _s("周岁体检与年度回访", "First-birthday check and annual call", FU, "phone", "advisor",
                        days=365, runs_on=True, script="祝贺宝宝周岁；预约周岁体检；回访一年服务满意度。")),
    ),
)

BACK_TO_SCHOOL = Template(
    code="back_to_school_eye", name="开学季儿童眼科复查", name_en="Back-to-school child eye re-check",
    department="ophthalmology", anchor=Anchor("yearly", month=8, day=20), entry_audience="school_age_child",
    exit_rules=("consent_withdrawn",), holdout_pct=10,
    steps=(
        (None, _s("开学前视力复查提醒", "Pre-term eye re-check reminder", PR, "wecom", days=0, marketing=True,
                  product="EYE-RECHECK", template="{name}您好，开学前带孩子做一次视力复查，{product}{price}。")),
        (None, _s("未预约家庭电话邀约", "Call to families not yet booked", PR, "phone", "advisor", days=7,
                  marketing=True, product="EYE-RECHECK", script="询问孩子用眼情况；推荐复查时段；可预约周末号。")),
        (None, _s("短信最后提醒", "Last SMS reminder", PR, "sms", days=12, marketing=True, product="EYE-RECHECK",
                  template="{name}您好，开学季眼科复查本周截止预约。")),
    ),
)

DENTAL_RECALL = Template(
    code="dental_recall", name="洁牙 6 个月复诊召回", name_en="Dental recall 6 months after scaling",
    department="dental", anchor=Anchor("purchase", product_code="DEN-SCALING"), entry_audience="dental_scaling",
    exit_rules=("consent_withdrawn",), holdout_pct=0,
    steps=(
        (None, _s("口腔保健宣教", "Oral care education", HE, "wecom", days=150,
                  template="{name}您好，距上次洁牙约5个月，记得早晚刷牙并使用牙线。")),
        (None, _s("6个月洁牙复诊提醒", "Six-month scaling recall", PR, "sms", days=180, marketing=True,
                  product="DEN-SCALING", template="{name}您好，距上次洁牙已6个月，{product}{price}，欢迎预约。")),
        (None, _s("顾问预约电话", "Advisor booking call", PR, "phone", "advisor", days=190, marketing=True,
                  product="DEN-CHECK", script="提醒复诊；推荐全口检查；有意向可介绍正畸或美白。")),
    ),
)

POST_DISCHARGE = Template(
    code="post_discharge", name="出院后随访（3/7/30 天）", name_en="Post-discharge follow-up (day 3/7/30)",
    department="obstetrics", anchor=Anchor("discharge"), entry_audience="discharged",
    exit_rules=(), holdout_pct=0,
    steps=(
        (None, _s("出院第3天电话随访", "Day-3 follow-up call", FU, "phone", "advisor", days=3, runs_on=True,
                  script="询问恢复情况、用药与复诊安排。")),
        (None, _s("出院第7天关怀", "Day-7 care message", FU, "sms", days=7, runs_on=True,
                  template="{name}您好，出院一周了，恢复还好吗？有任何不适请联系{advisor}。")),
        (None, _s("出院第30天满意度调查", "Day-30 satisfaction survey", SV, "sms", days=30,
                  template="{name}您好，请为本次住院服务打分，您的意见对我们很重要。")),
    ),
)

TEMPLATES = (OBSTETRICS, BACK_TO_SCHOOL, DENTAL_RECALL, POST_DISCHARGE)


def install(session: Session, *, status: str = "draft", owner_id: int | None = None) -> dict[str, int]:
    """Add each template journey not yet present (by code); return code → journey id. Caller commits."""
    departments = dict(session.execute(select(Department.code, Department.id)).all())
    existing = dict(session.execute(select(Journey.code, Journey.id)).all())
    ids: dict[str, int] = {}
    now = utcnow()
    for tpl in TEMPLATES:
        if tpl.code in existing:
            ids[tpl.code] = existing[tpl.code]
            continue
        anchor = check_anchor(tpl.anchor)
        anchor_department = departments.get(tpl.department) if anchor.kind == "last_visit" else None
        journey = Journey(
            code=tpl.code, name=tpl.name, name_en=tpl.name_en, department_id=departments.get(tpl.department),
            owner_id=owner_id, status=status, version=1, anchor=anchor.kind, anchor_department_id=anchor_department,
            anchor_product_code=anchor.product_code, anchor_month=anchor.month, anchor_day=anchor.day,
            entry_audience=tpl.entry_audience, exit_rules=json.dumps(list(tpl.exit_rules)),
            holdout_pct=tpl.holdout_pct, no_consent_action="task", created_at=now,
        )
        session.add(journey)
        session.flush()
        for position, (step_anchor, spec) in enumerate(tpl.steps, start=1):
            check_step(spec, step_anchor or anchor.kind)
            step = JourneyStep(journey_id=journey.id, version=1, position=position, anchor=step_anchor,
                               **step_columns(spec))
            session.add(step)
            session.flush()
            step.lineage_id = step.id
        ids[tpl.code] = journey.id
    session.flush()
    return ids


def step_columns(spec: StepSpec) -> dict:
    return dict(name=spec.name, name_en=spec.name_en, kind=spec.kind, channel=spec.channel, executor=spec.executor,
                offset_weeks=spec.offset_weeks, offset_days=spec.offset_days, send_from_min=spec.send_from_min,
                send_to_min=spec.send_to_min, late_days=spec.late_days, template=spec.template, script=spec.script,
                is_marketing=spec.is_marketing, runs_when_suppressed=spec.runs_when_suppressed,
                product_code=spec.product_code, content_id=spec.content_id, survey_id=spec.survey_id,
                condition_rule=spec.condition_rule)
