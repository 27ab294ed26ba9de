"""`careloop journeys run|templates` and `careloop events import FILE`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from core.cli._common import open_db


def register(app: typer.Typer) -> None:
    journeys_app = typer.Typer(help="SOP journeys: scheduling of touches and tasks.", no_args_is_help=True)
    events_app = typer.Typer(help="Delivery events from message gateways.", no_args_is_help=True)

    @journeys_app.command("run")
    def run_cmd(
        on: str = typer.Option("", "--date", help="The day to run (YYYY-MM-DD); default today at the hospital"),
    ) -> None:
        """Enroll, exit, plan and send for one day; the last line is the summary."""
        from core.clock import today
        from core.journeys.scheduler import run

        try:
            day = date.fromisoformat(on) if on else today()
        except ValueError:
            typer.echo(f"careloop: --date must look like 2026-03-01, not {on!r}.", err=True)
            raise typer.Exit(2) from None
        db = open_db()
        summary = run(db.Session, day, actor="cli")
        typer.echo(f"journeys run for {day.isoformat()}")
        # the day's touches feed the KPI rollups and the saved segments' size trend at once
        from core.auth.model import SYSTEM
        from core.kpis.services import refresh_incremental
        from core.segments.services import snapshot_sizes

        with db.Session() as s:
            totals = refresh_incremental(s, SYSTEM, day)
        with db.Session() as s:
            snapshots = snapshot_sizes(s, on_date=day)
        typer.echo(f"kpi rollups refreshed for {totals['days']} days; {snapshots} segment sizes recorded")
        typer.echo(summary.line())

    @journeys_app.command("templates")
    def templates_cmd(
        activate: bool = typer.Option(False, "--activate", help="Install the templates as active journeys"),
    ) -> None:
        """Install the seeded SOP templates that are not there yet."""
        from core.journeys.templates import install

        db = open_db()
        with db.Session() as s, s.begin():
            ids = install(s, status="active" if activate else "draft")
        typer.echo(f"templates: {', '.join(sorted(ids))}")

    @events_app.command("import")
    def import_cmd(path: Path) -> None:
        """Load delivered/opened/clicked/replied/opted_out events (CSV or JSON lines: touch_id, event, at)."""
        from core.journeys.events import import_events

        if not path.is_file():
            typer.echo(f"careloop: no such file {path}.", err=True)
            raise typer.Exit(2)
        db = open_db()
        with db.Session() as s:
            result = import_events(s, path)
        typer.echo(result.line())

    app.add_typer(journeys_app, name="journeys")
    app.add_typer(events_app, name="events")
