"""The console refuses to start on bad settings or an unmigrated database, with one clear sentence."""

from __future__ import annotations

from tests.ui.conftest import new_app, texts


def test_a_short_cookie_key_stops_the_start_with_one_sentence(ui_db, monkeypatch):
    monkeypatch.setenv("CARELOOP_COOKIE_KEY", "too-short")
    at = new_app().run()
    assert not at.exception
    assert "CARELOOP_COOKIE_KEY is 9 characters long; it needs at least 32." in texts(at)
    assert len(at.text_input) == 0


def test_an_unmigrated_database_asks_for_the_upgrade_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CARELOOP_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("CARELOOP_COOKIE_KEY", "k" * 40)
    at = new_app().run()
    assert not at.exception
    assert "careloop db upgrade" in texts(at)
    assert len(at.text_input) == 0
