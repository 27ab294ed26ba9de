"""`careloop users add|passwd|list|demo-logins`."""

from __future__ import annotations

import sys

import typer

from core.cli._common import open_db


def _read_password() -> str:
    if sys.stdin.isatty():
        first = typer.prompt("Password", hide_input=True)
        second = typer.prompt("Repeat password", hide_input=True)
        if first != second:
            typer.echo("careloop: the two passwords differ.", err=True)
            raise typer.Exit(2)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def register(app: typer.Typer) -> None:
    users_app = typer.Typer(help="Staff users.", no_args_is_help=True)

    @users_app.command("add")
    def add(
        username: str,
        role: str = typer.Option(..., "--role", help="admin, lead, product_manager, supervisor or advisor"),
        name: str = typer.Option("", "--name", help="Display name"),
        team: str = typer.Option("", "--team"),
        branch: str = typer.Option("", "--branch", help="Branch code"),
    ) -> None:
        """Create a user; the password is read from standard input and must be strong."""
        from core.auth.model import InvalidUser, WeakPassword
        from core.auth.services import create_user
        from core.i18n import t

        password = _read_password()
        db = open_db()
        try:
            with db.Session() as s:
                create_user(s, None, username=username, display_name=name or username, role=role,
                            password=password, team=team or None, branch_code=branch or None)
        except WeakPassword as exc:
            typer.echo(f"careloop: {t(exc.args[0], 'en')}", err=True)
            raise typer.Exit(2) from None
        except InvalidUser as exc:
            typer.echo(f"careloop: {t(exc.key, 'en', **exc.params)}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"created {username} ({role})")

    @users_app.command("passwd")
    def passwd(username: str) -> None:
        """Set a user's password (read from standard input); ends all their sessions."""
        from core.auth.model import InvalidUser, WeakPassword
        from core.auth.services import set_password
        from core.i18n import t

        password = _read_password()
        db = open_db()
        try:
            with db.Session() as s:
                set_password(s, None, username, password)
        except WeakPassword as exc:
            typer.echo(f"careloop: {t(exc.args[0], 'en')}", err=True)
            raise typer.Exit(2) from None
        except InvalidUser as exc:
            typer.echo(f"careloop: {t(exc.key, 'en', **exc.params)}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"password of {username} changed; their sessions are ended")

    @users_app.command("list")
    def list_() -> None:
        """List users with role and status."""
        from sqlalchemy import select

        from db.models import User

        db = open_db()
        with db.Session() as s:
            for u in s.scalars(select(User).order_by(User.role, User.username)):
                typer.echo(f"{u.username:20} {u.role:16} {'active' if u.active else 'disabled'}")

    @users_app.command("demo-logins")
    def demo_logins() -> None:
        """Print the demo sign-ins (only for a database created by `careloop demo`)."""
        from core.demo.users import DEMO_USERS, demo_password, is_demo_database

        db = open_db()
        if not is_demo_database(db.engine):
            typer.echo("(not a demo database: no demo sign-ins)")
            return
        typer.echo("Demo sign-ins (username / password):")
        for username, _name, role, _team, _branch in DEMO_USERS:
            typer.echo(f"  {username:12} {demo_password(username)}   {role}")

    app.add_typer(users_app, name="users")
