"""`careloop db upgrade|current`."""

from __future__ import annotations

import typer

from core.cli._common import open_db


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade() -> None:
        """Create or migrate the database schema to the newest version."""
        from core.imports.bulk import restore_indexes
        from db.migrate import current_revisions, head_revisions
        from db.migrate import upgrade as do_upgrade

        db = open_db()
        do_upgrade(db.engine)
        rebuilt = restore_indexes(db.engine)  # left unbuilt by a bulk import that was killed
        if rebuilt:
            typer.echo(f"rebuilt indexes: {', '.join(rebuilt)}")
        typer.echo(f"database at {', '.join(sorted(current_revisions(db.engine)))} "
                   f"(code heads {', '.join(sorted(head_revisions()))})")

    @db_app.command("current")
    def current() -> None:
        """Print the migration level of the database."""
        from db.migrate import current_revisions

        revs = current_revisions(open_db().engine)
        typer.echo(", ".join(sorted(revs)) or "not migrated")

    app.add_typer(db_app, name="db")
