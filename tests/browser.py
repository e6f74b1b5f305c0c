"""What the browser tests share: the portal served by uvicorn on loopback, Debian chromium through
Playwright, signing in on the real form, and where screenshots go."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.web_helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# the module-level marks of a browser test file
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"
    ),
]


def free_port() -> int:
    """A free TCP port on loopback (the portal's base URL must be known before it is built)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    """Serve the ASGI app with uvicorn on 127.0.0.1:port in a thread; yields the base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian chromium driven by Playwright (a downloaded browser does not work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=ru"],
        )
        try:
            yield browser
        finally:
            browser.close()


def served_portal(name: str, **options: Any) -> Any:
    """A module's ``served`` fixture: the demo portal (build_portal with ``options``) served on
    a free loopback port, as (base URL, portal)."""
    from tests.web_helpers import build_portal

    def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
        port = free_port()
        portal = build_portal(
            tmp_path_factory.mktemp(name), base_url=f"http://127.0.0.1:{port}", **options
        )
        with serving(portal.app(), port) as base:
            yield base, portal

    return pytest.fixture(scope="module", name="served")(served)


def module_browser() -> Any:
    """A module's ``browser`` fixture: chromium, launched once for the module."""

    def browser() -> Iterator[Any]:
        with chromium() as launched:
            yield launched

    return pytest.fixture(scope="module", name="browser")(browser)


def sign_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form as a user would."""
    page.goto(f"{base}/signin")
    page.get_by_label("Электронная почта").first.fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
