"""`careloop demo --members N --seed S`."""

from __future__ import annotations

import secrets
from datetime import date

import typer

from core.cli._common import open_db


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        members: int = typer.Option(20_000, "--members", min=100, max=5_000_000, help="How many members"),
        seed: int = typer.Option(42, "--seed", help="Random seed (the same seed gives the same data)"),
        as_of: str = typer.Option("", "--as-of", help="The demo's today, YYYY-MM-DD (default: today)"),
        if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing (exit 0) when the database has data"),
        core_only: bool = typer.Option(False, "--core-only",
                                       help="Only members, households, visits and orders (no catalogue, journeys, KPI data)"),
    ) -> None:
        """Load the demo hospital group into an empty, migrated database."""
        from core.clock import today
        from core.demo.services import DatabaseNotEmpty, build_demo, has_members
        from core.settings import DEMO_KEY_FILE
        from db.migrate import upgrade

        db = open_db()
        upgrade(db.engine)
        with db.Session() as s:
            if has_members(s):
                if if_empty:
                    typer.echo("demo: the database already has data; nothing loaded")
                    return
                typer.echo("careloop: the database already has members or users; the demo loads only into an "
                           "empty database (point CARELOOP_DATABASE_URL at a new one).", err=True)
                raise typer.Exit(2)
        try:
            day = date.fromisoformat(as_of) if as_of else today()
        except ValueError:
            typer.echo(f"careloop: --as-of must be YYYY-MM-DD, not {as_of!r}.", err=True)
            raise typer.Exit(2) from None
        with typer.progressbar(length=1000, label="demo", show_percent=True) as bar:
            state = {"at": 0}

            def progress(step: str, fraction: float) -> None:
                target = int(fraction * 1000)
                if target > state["at"]:
                    bar.label = f"demo: {step:<22}"
                    bar.update(target - state["at"])
                    state["at"] = target

            try:
                report = build_demo(db.engine, db.Session, members=members, seed=seed, as_of=day, progress=progress,
                                    extensions=not core_only)
            except DatabaseNotEmpty:
                typer.echo("careloop: the database is not empty.", err=True)
                raise typer.Exit(2) from None
            progress("done", 1.0)
        if not DEMO_KEY_FILE.exists():
            DEMO_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
            DEMO_KEY_FILE.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            DEMO_KEY_FILE.chmod(0o600)
        typer.echo(f"demo loaded: {report.members:,} members, {report.visits:,} visits, {report.orders:,} orders "
                   f"in {report.seconds} s ({', '.join(f'{k} {v}s' for k, v in report.steps.items())})")
