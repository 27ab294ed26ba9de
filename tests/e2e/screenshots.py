"""Screenshots of every page in Chinese and English for docs/screenshots/ (`make screenshots`).

    .venv/bin/python -m tests.e2e.screenshots [--all-roles]

Starts the console on a fresh 3,000-member demo database, signs in as each role and saves a PNG of the
pages that role may open, first in Chinese, then (switched with the sidebar's language box) in English:
docs/screenshots/<zh_CN|en>/<page>.png. A page several roles may open is shot once, by the first role
below that may open it; `--all-roles` saves every role's view as <page>.<role>.png instead.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from core.auth.pages import pages_for
from tests.e2e.harness import (
    DEFAULT_TIMEOUT_MS,
    ROLE_USERS,
    ROOT,
    chromium,
    existing_pages,
    open_url,
    running_console,
    settle,
    sign_in,
    switch_language,
    url_path,
)

OUT = ROOT / "docs" / "screenshots"
ROLE_ORDER = ("lead", "advisor", "product_manager", "supervisor", "admin")
LANGUAGES = (("zh_CN", "中文"), ("en", "English"))


def _shoot(page, base_url: str, spec, path: Path) -> None:
    open_url(page, base_url, url_path(spec.path))
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    if charts.count():
        charts.first.wait_for()
        settle(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    print(f"  {path.relative_to(ROOT)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all-roles", action="store_true", help="save every role's view of every page")
    args = parser.parse_args(argv)
    available = existing_pages()
    taken: set[str] = set()
    with tempfile.TemporaryDirectory() as work, running_console(Path(work)) as console, chromium() as browser:
        for role in ROLE_ORDER:
            specs = [s for s in pages_for(role) if s in available and (args.all_roles or s.path not in taken)]
            taken.update(s.path for s in specs)
            if not specs:
                continue
            print(f"{role}: {len(specs)} pages", flush=True)
            context = browser.new_context(viewport={"width": 1400, "height": 1300}, locale="zh-CN")
            context.set_default_timeout(DEFAULT_TIMEOUT_MS)
            page = context.new_page()
            try:
                sign_in(page, console.base_url, ROLE_USERS[role])
                for code, language in LANGUAGES:
                    switch_language(page, language)
                    for spec in specs:
                        name = Path(spec.path).stem + (f".{role}" if args.all_roles else "")
                        _shoot(page, console.base_url, spec, OUT / code / f"{name}.png")
            finally:
                context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
