"""The supervision page shows the task-completion figures of the definitions and exports them."""

from datetime import datetime, timedelta

from sqlalchemy import select

from core.clock import today
from db.models import User
from db.models.journeys import Task
from tests.builders import make_member
from tests.ui.conftest import open_page, texts


def _history(Session):
    """adv1: 4 tasks due 3 days ago — 2 done on time, 1 done late, 1 still open; adv2: 1 due, done on time."""
    due = today() - timedelta(days=3)
    with Session() as s:
        users = dict(s.execute(select(User.username, User.id)).all())
        mid = make_member(s)
        cutoff = datetime.combine(due, datetime.min.time()) + timedelta(hours=10)  # 18:00 local on the due date
        plan = [("adv1", cutoff), ("adv1", cutoff), ("adv1", cutoff + timedelta(days=1)), ("adv1", None),
                ("adv2", cutoff)]
        for who, done_at in plan:
            s.add(Task(member_id=mid, advisor_id=users[who], due_date=due, source="manual", created_at=cutoff,
                       status="done" if done_at else "open", outcome="reached" if done_at else None,
                       completed_at=done_at))
        s.commit()


def test_supervision_shows_completion_on_time_and_overdue(ui_db, Session):
    _history(Session)
    at = open_page("sup1", "pages/supervision.py")
    assert not at.exception
    figures = {m.label: m.value for m in at.metric}
    assert figures == {"到期任务": "5", "完成率": "80.0%", "按时率": "60.0%", "逾期": "1"}
    table = at.dataframe[0].value
    by_name = {row["名称"]: row for row in table.to_dict("records")}
    assert by_name["adv1"]["按时率"] == "50.0%" and by_name["adv2"]["完成率"] == "100.0%"
    assert "逾期任务" in texts(at)


def test_drill_down_by_team_and_export(ui_db, Session):
    _history(Session)
    at = open_page("lead1", "pages/supervision.py")
    at.selectbox(key="supervision_by").set_value("team").run()
    at.selectbox(key="supervision_drill").set_value("A").run()
    assert not at.exception
    assert len(at.dataframe[1].value) == 5
    at.button(key="supervision_export").click().run()
    assert at.get("download_button")
