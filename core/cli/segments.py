"""`careloop segment count|export|snapshot` and `careloop rfm refresh`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from core.cli._common import open_db


def _as_of(text: str) -> date:
    from core.clock import today

    try:
        return date.fromisoformat(text) if text else today()
    except ValueError:
        typer.echo(f"careloop: --as-of must be YYYY-MM-DD, not {text!r}.", err=True)
        raise typer.Exit(2) from None


def _rule(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        typer.echo(f"careloop: cannot read the rule file {path}: {exc}", err=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    segment_app = typer.Typer(help="Segments: count and export the members a rule selects.", no_args_is_help=True)
    rfm_app = typer.Typer(help="RFM value scores.", no_args_is_help=True)

    @segment_app.command("count")
    def count_(rules: Path = typer.Argument(..., help="A JSON rule file"),
               as_of: str = typer.Option("", "--as-of", help="Evaluate on this date, YYYY-MM-DD (default today)")) -> None:
        """Print how many members match the rule (the count alone on the last line)."""
        from core.auth.model import SYSTEM
        from core.segments.model import RuleError
        from core.segments.services import count

        rule, day = _rule(rules), _as_of(as_of)
        db = open_db()
        try:
            with db.Session() as s:
                n = count(s, SYSTEM, rule, as_of=day)
        except RuleError as exc:
            typer.echo(f"careloop: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(str(n))

    @segment_app.command("export")
    def export(rules: Path = typer.Argument(..., help="A JSON rule file"),
               out: Path = typer.Option(..., "--out", help="The file to write (.csv or .xlsx)"),
               as_of: str = typer.Option("", "--as-of", help="Evaluate on this date, YYYY-MM-DD (default today)")) -> None:
        """Write the matching members with the canonical member columns."""
        from core.auth.model import SYSTEM
        from core.segments.export import export_members
        from core.segments.model import RuleError

        rule, day = _rule(rules), _as_of(as_of)
        fmt = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
        db = open_db()
        try:
            with db.Session() as s:
                data = export_members(s, SYSTEM, rule, as_of=day, fmt=fmt)
        except RuleError as exc:
            typer.echo(f"careloop: {exc}", err=True)
            raise typer.Exit(2) from None
        out.write_bytes(data)
        typer.echo(f"wrote {out}")

    @segment_app.command("snapshot")
    def snapshot(as_of: str = typer.Option("", "--as-of", help="The day to record, YYYY-MM-DD (default today)")) -> None:
        """Record today's size of every saved segment (run once a day)."""
        from core.segments.services import snapshot_sizes

        day = _as_of(as_of)
        db = open_db()
        with db.Session() as s:
            n = snapshot_sizes(s, on_date=day)
        typer.echo(f"recorded the size of {n} segments on {day.isoformat()}")

    @rfm_app.command("refresh")
    def refresh(as_of: str = typer.Option("", "--as-of", help="Compute as of this date, YYYY-MM-DD (default today)")) -> None:
        """Recompute recency, frequency, spend and the 1–5 scores of every member."""
        import time

        from core.auth.model import SYSTEM
        from core.rfm.services import refresh as refresh_rfm

        day = _as_of(as_of)
        db = open_db()
        started = time.perf_counter()
        with db.Session() as s:
            result = refresh_rfm(s, SYSTEM, as_of=day)
        typer.echo(f"scored {result.members} members as of {day.isoformat()} in {time.perf_counter() - started:.2f} s")

    app.add_typer(segment_app, name="segment")
    app.add_typer(rfm_app, name="rfm")
