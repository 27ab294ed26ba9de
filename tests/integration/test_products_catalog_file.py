"""Catalogue as a file: export, import into another database, export again — unchanged; bad files refused."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from core.auth.model import SYSTEM
from core.products import demo
from core.products.catalog_file import export_catalog, import_catalog
from core.products.model import ProductError
from core.products.services import list_published
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from tests.builders import make_member
from tests.integration.test_products_lifecycle import PM, build_items, scaling_draft

AS_OF = date(2026, 9, 1)


def _fresh_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(engine)
    return engine


def test_round_trip_through_another_database_is_unchanged(engine, Session, session, tmp_path):
    from core.products.services import create_product, new_version

    demo.seed(engine, Session, seed=1, as_of=AS_OF)
    build_items(session)
    draft_id = create_product(session, PM, scaling_draft(code="DEN-NEW", name="新品洁牙"))
    assert draft_id
    new_version(session, PM, "DEN-CHECK")
    first = export_catalog(session, SYSTEM)
    other = _fresh_sqlite(tmp_path)
    with make_session_factory(other)() as s:
        counts = import_catalog(s, SYSTEM, json.loads(json.dumps(first)))
        second = export_catalog(s, SYSTEM)
    assert counts["products_added"] == len(first["products"])
    assert second == first
    other.dispose()


def test_importing_the_same_file_twice_changes_nothing(engine, Session, session):
    demo.seed(engine, Session, seed=1, as_of=AS_OF)
    data = export_catalog(session, SYSTEM)
    counts = import_catalog(session, SYSTEM, data)
    assert counts["products_added"] == 0
    assert counts["products_unchanged"] == len(data["products"])
    assert export_catalog(session, SYSTEM) == data


@pytest.mark.parametrize(
    ("mutate", "reason_part"),
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d["items"][0].update(category="magic"), "items[0].category"),
        (lambda d: d["products"][0].update(status="sold"), "products[0].status"),
        (lambda d: d["products"][0]["items"][0].update(item="NOPE"), "products[0].items[0].item"),
        (lambda d: d["promotions"][0].update(percent=150), "percent must be 0..100"),
        (lambda d: d["promotions"][0].update(starts="yesterday"), "promotions[0].starts"),
    ],
)
def test_an_invalid_file_is_refused_naming_the_entry(engine, Session, session, mutate, reason_part):
    demo.seed(engine, Session, seed=1, as_of=AS_OF)
    data = export_catalog(session, SYSTEM)
    mutate(data)
    with pytest.raises(ProductError) as refused:
        import_catalog(session, SYSTEM, data)
    assert reason_part in str(refused.value.params.get("reason"))


def test_a_different_product_under_an_existing_version_is_refused(engine, Session, session):
    demo.seed(engine, Session, seed=1, as_of=AS_OF)
    data = export_catalog(session, SYSTEM)
    data["products"][0]["name"] = "改过的名字"
    with pytest.raises(ProductError) as refused:
        import_catalog(session, SYSTEM, data)
    assert refused.value.key == "products.version_conflict"


def test_cli_exports_imports_and_quotes(engine, Session, session, db_url, tmp_path, monkeypatch):
    from core.cli import app

    member = make_member(session, external_id="M-CLI-1")
    assert member
    demo.seed(engine, Session, seed=1, as_of=AS_OF)
    monkeypatch.setenv("CARELOOP_DATABASE_URL", db_url)
    runner = CliRunner()
    out = tmp_path / "catalog.json"
    result = runner.invoke(app, ["catalog", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "careloop.catalog"
    result = runner.invoke(app, ["catalog", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "products_unchanged 20" in result.output
    result = runner.invoke(app, ["price", "quote", "--member", "M-CLI-1", "--items", "DEN-SCALING,DEN-CHECK",
                                 "--channel", "meituan", "--date", "2026-09-01", "--coupon", "CP-DEN-50"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["list_total"], data["payable"], data["saving"]) == ("496.00", "326.00", "170.00")
    assert {"item", "list_price", "offers", "final"} <= set(data["lines"][0])
    assert {"offer": "CP-DEN-50", "name": "口腔满200减50券", "reason": "not_held"} in data["not_applied"]
    bad = runner.invoke(app, ["price", "quote", "--member", "NOBODY", "--items", "DEN-SCALING"])
    assert bad.exit_code == 2


def test_published_list_is_what_other_screens_read(engine, Session, session):
    demo.seed(engine, Session, seed=1, as_of=AS_OF)
    summaries = list_published(session)
    assert len(summaries) == 20 and all(s.version == 1 for s in summaries)
