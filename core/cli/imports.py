"""`careloop import members|visits|orders FILE` and `careloop export members|visits|orders OUT`."""

from __future__ import annotations

from pathlib import Path

import typer

KIND_HELP = "members, visits or orders"


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        kind: str = typer.Argument(..., help=KIND_HELP),
        file: Path = typer.Argument(..., help="A .csv (UTF-8, UTF-8 with BOM, GBK/GB18030) or .xlsx file"),
        dry_run: bool = typer.Option(False, "--dry-run", help="Check every row, store nothing"),
        errors: Path | None = typer.Option(None, "--errors", help="Write rejected rows with reasons to this CSV"),
        create_missing: bool = typer.Option(False, "--create-missing",
                                            help="Create unknown branches and departments instead of rejecting"),
        source: str = typer.Option("", "--source", help="Read headers with the column mapping saved for this source"),
    ) -> None:
        """Import a HIS export. Exit 0: all rows stored; 1: some rows rejected; 2: the file is unusable."""
        from core.auth.model import SYSTEM
        from core.cli._common import open_db
        from core.i18n import t
        from core.imports.model import ImportFileError
        from core.imports.services import import_file, reason_text, write_rejections
        from core.imports.sources import load_mapping

        db = open_db()
        lang = db.settings.lang
        try:
            with db.Session() as s:
                mapping = load_mapping(s, source, kind) if source else None
                result = import_file(s, SYSTEM, kind, file, max_mb=db.settings.import_max_mb,
                                     max_rows=db.settings.import_max_rows, dry_run=dry_run,
                                     create_missing=create_missing, mapping=mapping, source_name=source or None)
        except ImportFileError as exc:
            typer.echo(f"careloop: {t(exc.key, lang, **exc.params)}", err=True)
            typer.echo("inserted 0, updated 0, unchanged 0, rejected 0")
            raise typer.Exit(2) from None
        if result.ignored:
            typer.echo(t("imports.page.ignored", lang, columns=", ".join(result.ignored)), err=True)
        for column, names in result.created.items():
            typer.echo(f"created {column}: {', '.join(names)}", err=True)
        if errors is not None:
            write_rejections(errors, result, lang)
            if result.rejections:
                typer.echo(f"rejected rows written to {errors}", err=True)
        elif result.rejections:
            for rej in result.rejections[:20]:
                typer.echo(f"line {rej.line}: {reason_text(rej.reasons, lang)}", err=True)
            if result.rejected > 20:
                typer.echo(f"... {result.rejected - 20} more; use --errors FILE to keep them all", err=True)
        if dry_run:
            typer.echo("(dry run: nothing was stored)", err=True)
        typer.echo(result.summary())
        raise typer.Exit(result.exit_code)

    @app.command("export")
    def export(
        kind: str = typer.Argument(..., help=KIND_HELP),
        out: Path = typer.Argument(..., help="A .csv or .xlsx file to write"),
    ) -> None:
        """Export all rows of a kind with the canonical columns (re-importing it changes nothing)."""
        from core.auth.model import SYSTEM
        from core.cli._common import open_db
        from core.i18n import t
        from core.imports.export import export_file
        from core.imports.model import ImportFileError

        db = open_db()
        try:
            with db.Session() as s:
                count = export_file(s, SYSTEM, kind, out)
        except ImportFileError as exc:
            typer.echo(f"careloop: {t(exc.key, db.settings.lang, **exc.params)}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"exported {count} {kind} to {out}")
