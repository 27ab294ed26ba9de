"""`careloop kpi --from D --to D [--branch B] --json` and `careloop kpi refresh [--date D]`."""

from __future__ import annotations

import json
from datetime import date

import typer

from core.cli._common import open_db


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"careloop: {option} must be YYYY-MM-DD, not {value!r}.", err=True)
        raise typer.Exit(2) from None


def _branch_id(session, code: str) -> int:  # noqa: ANN001
    from sqlalchemy import select

    from db.models import Branch

    with session.begin():
        found = session.scalar(select(Branch.id).where(Branch.code == code))
        if found is None and code.isdigit():
            found = session.scalar(select(Branch.id).where(Branch.id == int(code)))
    if found is None:
        typer.echo(f"careloop: there is no branch {code!r}.", err=True)
        raise typer.Exit(2)
    return found


def register(app: typer.Typer) -> None:
    kpi_app = typer.Typer(help="KPI figures and their daily rollups.", invoke_without_command=True)

    @kpi_app.callback()
    def kpi(
        ctx: typer.Context,
        date_from: str = typer.Option("", "--from", help="First day of the period, YYYY-MM-DD"),
        date_to: str = typer.Option("", "--to", help="Last day of the period (included), YYYY-MM-DD"),
        branch: str = typer.Option("", "--branch", help="Branch code: members whose home branch it is"),
        as_json: bool = typer.Option(False, "--json", help="Print the headline KPIs as one JSON object"),
    ) -> None:
        """Print the headline KPIs of a period (reach, frequency, exposure uplift, satisfaction, ...)."""
        if ctx.invoked_subcommand is not None:
            return
        if not date_from or not date_to:
            typer.echo("careloop: give the period with --from YYYY-MM-DD --to YYYY-MM-DD.", err=True)
            raise typer.Exit(2)
        from core.auth.model import SYSTEM
        from core.clock import today
        from core.kpis.definitions import InvalidPeriod, KpiFilter
        from core.kpis.services import headline

        first, last = _day(date_from, "--from"), _day(date_to, "--to")
        db = open_db()
        with db.Session() as s:
            branch_id = _branch_id(s, branch) if branch else None
            try:
                f = KpiFilter(first, last, branch_id=branch_id)
            except InvalidPeriod:
                typer.echo("careloop: --to is before --from.", err=True)
                raise typer.Exit(2) from None
            values = headline(s, SYSTEM, f, today())
        if as_json:
            typer.echo(json.dumps(values, ensure_ascii=False))
            return
        width = max(len(k) for k in values)
        for key, value in values.items():
            shown = "—" if value is None else (f"{value:.4f}" if isinstance(value, float) else str(value))
            typer.echo(f"{key:<{width}}  {shown}")

    @kpi_app.command("refresh")
    def refresh(
        day: str = typer.Option("", "--date", help="Rebuild this day only (default: every day since the last refresh)"),
        full: bool = typer.Option(False, "--full", help="Rebuild every day from the first fact to today in one pass"),
    ) -> None:
        """Rebuild the daily KPI rollups incrementally (reach per member and day, content views)."""
        from core.auth.model import SYSTEM
        from core.clock import today
        from core.kpis.services import rebuild, refresh_incremental
        from core.kpis.services import refresh as refresh_days

        db = open_db()
        with db.Session() as s:
            if full:
                totals = rebuild(s, SYSTEM, None, today())
            elif day:
                totals = refresh_days(s, SYSTEM, [_day(day, "--date")])
            else:
                totals = refresh_incremental(s, SYSTEM, today())
        typer.echo(f"kpi refresh: {totals['days']} days, {totals['reach_rows']} reach rows, "
                   f"{totals['content_rows']} content rows")

    @kpi_app.command("import-views")
    def import_views_cmd(path: str = typer.Argument(..., help="CSV: content_code, channel, viewed_on[, member_external_id]")) -> None:
        """Import content views exported from the channels; refused lines are listed with their reason."""
        from pathlib import Path

        from core.auth.model import SYSTEM
        from core.i18n import t
        from core.kpis.views_import import import_views

        file = Path(path)
        if not file.is_file():
            typer.echo(f"careloop: there is no file {path!r}.", err=True)
            raise typer.Exit(2)
        db = open_db()
        with db.Session() as s:
            result = import_views(s, SYSTEM, file.read_text(encoding="utf-8-sig"))
        for line, key in result.rejected:
            typer.echo(f"line {line}: {t(key, 'en')}", err=True)
        typer.echo(f"import-views: {result.inserted} views stored, {len(result.rejected)} lines refused")
        if result.rejected and not result.inserted:
            raise typer.Exit(1)

    app.add_typer(kpi_app, name="kpi")
