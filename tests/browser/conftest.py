"""Real Chromium (Debian's) driven by Playwright against a live Postroom server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh")
        pytest.skip("Chromium is not installed (make test installs it)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(chromium, live_server, transactional_db) -> Iterator[Callable]:
    """``page_for(user)`` → a new browser page, logged in through the real login form."""
    contexts = []

    def make(user, landing="**/inbox/**"):
        context = chromium.new_context(
            viewport={"width": 1360, "height": 900}, base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        page.goto("/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(landing)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def asgi_server(transactional_db):
    """The real ASGI app (HTTP and websockets) served by uvicorn in a thread."""
    import socket
    import threading
    import time

    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from postroom.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # The reactors run beside it, as in `postroom serve`: notifications come from them.
    from postroom.events.reactors import run_reactors

    stop_reactors = threading.Event()
    reactors = threading.Thread(target=run_reactors, args=(stop_reactors,), daemon=True)
    reactors.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    stop_reactors.set()
    reactors.join(5)
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def live_page_for(chromium, asgi_server) -> Iterator[Callable]:
    """Like ``page_for``, against the ASGI server (live updates work there)."""
    contexts = []

    def make(user, landing="**/inbox/**"):
        context = chromium.new_context(
            viewport={"width": 1360, "height": 900}, base_url=asgi_server
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(landing)
        return page

    yield make
    for context in contexts:
        context.close()
