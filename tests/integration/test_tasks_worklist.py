"""Advisor worklist, outcomes, reassignment and the supervision figures on both databases."""

from datetime import date, datetime, timedelta

import pytest

from core.auth.model import Actor, PermissionDenied
from core.tasks import services, supervision
from db.models.journeys import Task
from tests.builders import make_branch, make_member, make_user

D = date(2026, 3, 2)


def _actor(uid, role="advisor", branch=None, name="adv"):
    return Actor(user_id=uid, username=name, display_name=name, role=role, branch_id=branch)


def _task(session, member, advisor, due, **fields):
    row = Task(member_id=member, advisor_id=advisor, due_date=due, status="open", source="manual",
               created_at=datetime(2026, 1, 1), **fields)
    session.add(row)
    session.commit()
    return row.id


@pytest.fixture
def team(session):
    hq = make_branch(session, "HQ")
    a1 = make_user(session, "adv_1", branch_id=hq, team="A")
    a2 = make_user(session, "adv_2", branch_id=hq, team="A")
    m = make_member(session, name="李静", advisor_id=a1)
    return hq, a1, a2, m


def test_worklist_shows_overdue_today_and_next_seven_days_only(session, team):
    hq, a1, a2, m = team
    late = _task(session, m, a1, D - timedelta(days=2))
    now = _task(session, m, a1, D)
    soon = _task(session, m, a1, D + timedelta(days=7))
    _task(session, m, a1, D + timedelta(days=8))
    _task(session, m, a2, D)
    cards = services.worklist(session, _actor(a1, branch=hq), D)
    assert [(c.id, c.bucket) for c in cards] == [(late, "overdue"), (now, "today"), (soon, "upcoming")]
    assert cards[0].member_name == "李静" and cards[0].phone and "*" not in cards[0].phone


def test_one_click_outcome_closes_the_task_with_a_note(session, team):
    hq, a1, a2, m = team
    tid = _task(session, m, a1, D)
    services.record_outcome(session, _actor(a1, branch=hq), tid, "appointment", "周六上午来院")
    session.expire_all()
    task = session.get(Task, tid)
    assert (task.status, task.outcome, task.note) == ("done", "appointment", "周六上午来院")
    assert task.completed_at is not None
    session.rollback()
    with pytest.raises(services.TaskError):
        services.record_outcome(session, _actor(a1, branch=hq), tid, "reached")


def test_an_advisor_cannot_close_or_move_someone_elses_task(session, team):
    hq, a1, a2, m = team
    tid = _task(session, m, a2, D)
    with pytest.raises(PermissionDenied):
        services.record_outcome(session, _actor(a1, branch=hq), tid, "reached")
    session.rollback()
    with pytest.raises(PermissionDenied):
        services.reassign(session, _actor(a1, branch=hq), tid, a1)


def test_reassign_hands_the_task_to_a_colleague(session, team):
    hq, a1, a2, m = team
    tid = _task(session, m, a1, D)
    assert [uid for uid, _ in services.colleagues(session, _actor(a1, branch=hq))] == [a2]
    services.reassign(session, _actor(a1, branch=hq), tid, a2)
    session.expire_all()
    assert session.get(Task, tid).advisor_id == a2


def test_supervision_rates_follow_the_definitions(session, team):
    hq, a1, a2, m = team
    # a1: 4 due in the period: one done on time (23:00 local on the due date), one done late, one open overdue,
    # one cancelled (not counted); a2: one done on time
    done_on_time = _task(session, m, a1, D)
    done_late = _task(session, m, a1, D)
    _task(session, m, a1, D)
    cancelled = _task(session, m, a1, D)
    a2_task = _task(session, m, a2, D + timedelta(days=1))
    for tid, at in ((done_on_time, datetime(2026, 3, 2, 15, 0)), (done_late, datetime(2026, 3, 2, 16, 30)),
                    (a2_task, datetime(2026, 3, 3, 2, 0))):
        task = session.get(Task, tid)
        task.status, task.outcome, task.completed_at = "done", "reached", at
    session.get(Task, cancelled).status = "cancelled"
    session.commit()
    sup = _actor(0, role="supervisor", name="sup")
    by_advisor = {r.key: r for r in supervision.rates(session, sup, D, D + timedelta(days=6), "advisor",
                                                      D + timedelta(days=5))}
    first = by_advisor[str(a1)]
    assert (first.due, first.done, first.on_time, first.overdue) == (3, 2, 1, 1)
    assert first.completion_rate == pytest.approx(2 / 3) and first.on_time_rate == pytest.approx(1 / 3)
    assert by_advisor[str(a2)].on_time_rate == 1
    team_a = supervision.rates(session, sup, D, D + timedelta(days=6), "team", D + timedelta(days=5))
    assert [(r.key, r.due, r.on_time) for r in team_a] == [("A", 4, 2)]
    overdue = supervision.tasks(session, sup, D, D, D + timedelta(days=5), overdue_only=True)
    assert len(overdue) == 1 and overdue[0].member == "李*"
    drill = supervision.tasks(session, sup, D, D + timedelta(days=6), D, by="advisor", key=str(a2))
    assert [t.id for t in drill] == [a2_task]
    trend = supervision.weekly_trend(session, sup, D, D + timedelta(days=13), D + timedelta(days=5))
    assert [w.due for w in trend] == [4, 0]
    text = supervision.export_csv(session, sup, D, D + timedelta(days=6), D, "advisor")
    assert text.splitlines()[0].lstrip("\ufeff").startswith("advisor,label,due,done")


def test_advisors_may_not_read_supervision(session, team):
    with pytest.raises(PermissionDenied):
        supervision.rates(session, _actor(team[1]), D, D, "advisor", D)
