"""Survey use cases: templates (CSAT 1–5, NPS 0–10, free text), sending one to members (a journey step or
a saved segment), the sends still waiting for answers, and recording a member's answers.

A response keeps the member, journey, step, advisor and department of its send, so satisfaction can be
cut by any of them. Advisors record answers for their own members only.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Integer, Select, String, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from db.models import Member
from db.models.kpis import SurveyQuestion, SurveyResponse, SurveySend, SurveyTemplate

SENDERS = ("admin", "lead", "supervisor", "advisor")
EDITORS = ("admin", "lead")
QUESTION_KINDS = ("csat", "nps", "text")


def _reading(session: Session) -> AbstractContextManager:
    """A transaction of our own for a read, or the caller's when one is already open."""
    return nullcontext() if session.in_transaction() else session.begin()


class InvalidAnswer(ValueError):
    """An answer is out of range or the survey does not exist; args[0] is a catalogue key."""


def check_answer(csat: int | None, nps: int | None) -> None:
    """CSAT is 1–5 and NPS 0–10 when given; at least one answer or a text is required by the caller."""
    if csat is not None and not 1 <= csat <= 5:
        raise InvalidAnswer("kpi.survey.bad_csat")
    if nps is not None and not 0 <= nps <= 10:
        raise InvalidAnswer("kpi.survey.bad_nps")


def send_survey(session: Session, actor: Actor, template_code: str, members: Select, *, sent_on: date,
                channel: str, journey_id: int | None = None, step_id: int | None = None) -> int:
    """Send a survey template to every member of `members` (a SELECT of member ids), in one INSERT … SELECT;
    each send remembers the member's advisor. Returns how many were sent."""
    require_role(actor, *SENDERS)
    with session.begin():
        template_id = session.scalar(select(SurveyTemplate.id).where(SurveyTemplate.code == template_code,
                                                                     SurveyTemplate.active.is_(True)))
        if template_id is None:
            raise InvalidAnswer("kpi.survey.unknown")
        ids = members.subquery()
        source = (select(literal(template_id, Integer), Member.id, literal(journey_id, Integer),
                         literal(step_id, Integer), Member.advisor_id, literal(channel, String), literal(sent_on, Date))
                  .where(Member.id.in_(select(ids.c[0]))))
        count = session.scalar(select(func.count()).select_from(source.subquery()))  # psycopg: rowcount is -1
        session.execute(insert(SurveySend.__table__).from_select(
            ["template_id", "member_id", "journey_id", "step_id", "advisor_id", "channel", "sent_on"], source))
        record(session, actor, "send", "survey", template_code,
               {"members": count, "journey_id": journey_id, "step_id": step_id, "sent_on": sent_on})
    return int(count or 0)


def record_response(session: Session, actor: Actor, send_id: int, *, responded_on: date, csat: int | None = None,
                    nps: int | None = None, text: str | None = None) -> int:
    """Store a member's answers to a sent survey (with the send's member, journey, step and advisor)."""
    require_role(actor, *SENDERS)
    check_answer(csat, nps)
    text = (text or "").strip() or None
    if csat is None and nps is None and text is None:
        raise InvalidAnswer("kpi.survey.empty")
    with session.begin():
        send = session.get(SurveySend, send_id)
        if send is None:
            raise InvalidAnswer("kpi.survey.unknown")
        if actor.role == "advisor" and send.advisor_id != actor.user_id:
            raise InvalidAnswer("kpi.survey.not_yours")
        if session.scalar(select(SurveyResponse.id).where(SurveyResponse.send_id == send_id).limit(1)):
            raise InvalidAnswer("kpi.survey.answered")
        response = SurveyResponse(send_id=send.id, template_id=send.template_id, member_id=send.member_id,
                                  journey_id=send.journey_id, step_id=send.step_id, advisor_id=send.advisor_id,
                                  department_id=send.department_id, responded_on=responded_on, csat=csat, nps=nps,
                                  text=text)
        session.add(response)
        session.flush()
        record(session, actor, "create", "survey_response", response.id, {"send_id": send_id, "csat": csat, "nps": nps})
        return response.id


@dataclass(frozen=True)
class Question:
    kind: str    # csat | nps | text
    prompt: str


@dataclass(frozen=True)
class TemplateInfo:
    id: int
    code: str
    name: str
    active: bool
    questions: tuple[Question, ...]
    sends: int
    responses: int


def list_templates(session: Session, actor: Actor) -> list[TemplateInfo]:
    """Every survey template with its questions in order and how often it was sent and answered."""
    require_role(actor, *SENDERS)
    with _reading(session):
        questions: dict[int, list[Question]] = {}
        for tid, kind, prompt in session.execute(select(SurveyQuestion.template_id, SurveyQuestion.kind,
                                                        SurveyQuestion.prompt)
                                                 .order_by(SurveyQuestion.template_id, SurveyQuestion.position)):
            questions.setdefault(tid, []).append(Question(kind, prompt))
        sends = dict(session.execute(select(SurveySend.template_id, func.count()).group_by(SurveySend.template_id)).all())
        answers = dict(session.execute(select(SurveyResponse.template_id, func.count())
                                       .group_by(SurveyResponse.template_id)).all())
        rows = session.execute(select(SurveyTemplate.id, SurveyTemplate.code, SurveyTemplate.name,
                                      SurveyTemplate.active).order_by(SurveyTemplate.code)).all()
    return [TemplateInfo(i, c, n, bool(a), tuple(questions.get(i, ())), int(sends.get(i, 0)), int(answers.get(i, 0)))
            for i, c, n, a in rows]


def save_template(session: Session, actor: Actor, *, code: str, name: str, questions: list[tuple[str, str]],
                  active: bool = True, template_id: int | None = None) -> int:
    """Create a template, or edit one (name, active, questions replaced in the given order); audited."""
    require_role(actor, *EDITORS)
    code, name = code.strip(), name.strip()
    cleaned = [(k, (p or "").strip()) for k, p in questions if (p or "").strip() or k in ("csat", "nps")]
    if not code or not name:
        raise InvalidAnswer("kpi.survey.need_name")
    if not cleaned:
        raise InvalidAnswer("kpi.survey.need_question")
    if any(k not in QUESTION_KINDS for k, _ in cleaned):
        raise InvalidAnswer("kpi.survey.bad_kind")
    with session.begin():
        clash = session.scalar(select(SurveyTemplate.id).where(SurveyTemplate.code == code))
        if clash is not None and clash != template_id:
            raise InvalidAnswer("kpi.survey.code_taken")
        if template_id is None:
            template = SurveyTemplate(code=code, name=name, active=active)
            session.add(template)
            session.flush()
            action = "create"
        else:
            template = session.get(SurveyTemplate, template_id)
            if template is None:
                raise InvalidAnswer("kpi.survey.unknown")
            template.code, template.name, template.active = code, name, active
            session.execute(delete(SurveyQuestion).where(SurveyQuestion.template_id == template.id))
            action = "update"
        session.add_all([SurveyQuestion(template_id=template.id, position=i + 1, kind=k, prompt=p or k.upper())
                         for i, (k, p) in enumerate(cleaned)])
        record(session, actor, action, "survey_template", template.code,
               {"name": name, "active": active, "questions": [k for k, _ in cleaned]})
        return template.id


def send_to_segment(session: Session, actor: Actor, template_id: int, segment_id: int, *, sent_on: date,
                    channel: str) -> int:
    """Send a template to every member of a saved segment (membership on `sent_on`); returns how many."""
    require_role(actor, *EDITORS)
    from core.segments.compile import member_ids
    from core.segments.services import saved_segment_rule

    with session.begin():
        code = session.scalar(select(SurveyTemplate.code).where(SurveyTemplate.id == template_id))
    if code is None:
        raise InvalidAnswer("kpi.survey.unknown")
    rule = saved_segment_rule(session, segment_id)
    if session.in_transaction():
        session.commit()
    return send_survey(session, actor, code, member_ids(rule, as_of=sent_on), sent_on=sent_on, channel=channel)


@dataclass(frozen=True)
class PendingSend:
    send_id: int
    template_id: int
    template: str
    member: str          # external id and masked name
    sent_on: date
    channel: str | None
    advisor_id: int | None


def pending_sends(session: Session, actor: Actor, *, search: str = "", limit: int = 100) -> list[PendingSend]:
    """Sends without a response, newest first; an advisor sees those of their own members only.
    `search` matches the member's external id (prefix) or the template name."""
    from core.members.model import mask_name

    require_role(actor, *SENDERS)
    answered = select(SurveyResponse.send_id).where(SurveyResponse.send_id == SurveySend.id).exists()
    stmt = (select(SurveySend.id, SurveySend.template_id, SurveyTemplate.name, Member.external_id, Member.name,
                   SurveySend.sent_on, SurveySend.channel, SurveySend.advisor_id)
            .join(SurveyTemplate, SurveyTemplate.id == SurveySend.template_id)
            .join(Member, Member.id == SurveySend.member_id)
            .where(~answered).order_by(SurveySend.sent_on.desc(), SurveySend.id.desc()).limit(limit))
    if actor.role == "advisor":
        stmt = stmt.where(SurveySend.advisor_id == actor.user_id)
    term = search.strip()
    if term:
        stmt = stmt.where(or_(Member.external_id.startswith(term, autoescape=True),
                              SurveyTemplate.name.contains(term, autoescape=True)))
    with _reading(session):
        rows = session.execute(stmt).all()
    return [PendingSend(i, t, n, f"{ext} {mask_name(name) or ''}".strip(), on, ch, adv)
            for i, t, n, ext, name, on, ch, adv in rows]
