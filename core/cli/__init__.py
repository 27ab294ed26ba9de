"""The `careloop` command line. Each module here adds its commands via `register(app)`."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

app = typer.Typer(
    name="careloop",
    help="CareLoop member-operations console: database, demo, users, imports, segments, journeys, KPIs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("_"):
        continue
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    if hasattr(_module, "register"):
        _module.register(app)


def main() -> None:
    """Entry point of the console script."""
    from core.settings import SettingsError

    try:
        app()
    except SettingsError as exc:
        typer.echo(f"careloop: {exc}", err=True)
        sys.exit(2)
