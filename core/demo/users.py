"""Demo staff and the demo sign-in; only a database created by `careloop demo` has them."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from db.models import AppSetting

DEMO_MARKER = "demo.created_at"
DEMO_PASSWORD = "CareLoop2026"

# username, display name, role, team, branch code
DEMO_USERS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("admin", "王磊", "admin", None, "HQ"),
    ("lead", "陈静", "lead", None, "HQ"),
    ("pm", "刘洋", "product_manager", None, "HQ"),
    ("supervisor", "赵敏", "supervisor", "HQ-A", "HQ"),
    ("advisor", "李娜", "advisor", "HQ-A", "HQ"),
    ("advisor2", "张婷", "advisor", "HQ-A", "HQ"),
    ("advisor3", "孙悦", "advisor", "HQ-B", "HQ"),
    ("advisor4", "周琳", "advisor", "HQ-B", "HQ"),
    ("pd_sup", "吴昊", "supervisor", "PD-A", "PD"),
    ("pd_adv1", "郑洁", "advisor", "PD-A", "PD"),
    ("pd_adv2", "冯雪", "advisor", "PD-A", "PD"),
    ("pd_adv3", "何丽", "advisor", "PD-A", "PD"),
    ("xh_sup", "韩冰", "supervisor", "XH-A", "XH"),
    ("xh_adv1", "许倩", "advisor", "XH-A", "XH"),
    ("xh_adv2", "邓敏", "advisor", "XH-A", "XH"),
    ("xh_adv3", "曹颖", "advisor", "XH-A", "XH"),
)


def demo_password(username: str) -> str:
    """The demo sign-in password (the same for every demo user)."""
    return DEMO_PASSWORD


def is_demo_database(engine: Engine) -> bool:
    """True when `careloop demo` created this database."""
    try:
        with engine.connect() as conn:
            return conn.execute(select(AppSetting.value).where(AppSetting.key == DEMO_MARKER)).first() is not None
    except SQLAlchemyError:
        return False
