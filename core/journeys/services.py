"""Journey use cases: list and edit templates (versioned once scheduled), approve, enroll, suppress, run, preview."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.audit.services import record
from core.auth.model import Actor, PermissionDenied, require_role
from core.clock import today, utcnow
from core.journeys import scheduler
from core.journeys.model import (
    APPROVER_ROLES,
    EDITOR_ROLES,
    JourneyError,
    StepSpec,
    check_step,
    check_transition,
    is_control,
    pregnancy_week_day,
    render,
    step_date,
    yearly_anchor,
)
from core.journeys.templates import step_columns
from db.models import HouseholdMember, MaternityRecord, Member, Order, User, Visit
from db.models.journeys import (
    SUPPRESSION_REASONS,
    Enrollment,
    Journey,
    JourneyStep,
    MemberSuppression,
    Task,
    Touch,
)

RUNNER_ROLES = ("lead", "admin")


@dataclass(frozen=True)
class JourneyInfo:
    id: int
    code: str
    name: str
    name_en: str | None
    status: str
    version: int
    anchor: str
    anchor_month: int | None
    anchor_day: int | None
    holdout_pct: int
    no_consent_action: str
    entry_audience: str | None
    steps: int
    enrolled: int
    exit_rules: tuple[str, ...] = ()
    exit_segment_id: int | None = None
    entry_segment_id: int | None = None


@dataclass(frozen=True)
class StepInfo:
    id: int
    lineage_id: int
    position: int
    anchor: str
    spec: StepSpec


@dataclass(frozen=True)
class PreviewRow:
    step_id: int
    name: str
    channel: str
    executor: str
    on: date | None
    text: str


def list_journeys(session: Session) -> list[JourneyInfo]:
    """Every journey with its current step count and live enrollments."""
    steps = (select(JourneyStep.journey_id, func.count().label("n")).where(JourneyStep.retired_in_version.is_(None))
             .group_by(JourneyStep.journey_id).subquery())
    live = (select(Enrollment.journey_id, func.count().label("n")).where(Enrollment.exited_on.is_(None))
            .group_by(Enrollment.journey_id).subquery())
    rows = session.execute(
        select(Journey, func.coalesce(steps.c.n, 0), func.coalesce(live.c.n, 0))
        .outerjoin(steps, steps.c.journey_id == Journey.id).outerjoin(live, live.c.journey_id == Journey.id)
        .order_by(Journey.id)).all()
    return [JourneyInfo(j.id, j.code, j.name, j.name_en, j.status, j.version, j.anchor, j.anchor_month, j.anchor_day,
                        j.holdout_pct, j.no_consent_action, j.entry_audience, n_steps, n_live,
                        tuple(json.loads(j.exit_rules or "[]")), j.exit_segment_id, j.entry_segment_id)
            for j, n_steps, n_live in rows]


def journey_steps(session: Session, journey_id: int) -> list[StepInfo]:
    """The current steps of a journey, in timeline order."""
    journey = _journey(session, journey_id)
    rows = session.scalars(select(JourneyStep).where(JourneyStep.journey_id == journey_id,
                                                     JourneyStep.retired_in_version.is_(None))).all()
    out = [StepInfo(s.id, s.lineage_id or s.id, s.position, s.anchor or journey.anchor, _spec(s)) for s in rows]
    return sorted(out, key=lambda s: (_ANCHOR_ORDER.get(s.anchor, 9), 7 * (s.spec.offset_weeks or 0)
                                      + s.spec.offset_days, s.position))


_ANCHOR_ORDER = {"enrollment": 0, "edd": 1, "yearly": 1, "purchase": 1, "last_visit": 1, "delivery": 2,
                 "discharge": 3, "child_birth": 4}


def _spec(s: JourneyStep) -> StepSpec:
    return StepSpec(name=s.name, name_en=s.name_en, kind=s.kind, channel=s.channel, executor=s.executor,
                    offset_days=s.offset_days, offset_weeks=s.offset_weeks, send_from_min=s.send_from_min,
                    send_to_min=s.send_to_min, late_days=s.late_days, template=s.template, script=s.script,
                    is_marketing=s.is_marketing, runs_when_suppressed=s.runs_when_suppressed,
                    product_code=s.product_code, content_id=s.content_id, survey_id=s.survey_id,
                    condition_rule=s.condition_rule)


def _journey(session: Session, journey_id: int) -> Journey:
    journey = session.get(Journey, journey_id)
    if journey is None:
        raise JourneyError("journeys.error.not_found")
    return journey


def _has_rows(session: Session, step_id: int) -> bool:
    journey_id = session.scalar(select(JourneyStep.journey_id).where(JourneyStep.id == step_id))
    return bool(session.scalar(select(exists().where(Touch.journey_id == journey_id, Touch.step_id == step_id)))
                or session.scalar(select(exists().where(Task.journey_id == journey_id, Task.step_id == step_id))))


def _new_version(session: Session, journey: Journey) -> int:
    """Editing an active or paused journey makes a new version; a draft is edited in place."""
    if journey.status in ("active", "paused"):
        journey.version += 1
    journey.updated_at = utcnow()
    return journey.version


def save_step(session: Session, actor: Actor, journey_id: int, spec: StepSpec, *, step_id: int | None = None,
              anchor: str | None = None) -> int:
    """Add a step, or change one; a step already scheduled keeps its rows and gets a new version. Returns its id."""
    require_role(actor, *EDITOR_ROLES)
    with session.begin():
        journey = _journey(session, journey_id)
        if journey.status == "retired":
            raise JourneyError("journeys.error.retired")
        old = session.get(JourneyStep, step_id) if step_id is not None else None
        if step_id is not None and (old is None or old.journey_id != journey_id or old.retired_in_version):
            raise JourneyError("journeys.error.step_not_found")
        step_anchor = anchor if anchor is not None else (old.anchor if old else None)
        check_step(spec, step_anchor or journey.anchor)
        check_condition(spec.condition_rule)
        version = _new_version(session, journey)
        if old is not None and not _has_rows(session, old.id):
            before = asdict(_spec(old))
            for key, value in step_columns(spec).items():
                setattr(old, key, value)
            old.anchor = step_anchor
            record(session, actor, "update", "journey_step", old.id, {"before": before, "after": asdict(spec)})
            return old.id
        position = old.position if old else (session.scalar(select(func.coalesce(func.max(JourneyStep.position), 0))
                                                            .where(JourneyStep.journey_id == journey_id)) + 1)
        new = JourneyStep(journey_id=journey_id, version=version, position=position, anchor=step_anchor,
                          lineage_id=old.lineage_id if old else None, **step_columns(spec))
        session.add(new)
        session.flush()
        if old is not None:
            old.retired_in_version = version
        else:
            new.lineage_id = new.id
        record(session, actor, "create" if old is None else "version", "journey_step", new.id,
               {"journey_id": journey_id, "version": version, "replaces": old.id if old else None,
                "after": asdict(spec)})
        return new.id


def check_condition(rule_json: str | None) -> None:
    """Raise JourneyError unless a step condition is a valid segment rule (JSON)."""
    if not rule_json:
        return
    import json

    from core.segments.model import RuleError, parse_rule

    try:
        parse_rule(json.loads(rule_json))
    except (ValueError, RuleError, TypeError) as exc:
        raise JourneyError("journeys.error.condition", reason=str(exc.args[0]) if exc.args else "") from None


def move_step(session: Session, actor: Actor, journey_id: int, step_id: int, *, offset_days: int,
              offset_weeks: int | None = None) -> int:
    """Change a step's offset from its anchor."""
    step = session.get(JourneyStep, step_id)
    if step is None:
        raise JourneyError("journeys.error.step_not_found")
    spec = _spec(step).moved(offset_days, offset_weeks)
    session.rollback()
    return save_step(session, actor, journey_id, spec, step_id=step_id)


def delete_step(session: Session, actor: Actor, journey_id: int, step_id: int) -> None:
    """Remove a step: deleted outright if nothing was scheduled from it, else retired (its rows stay)."""
    require_role(actor, *EDITOR_ROLES)
    with session.begin():
        journey = _journey(session, journey_id)
        step = session.get(JourneyStep, step_id)
        if step is None or step.journey_id != journey_id or step.retired_in_version:
            raise JourneyError("journeys.error.step_not_found")
        version = _new_version(session, journey)
        if _has_rows(session, step_id):
            step.retired_in_version = version
            session.execute(update(Touch).where(Touch.step_id == step_id, Touch.status == "scheduled")
                            .values(status="skipped", skip_reason="step_removed"))
            session.execute(update(Task).where(Task.step_id == step_id, Task.status == "open")
                            .values(status="cancelled", cancel_reason="step_removed"))
        else:
            session.delete(step)
        record(session, actor, "delete", "journey_step", step_id, {"journey_id": journey_id, "version": version})


def set_status(session: Session, actor: Actor, journey_id: int, target: str) -> None:
    """Move a journey through draft → in review → active → paused/retired; only a lead approves."""
    require_role(actor, *EDITOR_ROLES)
    with session.begin():
        journey = _journey(session, journey_id)
        check_transition(journey.status, target)
        if target == "active" and actor.role not in APPROVER_ROLES:
            raise PermissionDenied("only a lead approves a journey")
        before = journey.status
        journey.status = target
        journey.updated_at = utcnow()
        if target == "active" and before == "in_review":
            journey.approved_by = actor.user_id or None
            journey.approved_at = utcnow()
        record(session, actor, "status", "journey", journey_id, {"status": [before, target]})


def update_settings(session: Session, actor: Actor, journey_id: int, *, holdout_pct: int,
                    no_consent_action: str) -> None:
    """Change the hold-out share (new entrants only) and what happens without channel consent."""
    require_role(actor, *EDITOR_ROLES)
    if not 0 <= holdout_pct <= 50:
        raise JourneyError("journeys.error.holdout")
    if no_consent_action not in ("task", "skip"):
        raise JourneyError("journeys.error.no_consent_action")
    with session.begin():
        journey = _journey(session, journey_id)
        before = {"holdout_pct": journey.holdout_pct, "no_consent_action": journey.no_consent_action}
        journey.holdout_pct = holdout_pct
        journey.no_consent_action = no_consent_action
        record(session, actor, "update", "journey", journey_id,
               {"before": before, "after": {"holdout_pct": holdout_pct, "no_consent_action": no_consent_action}})


def enroll_members(session: Session, actor: Actor, journey_id: int, member_ids: list[int], on: date) -> int:
    """Manually enroll members (the hold-out draw happens now, once); returns how many were new."""
    require_role(actor, "lead", "advisor", "admin", "product_manager")
    with session.begin():
        journey = _journey(session, journey_id)
        known = set(session.scalars(select(Enrollment.member_id).where(Enrollment.journey_id == journey_id,
                                                                         Enrollment.member_id.in_(member_ids))))
        new = [m for m in dict.fromkeys(member_ids) if m not in known]
        for member_id in new:
            session.add(Enrollment(journey_id=journey_id, member_id=member_id, enrolled_on=on, source="manual",
                                   enrolled_by=actor.user_id or None,
                                   is_control=is_control(journey_id, member_id, journey.holdout_pct)))
        record(session, actor, "enroll", "journey", journey_id, {"members": new})
        return len(new)


def record_suppression(session: Session, actor: Actor, member_id: int, reason: str, starts_on: date,
                       note: str | None = None) -> int:
    """Pause marketing to a member from `starts_on`: from today on, every unsent marketing step at once."""
    require_role(actor, "lead", "advisor", "supervisor", "admin")
    if reason not in SUPPRESSION_REASONS:
        raise JourneyError("journeys.error.suppression_reason")
    with session.begin():
        row = MemberSuppression(member_id=member_id, reason=reason, starts_on=starts_on, note=note,
                                created_by=actor.user_id or None, created_at=utcnow())
        session.add(row)
        session.flush()
        paused = scheduler.suppress_member(session, member_id, starts_on) if starts_on <= today() else 0
        record(session, actor, "create", "member_suppression", row.id,
               {"member_id": member_id, "reason": reason, "paused": paused})
        return row.id


def run_now(session_factory: sessionmaker, actor: Actor, on: date) -> scheduler.RunSummary:
    """Run the scheduler for a date on behalf of a lead, and audit it."""
    require_role(actor, *RUNNER_ROLES)
    summary = scheduler.run(session_factory, on, actor=actor.username)
    with session_factory() as session, session.begin():
        record(session, actor, "run", "journeys", on.isoformat(), asdict(summary))
    return summary


def sample_members(session: Session, journey_id: int, limit: int = 20) -> list[tuple[int, str]]:
    """Members to preview a journey on: enrolled ones first, else any pregnant or recent members."""
    rows = session.execute(select(Member.id, Member.name).join(Enrollment, Enrollment.member_id == Member.id)
                           .where(Enrollment.journey_id == journey_id).order_by(Member.id).limit(limit)).all()
    if not rows:
        rows = session.execute(select(Member.id, Member.name).join(MaternityRecord, MaternityRecord.member_id
                                                                   == Member.id).order_by(Member.id)
                               .limit(limit)).all()
    return [(mid, name or str(mid)) for mid, name in rows]


def member_anchor_dates(session: Session, journey: Journey, member_id: int, on: date) -> dict[str, date | None]:
    """A member's date for every anchor kind (for the preview)."""
    mr = session.get(MaternityRecord, member_id)
    enrolled = session.scalar(select(Enrollment.enrolled_on).where(Enrollment.journey_id == journey.id,
                                                                   Enrollment.member_id == member_id)) or on
    child = session.scalar(
        select(func.max(Member.birth_date)).select_from(HouseholdMember)
        .join(Member, Member.id == HouseholdMember.member_id)
        .where(HouseholdMember.role == "child", HouseholdMember.household_id.in_(
            select(HouseholdMember.household_id).where(HouseholdMember.member_id == member_id))))
    last_visit = session.scalar(select(func.max(Visit.visit_date)).where(
        Visit.member_id == member_id, Visit.department_id == journey.anchor_department_id))
    purchase = session.scalar(select(func.max(Order.ordered_at)).where(
        Order.member_id == member_id, Order.product_code == journey.anchor_product_code, Order.status == "paid"))
    yearly = None
    if journey.anchor_month and journey.anchor_day:
        yearly = yearly_anchor(on.year, journey.anchor_month, journey.anchor_day)
        if yearly < on - timedelta(days=30):
            yearly = yearly_anchor(on.year + 1, journey.anchor_month, journey.anchor_day)
    return {"enrollment": enrolled, "edd": mr.expected_delivery_date if mr else None,
            "delivery": mr.delivery_date if mr else None, "discharge": mr.discharge_date if mr else None,
            "child_birth": child, "last_visit": last_visit, "purchase": purchase, "yearly": yearly}


def preview(session: Session, journey_id: int, member_id: int, on: date) -> list[PreviewRow]:
    """The real dates and texts each current step would have for one member."""
    journey = _journey(session, journey_id)
    anchors = member_anchor_dates(session, journey, member_id, on)
    member = session.get(Member, member_id)
    advisor = session.get(User, member.advisor_id) if member and member.advisor_id else None
    mr = session.get(MaternityRecord, member_id)
    out = []
    for step in journey_steps(session, journey_id):
        base = anchors.get(step.anchor)
        when = step_date(step.anchor, base, step.spec.offset_weeks, step.spec.offset_days) if base else None
        week = None
        if mr and mr.expected_delivery_date and when and when < mr.expected_delivery_date:
            week = pregnancy_week_day(mr.expected_delivery_date, when)[0]
        text = render(step.spec.template or step.spec.script or "", {
            "name": member.name if member else "", "week": week, "advisor": advisor.display_name if advisor else "",
            "product": step.spec.product_code, "price": ""})
        out.append(PreviewRow(step.id, step.spec.name, step.spec.channel, step.spec.executor, when, text))
    session.rollback()
    return out


def last_runs(session: Session, limit: int = 10) -> list[dict]:
    """The latest scheduler runs, newest first."""
    from db.models.journeys import JourneyRun

    rows = session.scalars(select(JourneyRun).order_by(JourneyRun.id.desc()).limit(limit)).all()
    return [{"run_date": r.run_date, "actor": r.actor, "finished_at": r.finished_at, "enrolled": r.enrolled,
             "exited": r.exited, "touches": r.touches, "tasks": r.tasks, "skipped": r.skipped} for r in rows]


