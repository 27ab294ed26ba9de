"""`careloop catalog export|import FILE.json` and `careloop price quote`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from core.cli._common import open_db


def _fail(message: str) -> None:
    typer.echo(f"careloop: {message}", err=True)
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    catalog_app = typer.Typer(help="The service catalogue as a JSON file.", no_args_is_help=True)
    price_app = typer.Typer(help="Best legal prices.", no_args_is_help=True)

    @catalog_app.command("export")
    def export(path: Path = typer.Argument(..., help="The JSON file to write")) -> None:
        """Write every item, product version, membership, stored-value plan and promotion."""
        from core.auth.model import SYSTEM
        from core.products.catalog_file import export_catalog

        db = open_db()
        with db.Session() as s:
            data = export_catalog(s, SYSTEM)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        typer.echo(f"exported {len(data['products'])} product versions, {len(data['items'])} items, "
                   f"{len(data['promotions'])} promotions to {path}")

    @catalog_app.command("import")
    def import_(path: Path = typer.Argument(..., help="A JSON file written by `catalog export`")) -> None:
        """Validate and load a catalogue file (items, plans and promotions are matched by code)."""
        from core.auth.model import SYSTEM
        from core.i18n import t
        from core.products.catalog_file import import_catalog
        from core.products.model import ProductError

        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _fail(f"cannot read {path}: {exc}")
        db = open_db()
        try:
            with db.Session() as s:
                counts = import_catalog(s, SYSTEM, data)
        except ProductError as exc:
            _fail(t(exc.key, "en", **exc.params))
        typer.echo(", ".join(f"{k} {v}" for k, v in counts.items()))

    @price_app.command("quote")
    def quote_(
        member: str = typer.Option(..., "--member", help="The member's external id"),
        items: str = typer.Option(..., "--items", help="Product codes, comma-separated"),
        channel: str = typer.Option("", "--channel", help="Sales channel, e.g. meituan, wecom"),
        on: str = typer.Option("", "--date", help="Price on this date, YYYY-MM-DD (default today)"),
        coupon: list[str] = typer.Option([], "--coupon", help="A coupon code the member presents (repeatable)"),
        points: int = typer.Option(0, "--points", help="Points the member wants to redeem"),
    ) -> None:
        """Print the best legal price as JSON: list_total, payable, saving, lines, not_applied."""
        from core.auth.model import SYSTEM
        from core.clock import today
        from core.i18n import t
        from core.pricing.services import QuoteError, member_id_by_external, quote

        try:
            day = date.fromisoformat(on) if on else today()
        except ValueError:
            _fail(f"--date must be YYYY-MM-DD, not {on!r}")
        codes = [c.strip() for c in items.split(",") if c.strip()]
        coupons = [c.strip() for value in coupon for c in value.split(",") if c.strip()]
        db = open_db()
        try:
            with db.Session() as s:
                member_id = member_id_by_external(s, member)
                q = quote(s, SYSTEM, member_id=member_id, product_codes=codes, channel=channel or None,
                          on_date=day, coupon_codes=coupons, points=points)
        except QuoteError as exc:
            _fail(t(exc.key, "en", **exc.params))
        typer.echo(json.dumps(q.to_json(), ensure_ascii=False, indent=2))

    app.add_typer(catalog_app, name="catalog")
    app.add_typer(price_app, name="price")
