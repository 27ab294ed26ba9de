"""Journey use cases: templates, versioned edits, approval, manual enrollment, preview, events, the CLI."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from core.auth.model import Actor, PermissionDenied
from core.journeys import services
from core.journeys.events import import_events
from core.journeys.model import JourneyError, StepSpec
from core.journeys.scheduler import run
from core.journeys.senders import MemorySender
from core.journeys.templates import OBSTETRICS, install
from db.models import Member
from db.models.journeys import Journey, JourneyStep, Touch, TouchEvent
from tests.builders import make_department, make_maternity, make_member, make_user

D = date(2026, 3, 2)
LEAD = Actor(user_id=0, username="lead1", display_name="lead", role="lead")
PM = Actor(user_id=0, username="pm1", display_name="pm", role="product_manager")


def _templates(session, status="active"):
    for code in ("obstetrics", "ophthalmology", "dental"):
        make_department(session, code, code)
    ids = install(session, status=status)
    session.commit()
    return ids


def test_the_obstetrics_template_has_27_touches_in_medical_order(session):
    ids = _templates(session)
    steps = services.journey_steps(session, ids["obstetrics_27"])
    assert len(steps) == 27 == len(OBSTETRICS.steps)
    weeks = [s.spec.offset_weeks for s in steps if s.anchor == "edd"]
    assert weeks == sorted(weeks) and weeks[0] == 6 and weeks[-1] == 40
    names = " ".join(s.spec.name for s in steps)
    for word in ("NT", "排畸", "OGTT", "月子", "儿保", "产康" if "产康" in names else "产后康复", "医美", "商业保险",
                 "干细胞", "宠物", "第3天", "第7天", "42天", "疫苗"):
        assert word in names
    assert install(session) == ids  # installing again adds nothing


def test_editing_a_scheduled_step_of_an_active_journey_makes_a_new_version(session, Session):
    make_user(session, "adv_a")
    ids = _templates(session)
    jid = ids["obstetrics_27"]
    mid = make_member(session)
    make_maternity(session, mid, edd=D + timedelta(days=140))
    run(Session, D, sender=MemorySender(), journey_ids=[jid])
    anomaly = next(s for s in services.journey_steps(session, jid) if "排畸" in s.spec.name)
    session.rollback()
    new_id = services.move_step(session, LEAD, jid, anomaly.id, offset_weeks=21, offset_days=0)
    assert new_id != anomaly.id
    old = session.get(JourneyStep, anomaly.id)
    assert old.retired_in_version == 2 and session.get(Journey, jid).version == 2
    assert session.get(JourneyStep, new_id).lineage_id == anomaly.lineage_id
    summary = run(Session, D + timedelta(days=1), sender=MemorySender(), journey_ids=[jid])
    assert summary.touches == 0  # the scheduled row keeps its version; no second touch for the lineage


def test_invalid_steps_are_refused_and_change_nothing(session):
    ids = _templates(session, status="draft")
    with pytest.raises(JourneyError):
        services.save_step(session, PM, ids["dental_recall"], StepSpec(
            name="x", kind="survey", channel="sms", executor="system", offset_days=10, template="{oops}"))
    session.rollback()
    assert len(services.journey_steps(session, ids["dental_recall"])) == 3


def test_only_a_lead_activates_a_reviewed_journey(session):
    ids = _templates(session, status="draft")
    jid = ids["post_discharge"]
    services.set_status(session, PM, jid, "in_review")
    session.rollback()
    with pytest.raises(PermissionDenied):
        services.set_status(session, PM, jid, "active")
    session.rollback()
    services.set_status(session, LEAD, jid, "active")
    session.rollback()
    assert session.get(Journey, jid).status == "active"


def test_preview_shows_real_dates_for_a_sample_member(session):
    ids = _templates(session)
    mid = make_member(session, name="王芳")
    make_maternity(session, mid, edd=date(2026, 6, 30))
    rows = services.preview(session, ids["obstetrics_27"], mid, D)
    nt = next(r for r in rows if r.name.startswith("NT"))
    assert nt.on == date(2025, 12, 9)  # week 11 + 0 for an EDD of 2026-06-30
    assert "王芳" in rows[0].text
    assert all(r.on is None for r in rows if r.name.startswith("出院"))  # not discharged yet


def test_manual_enrollment_is_planned_by_the_next_run(session, Session):
    make_user(session, "adv_a")
    ids = _templates(session)
    mid = make_member(session)
    make_maternity(session, mid, edd=D + timedelta(days=20), delivered=None)
    jid = ids["post_discharge"]
    assert services.enroll_members(session, LEAD, jid, [mid, mid], D) == 1
    session.get(Member, mid)
    record = session.get(__import__("db.models", fromlist=["MaternityRecord"]).MaternityRecord, mid)
    record.discharge_date = D - timedelta(days=1)
    session.commit()
    summary = run(Session, D, sender=MemorySender(), journey_ids=[jid])
    assert summary.tasks == 1 and summary.touches == 2


def test_gateway_events_stamp_touches_and_opt_outs_withdraw_consent(session, Session, tmp_path):
    make_user(session, "adv_a")
    ids = _templates(session)
    mid = make_member(session)
    make_maternity(session, mid, edd=D + timedelta(days=140 - 7 * 4))  # week 24 on D: OGTT today
    run(Session, D, sender=MemorySender(), journey_ids=[ids["obstetrics_27"]])
    touch = session.scalar(select(Touch).where(Touch.status == "sent"))
    export = tmp_path / "gateway.jsonl"
    lines = [{"touch_id": touch.id, "event": "delivered", "at": "2026-03-02T01:02:00Z"},
             {"touch_id": touch.id, "event": "opted_out", "at": "2026-03-02T09:00:00+08:00"},
             {"touch_id": 999999, "event": "opened", "at": "2026-03-02T02:00:00"},
             {"touch_id": touch.id, "event": "exploded", "at": "2026-03-02T02:00:00"}]
    export.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    session.rollback()
    result = import_events(session, export)
    assert (result.loaded, result.unknown_touch, result.invalid) == (2, 1, 1)
    session.rollback()
    again = import_events(session, export)
    assert again.loaded == 0
    session.expire_all()
    touch = session.get(Touch, touch.id)
    assert touch.status == "delivered" and str(touch.opted_out_at) == "2026-03-02 01:00:00"
    assert session.get(Member, mid).sms_consent is False
    assert session.scalar(select(func.count()).select_from(TouchEvent)) == 3  # sent + delivered + opted_out


def test_cli_run_prints_the_summary_last(db_url, session, monkeypatch, tmp_path):
    from core.cli import app

    make_user(session, "adv_a")
    _templates(session)
    mid = make_member(session)
    make_maternity(session, mid, edd=D + timedelta(days=140))
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url.replace("postgresql+psycopg://", "postgresql://"))
    monkeypatch.setenv("CARELOOP_OUTBOX_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["journeys", "run", "--date", D.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("enrolled 1, exited 0, touches ")
    assert "kpi rollups refreshed for" in result.output
    assert list(tmp_path.glob("outbox-2026-03-02-*.jsonl"))
    again = CliRunner().invoke(app, ["journeys", "run", "--date", D.isoformat()])
    assert again.output.strip().splitlines()[-1] == "enrolled 0, exited 0, touches 0, tasks 0, skipped 0"


def test_a_recorded_pregnancy_loss_pauses_marketing_at_once(session, Session):
    make_user(session, "adv_a")
    ids = _templates(session)
    mid = make_member(session)
    make_maternity(session, mid, edd=date.today() + timedelta(days=200))
    run(Session, date.today(), sender=MemorySender(), journey_ids=[ids["obstetrics_27"]])
    session.rollback()
    services.record_suppression(session, LEAD, mid, "pregnancy_loss", date.today(), "随访得知")
    session.expire_all()
    marketing = session.execute(select(Touch.status, Touch.skip_reason).join(JourneyStep, JourneyStep.id == Touch.step_id)
                                .where(JourneyStep.is_marketing.is_(True))).all()
    assert marketing and all(row == ("suppressed", "pregnancy_loss") for row in marketing)
    summary = run(Session, date.today(), sender=MemorySender(), journey_ids=[ids["obstetrics_27"]])
    assert summary.exited == 1  # the obstetrics journey exits on a pregnancy loss
