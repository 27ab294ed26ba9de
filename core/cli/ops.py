"""`careloop doctor`, `careloop backup OUT`, `careloop restore IN`."""

from __future__ import annotations

from pathlib import Path

import typer


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor() -> None:
        """Check the database connection, migration level and cookie key; print the main tables' row counts."""
        from core.i18n import t
        from core.ops.services import doctor as run_doctor

        report = run_doctor()
        for check in report.checks:
            mark = "ok  " if check.ok else "FAIL"
            typer.echo(f"{mark} {t(check.name, 'en'):<11} {t(check.detail, 'en', **check.params)}")
        if report.counts:
            typer.echo(f"\n{t('ops.counts', 'en')}:")
            for table, n in report.counts.items():
                typer.echo(f"  {table:<16} {n:>12,}")
        typer.echo("")
        if report.ok:
            typer.echo(t("ops.healthy", "en"))
            return
        typer.echo(t("ops.unhealthy", "en"), err=True)
        raise typer.Exit(1)

    @app.command("backup")
    def backup(out: Path = typer.Argument(..., help="The new file to write (never overwritten)")) -> None:
        """Copy the SQLite database to OUT while the console keeps running (SQLite online backup)."""
        from core.i18n import t
        from core.ops.services import OpsError
        from core.ops.services import backup as run_backup

        try:
            size = run_backup(out)
        except OpsError as exc:
            typer.echo(f"careloop: {t(exc.key, 'en', **exc.params)}", err=True)
            raise typer.Exit(2) from None
        typer.echo(t("ops.backup_done", "en", path=str(out), size=_size(size)))

    @app.command("restore")
    def restore(
        backup_file: Path = typer.Argument(..., help="A file written by `careloop backup`"),
        yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation"),
    ) -> None:
        """Replace the SQLite database's content with a backup made by `careloop backup`."""
        from core.i18n import t
        from core.ops.services import OpsError
        from core.ops.services import restore as run_restore
        from core.settings import load_settings

        target = load_settings(require_cookie_key=False).database_url
        if not yes and not typer.confirm(t("ops.restore_confirm", "en", path=str(backup_file), target=target)):
            typer.echo(t("ops.restore_aborted", "en"))
            raise typer.Exit(1)
        try:
            revisions = run_restore(backup_file)
        except OpsError as exc:
            typer.echo(f"careloop: {t(exc.key, 'en', **exc.params)}", err=True)
            raise typer.Exit(2) from None
        typer.echo(t("ops.restore_done", "en", path=str(backup_file), revisions=", ".join(sorted(revisions))))
