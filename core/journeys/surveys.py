"""A satisfaction-survey step (kind `survey` with a linked survey) sends its survey when its touch is sent or its
task is completed with the member reached — through core.kpis.surveys.send_survey, the one way surveys go out.

send_survey runs its own transaction, so the sends follow the scheduler's commit: each pass sends what is
missing (sent touches of survey steps with no send of that survey, member, step and day), which makes a run
that died between the two, or a second run, catch up without sending anything twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Integer, exists, func, literal, select
from sqlalchemy.orm import Session, sessionmaker

from core.auth.model import SYSTEM, Actor
from db.models.journeys import JourneyStep, Task, Touch

SENT = ("sent", "delivered")
LOOKBACK_DAYS = 30
REACHED = ("reached", "appointment", "purchased")


def _survey_steps(session: Session) -> dict[int, tuple[int, str]]:
    """Survey steps with a linked survey: step id → (journey id, survey template code)."""
    from db.models.kpis import SurveyTemplate

    rows = session.execute(
        select(JourneyStep.id, JourneyStep.journey_id, SurveyTemplate.code)
        .join(SurveyTemplate, SurveyTemplate.id == JourneyStep.survey_id)
        .where(JourneyStep.kind == "survey")).all()
    return {sid: (jid, code) for sid, jid, code in rows}


def send_step_surveys(session_factory: sessionmaker, on: date) -> int:
    """Send the linked survey of every survey-step touch sent in the last 30 days that has none yet."""
    from core.kpis.surveys import InvalidAnswer, send_survey
    from db.models.kpis import SurveySend

    with session_factory() as session:
        steps = _survey_steps(session)
        if not steps:
            return 0
        journeys = sorted({jid for jid, _code in steps.values()})

        def missing(step_id: int | None = None, sent_on: date | None = None):  # noqa: ANN202
            conditions = [Touch.journey_id.in_(journeys), Touch.step_id.in_(list(steps)),
                          Touch.scheduled_for.between(on - timedelta(days=2 * LOOKBACK_DAYS), on),
                          Touch.status.in_(SENT), Touch.sent_on.between(on - timedelta(days=LOOKBACK_DAYS), on),
                          ~exists().where(SurveySend.member_id == Touch.member_id, SurveySend.step_id == Touch.step_id,
                                          SurveySend.sent_on == Touch.sent_on)]
            if step_id is not None:
                conditions += [Touch.step_id == step_id, Touch.sent_on == sent_on]
            return conditions

        groups = session.execute(select(Touch.step_id, Touch.sent_on, func.min(Touch.channel))
                                 .where(*missing()).group_by(Touch.step_id, Touch.sent_on)).all()
        session.rollback()
        total = 0
        for step_id, sent_on, channel in groups:
            journey_id, code = steps[step_id]
            members = select(Touch.member_id).where(*missing(step_id, sent_on))
            try:
                total += send_survey(session, SYSTEM, code, members, sent_on=sent_on, channel=channel,
                                     journey_id=journey_id, step_id=step_id)
            except InvalidAnswer:  # the survey was retired since the step was made: nothing to send
                session.rollback()
        return total


def send_task_survey(session: Session, actor: Actor, task_id: int, on: date) -> int:
    """After a survey-step task is completed with the member reached, send the step's survey to the member."""
    from core.kpis.surveys import InvalidAnswer, send_survey

    task = session.get(Task, task_id)
    if task is None or task.step_id is None or task.outcome not in REACHED:
        session.rollback()
        return 0
    step = _survey_steps(session).get(task.step_id)
    member_id, step_id, channel = task.member_id, task.step_id, task.channel
    session.rollback()
    if step is None:
        return 0
    journey_id, code = step
    try:
        return send_survey(session, actor, code, select(literal(member_id, Integer)), sent_on=on,
                           channel=channel or "phone", journey_id=journey_id, step_id=step_id)
    except InvalidAnswer:
        session.rollback()
        return 0
