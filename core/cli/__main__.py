"""`python -m core.cli` runs the careloop command."""

from core.cli import main

main()
