"""The advisor worklist page: buckets, one-click outcome with a note, reassignment."""

from datetime import datetime, timedelta

from sqlalchemy import select

from core.clock import today
from db.models import User
from db.models.journeys import Task
from tests.builders import make_member
from tests.ui.conftest import open_page, texts


def _tasks(Session):
    with Session() as s:
        adv1 = s.scalar(select(User.id).where(User.username == "adv1"))
        mid = make_member(s, name="陈静", advisor_id=adv1)
        ids = []
        for days in (-3, 0, 5):
            row = Task(member_id=mid, advisor_id=adv1, due_date=today() + timedelta(days=days), status="open",
                       source="manual", channel="phone", note="回访产后恢复", created_at=datetime(2026, 1, 1))
            s.add(row)
            s.flush()
            ids.append(row.id)
        s.commit()
    return ids


def test_the_advisor_sees_overdue_today_and_upcoming_tasks(ui_db, Session):
    _tasks(Session)
    at = open_page("adv1", "pages/worklist.py")
    assert not at.exception
    assert [m.value for m in at.metric] == ["1", "1", "1"]
    assert "陈静" in " ".join(e.label for e in at.expander)


def test_one_click_records_the_outcome_with_a_note(ui_db, Session):
    late, *_ = _tasks(Session)
    at = open_page("adv1", "pages/worklist.py")
    at.selectbox(key=f"worklist_outcome_{late}").set_value("appointment").run()
    at.text_input(key=f"worklist_note_{late}").set_value("约了周六上午").run()
    at.button(key=f"worklist_done_{late}").click().run()
    assert not at.exception
    assert "已记录结果" in texts(at)
    assert [m.value for m in at.metric] == ["0", "1", "1"]
    with Session() as s:
        task = s.get(Task, late)
        assert (task.status, task.outcome, task.note) == ("done", "appointment", "约了周六上午")


def test_reassign_hands_the_task_to_a_colleague(ui_db, Session):
    _, now, _ = _tasks(Session)
    at = open_page("adv1", "pages/worklist.py")
    at.button(key=f"worklist_reassign_{now}").click().run()
    assert "已转派给 adv2" in texts(at)
    with Session() as s:
        assert s.get(Task, now).advisor_id == s.scalar(select(User.id).where(User.username == "adv2"))


def test_pausing_marketing_records_the_reason_and_closes_the_task(ui_db, Session):
    from db.models.journeys import MemberSuppression

    _, now, _ = _tasks(Session)
    at = open_page("adv1", "pages/worklist.py")
    at.selectbox(key=f"worklist_suppress_reason_{now}").set_value("complaint").run()
    at.button(key=f"worklist_suppress_{now}").click().run()
    assert not at.exception
    assert "营销步骤将立即暂停" in texts(at)
    with Session() as s:
        assert s.scalar(select(MemberSuppression.reason)) == "complaint"
        assert s.get(Task, now).status == "done"
