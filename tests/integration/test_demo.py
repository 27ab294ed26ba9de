"""The demo group: deterministic, loads once, and shows the brief's private-domain figures."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from core.demo.services import DatabaseNotEmpty, build_demo
from core.demo.users import DEMO_USERS, is_demo_database
from db.models import Member, Order, User, Visit

AS_OF = date(2026, 11, 23)


def _fingerprint(engine):
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT COUNT(*), SUM(amount_cents), MIN(visit_date), MAX(visit_date) FROM visits"
        )).one()


@pytest.fixture
def demo(engine, Session):
    report = build_demo(engine, Session, members=3000, seed=7, as_of=AS_OF)
    return report


def test_demo_has_every_role_and_shows_the_brief_figures(demo, engine, Session):
    with Session() as s:
        roles = set(s.scalars(select(User.role)))
        assert roles == {"admin", "lead", "product_manager", "supervisor", "advisor"}
        assert s.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)
        members = s.scalar(select(func.count()).select_from(Member))
        private = s.scalar(select(func.count()).select_from(Member).where(Member.private_domain.is_(True)))
        assert members == 3000 and 0.15 < private / members < 0.21
        visit_spend = dict(s.execute(
            select(Member.private_domain, func.sum(Visit.amount_cents)).join(Visit, Visit.member_id == Member.id)
            .group_by(Member.private_domain)).all())
        order_spend = dict(s.execute(
            select(Member.private_domain, func.sum(Order.amount_cents)).join(Order, Order.member_id == Member.id)
            .where(Order.status == "paid").group_by(Member.private_domain)).all())
        spend = {k: int(visit_spend.get(k) or 0) + int(order_spend.get(k) or 0) for k in (True, False)}
        assert spend[True] / (spend[True] + spend[False]) > 0.40
    assert is_demo_database(engine)
    assert demo.visits > 3000 * 3


def test_demo_loads_only_into_an_empty_database(demo, engine, Session):
    with pytest.raises(DatabaseNotEmpty):
        build_demo(engine, Session, members=100, seed=7, as_of=AS_OF)


def test_same_seed_gives_the_same_data(demo, engine, Session, tmp_path):
    from db.engine import make_engine, make_session_factory
    from db.migrate import upgrade

    other = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    upgrade(other)
    build_demo(other, make_session_factory(other), members=3000, seed=7, as_of=AS_OF)
    assert [str(v) for v in _fingerprint(other)] == [str(v) for v in _fingerprint(engine)]
    other.dispose()


def test_a_fresh_database_is_not_a_demo_database(engine):
    assert not is_demo_database(engine)


def test_the_bulk_load_leaves_every_index_and_constraint_in_place(demo, engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from db.models import Base

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
