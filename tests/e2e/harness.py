"""A CareLoop console on a fresh demo database, and a Chromium that drives it (shared by tests and screenshots)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core.auth.pages import PAGES

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TEST_COOKIE_KEY = "e2e-test-cookie-key-0123456789abcdefghijklmnopqrs"  # 48 characters
DEMO_PASSWORD = "CareLoop2026"
DEFAULT_TIMEOUT_MS = 20_000
# role -> demo username
ROLE_USERS = {"admin": "admin", "lead": "lead", "product_manager": "pm", "supervisor": "supervisor",
              "advisor": "advisor"}
SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class Console:
    base_url: str
    database_url: str
    env: dict


def url_path(page_path: str) -> str:
    """The URL path Streamlit gives `pages/x.py` (empty for the default page, home)."""
    name = Path(page_path).stem
    return "" if name == "home" else name


def existing_pages() -> list:
    """The registered pages whose file exists in this checkout."""
    return [spec for spec in PAGES if (ROOT / spec.path).exists()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_demo_database(workdir: Path, members: int = 3000, seed: int = 7) -> tuple[str, dict]:
    """A fresh demo database in `workdir`; returns its URL and the environment the console runs with."""
    database_url = f"sqlite:///{workdir / 'careloop_e2e.db'}"
    env = {**os.environ, "CARELOOP_DATABASE_URL": database_url, "CARELOOP_COOKIE_KEY": TEST_COOKIE_KEY,
           "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([str(ROOT / ".venv/bin/careloop"), "demo", "--members", str(members), "--seed", str(seed)],
                   env=env, cwd=ROOT, check=True, capture_output=True, timeout=600)
    return database_url, env


@contextmanager
def running_console(workdir: Path) -> Iterator[Console]:
    """`streamlit run app.py` on a free local port over a fresh demo database; stopped on exit."""
    database_url, env = build_demo_database(workdir)
    port = _free_port()
    log = open(workdir / "streamlit.log", "wb")
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/streamlit"), "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}; see {workdir / 'streamlit.log'}")
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {base_url} within 90 s")
            time.sleep(0.5)
        yield Console(base_url, database_url, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium under Playwright, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def settle(page, seconds: float = 0.0, quiet_ms: int = 1200, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until Streamlit's script has not been running for `quiet_ms` (one run can trigger another)."""
    if seconds:
        page.wait_for_timeout(int(seconds * 1000))
    app = page.locator('[data-testid="stApp"]')
    quiet = waited = 0
    while quiet < quiet_ms:
        if waited > timeout_ms:
            raise TimeoutError(f"the app was still running after {timeout_ms} ms")
        state = app.get_attribute("data-test-script-state") if app.count() else None
        quiet = quiet + 200 if state == "notRunning" else 0
        page.wait_for_timeout(200)
        waited += 200


def open_url(page, base_url: str, path: str) -> None:
    """Load a page URL and wait for the app to settle (the cookie component reruns right after load)."""
    page.goto(f"{base_url}/{path}")
    page.locator('[data-testid="stMain"]').wait_for()
    settle(page, SETTLE_SECONDS)


def main_text(page) -> str:
    """The visible text of the main area."""
    return page.locator('[data-testid="stMain"]').inner_text()


def sign_in(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and wait for the home page greeting (a click lost to a rerun is retried)."""
    open_url(page, base_url, "")
    greeting = page.get_by_text(re.compile(r"^(你好|Hello)[,，]"))
    continue_button = page.get_by_role("button", name="进入控制台")
    for attempt in range(3):
        page.get_by_role("textbox", name="用户名").fill(username)
        page.get_by_role("textbox", name="密码").fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        try:
            greeting.or_(continue_button).first.wait_for(timeout=DEFAULT_TIMEOUT_MS // 2)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            settle(page)
    settle(page)
    if not greeting.count() and continue_button.count():
        continue_button.click()
    greeting.first.wait_for()
    settle(page)


def sign_out(page) -> None:
    """Press the sidebar's sign-out button and wait for the notice."""
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
    page.get_by_text("您已退出登录").or_(page.get_by_role("textbox", name="用户名")).first.wait_for()
    settle(page)


def choose(page, widget_label: str, option_text: str, kind: str = "stSelectbox") -> None:
    """Open a select box (or multiselect) by its label and click the first option containing `option_text`."""
    box = page.locator(f'[data-testid="{kind}"]').filter(has_text=widget_label).first
    box.locator('input, [role="combobox"]').first.click()
    if option_text:
        page.keyboard.type(option_text)
    page.get_by_role("option").filter(has_text=option_text).first.click()
    settle(page)


def click_button(page, name: str) -> None:
    """Click the button with exactly this caption and wait for the run it starts."""
    page.get_by_role("button", name=name, exact=True).first.click()
    settle(page)


def assert_no_exception(page) -> None:
    """No Streamlit exception box anywhere on the page."""
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()[:500]


def switch_language(page, language: str) -> None:
    """Pick 中文 or English in the sidebar's language box (remembered for the signed-in user)."""
    choose(page, "语言 / Language", language)
