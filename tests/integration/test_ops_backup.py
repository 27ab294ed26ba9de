"""`careloop backup` / `restore` on SQLite (online backup API); PostgreSQL is pointed at pg_dump/pg_restore."""

from __future__ import annotations

import sqlite3

from sqlalchemy import func, select
from typer.testing import CliRunner

from core.cli import app
from db.engine import make_engine, make_session_factory
from db.models import Member
from tests.builders import make_member

runner = CliRunner()


def _members(url: str) -> int:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as s:
            return s.scalar(select(func.count()).select_from(Member))
    finally:
        engine.dispose()


def _sqlite_db(sqlite_template, tmp_path, monkeypatch) -> str:
    path = tmp_path / "live.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CARELOOP_DATABASE_URL", url)
    return url


def test_a_backup_taken_while_the_database_is_open_restores_the_state_it_saw(sqlite_template, tmp_path,
                                                                               monkeypatch):
    url = _sqlite_db(sqlite_template, tmp_path, monkeypatch)
    live = make_engine(url)
    Session = make_session_factory(live)
    with Session() as s:
        make_member(s, "M-BEFORE")
        s.commit()
    out = tmp_path / "backups" / "careloop-1.db"
    with Session() as s:  # a reader holds the database open during the backup
        s.execute(select(Member.id)).all()
        result = runner.invoke(app, ["backup", str(out)])
    assert result.exit_code == 0, result.output
    assert "backed up to" in result.output and out.exists()
    with sqlite3.connect(out) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Session() as s:
        make_member(s, "M-AFTER")
        s.commit()
    live.dispose()
    assert _members(url) == 2
    restored = runner.invoke(app, ["restore", str(out), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _members(url) == 1


def test_a_backup_never_overwrites_a_file(sqlite_template, tmp_path, monkeypatch):
    _sqlite_db(sqlite_template, tmp_path, monkeypatch)
    out = tmp_path / "taken.db"
    out.write_text("keep me")
    result = runner.invoke(app, ["backup", str(out)])
    assert result.exit_code == 2 and "already exists" in result.output
    assert out.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_careloop_backup(sqlite_template, tmp_path, monkeypatch):
    url = _sqlite_db(sqlite_template, tmp_path, monkeypatch)
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all")
    result = runner.invoke(app, ["restore", str(junk), "--yes"])
    assert result.exit_code == 2 and "not a CareLoop SQLite backup" in result.output
    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    assert runner.invoke(app, ["restore", str(other), "--yes"]).exit_code == 2
    assert _members(url) == 0


def test_restore_asks_before_replacing_the_data(sqlite_template, tmp_path, monkeypatch):
    _sqlite_db(sqlite_template, tmp_path, monkeypatch)
    out = tmp_path / "b.db"
    assert runner.invoke(app, ["backup", str(out)]).exit_code == 0
    result = runner.invoke(app, ["restore", str(out)], input="n\n")
    assert result.exit_code == 1 and "nothing restored" in result.output


def test_backup_and_restore_on_postgresql_point_at_pg_dump(tmp_path, monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/careloop")
    for args in (["backup", str(tmp_path / "x.db")], ["restore", str(tmp_path / "x.db"), "--yes"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert "pg_dump" in result.output and "docs/operations.md" in result.output
    assert not (tmp_path / "x.db").exists()
