"""Survey use cases: send a template to members (a journey step or a segment) and record a response.

A response keeps the member, journey, step, advisor and department of its send, so satisfaction can be
cut by any of them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, Select, String, func, insert, literal, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from db.models import Member
from db.models.kpis import SurveyResponse, SurveySend, SurveyTemplate

SENDERS = ("admin", "lead", "supervisor", "advisor")


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
        response = SurveyResponse(send_id=send.id, template_id=send.template_id, member_id=send.member_id,
                                  journey_id=send.journey_id, step_id=send.step_id, advisor_id=send.advisor_id,
                                  department_id=send.department_id, responded_on=responded_on, csat=csat, nps=nps,
                                  text=text)
        session.add(response)
        session.flush()
        record(session, actor, "create", "survey_response", response.id, {"send_id": send_id, "csat": csat, "nps": nps})
        return response.id
