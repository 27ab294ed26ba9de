"""Builders for test data: each inserts one row with sensible defaults and returns its id."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.services import hash_password
from db.models import (
    Branch,
    Department,
    Household,
    HouseholdMember,
    MaternityRecord,
    Member,
    MemberTag,
    Order,
    Tag,
    User,
    Visit,
)

_seq = itertools.count(1)
PASSWORD = "Test-Passw0rd"


def _commit(session: Session, row):  # noqa: ANN001, ANN202
    session.add(row)
    session.commit()
    return row.id


def make_branch(session: Session, code: str = "HQ", name: str = "总院") -> int:
    found = session.scalar(select(Branch.id).where(Branch.code == code))
    return found if found is not None else _commit(session, Branch(code=code, name=name, city="上海"))


def make_department(session: Session, code: str = "obstetrics", name: str = "产科") -> int:
    found = session.scalar(select(Department.id).where(Department.code == code))
    return found if found is not None else _commit(session, Department(code=code, name=name))


def make_user(session: Session, username: str | None = None, role: str = "advisor", *,
              password: str = PASSWORD, branch_id: int | None = None, team: str | None = None,
              active: bool = True, display_name: str | None = None) -> int:
    username = username or f"user{next(_seq)}"
    return _commit(session, User(username=username, display_name=display_name or username, role=role,
                                 team=team, branch_id=branch_id, password_hash=hash_password(password),
                                 active=active, failed_logins=0, created_at=datetime(2026, 1, 1)))


def make_member(session: Session, external_id: str | None = None, **fields) -> int:
    n = next(_seq)
    defaults = dict(external_id=external_id or f"M{n:06d}", name=f"会员{n}", gender="F",
                    birth_date=date(1992, 5, 17), phone=f"+86138{n:08d}", phone_tail=f"{n:08d}"[-4:],
                    city="上海", private_domain=False, sms_consent=True, wecom_consent=True,
                    joined_at=date(2024, 1, 1))
    defaults.update(fields)
    if "phone" in fields and fields["phone"] and "phone_tail" not in fields:
        defaults["phone_tail"] = fields["phone"][-4:]
    return _commit(session, Member(**defaults))


def make_visit(session: Session, member_id: int, visit_date: date, *, department: str = "obstetrics",
               amount_cents: int = 10_000, kind: str = "outpatient", branch_id: int | None = None) -> int:
    dept = make_department(session, department, department)
    return _commit(session, Visit(external_id=f"V{next(_seq):07d}", member_id=member_id, department_id=dept,
                                  visit_date=visit_date, kind=kind, amount_cents=amount_cents,
                                  branch_id=branch_id))


def make_order(session: Session, member_id: int, ordered_at: date, *, amount_cents: int = 50_000,
               status: str = "paid", product_code: str = "P-TEST", channel: str = "wecom") -> int:
    return _commit(session, Order(external_id=f"O{next(_seq):07d}", member_id=member_id, ordered_at=ordered_at,
                                  amount_cents=amount_cents, status=status, product_code=product_code,
                                  channel=channel))


def make_tag(session: Session, member_id: int, name: str) -> None:
    tag_id = session.scalar(select(Tag.id).where(Tag.name == name)) or _commit(session, Tag(name=name))
    session.add(MemberTag(member_id=member_id, tag_id=tag_id))
    session.commit()


def make_household(session: Session, external_id: str, members: list[tuple[int, str, bool]]) -> int:
    """members: (member_id, role, key_person)."""
    hid = _commit(session, Household(external_id=external_id))
    for member_id, role, key in members:
        session.add(HouseholdMember(member_id=member_id, household_id=hid, role=role, key_person=key))
    session.commit()
    return hid


def make_maternity(session: Session, member_id: int, *, edd: date | None = None, delivered: date | None = None,
                   discharged: date | None = None) -> None:
    session.add(MaternityRecord(member_id=member_id, expected_delivery_date=edd, delivery_date=delivered,
                                discharge_date=discharged))
    session.commit()
