"""Web fixtures: a TestClient on a fresh database, and a real server on loopback for the browser."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from actlab.web.app import create_app, server_config

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def client(tmp_path) -> TestClient:
    # the test client calls itself "testserver" (its WebSocket URL cannot be changed), so the lab is told to allow
    # that name, as a teacher would allow a machine's name with --allow-host
    app = create_app(db_path=tmp_path / "progress.sqlite3", max_sessions=3, allow_hosts=("testserver",))
    with TestClient(app) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(app, port: int | None = None) -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1 in a background thread; yields its base URL, stops it after."""
    import uvicorn

    port = port or _free_port()
    server = uvicorn.Server(server_config(app, port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The lab served by uvicorn on 127.0.0.1 in a background thread."""
    with serving(create_app(db_path=tmp_path_factory.mktemp("db") / "progress.sqlite3")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("ACTLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing but ACTLAB_REQUIRE_BROWSER=1 (CI installs Debian's chromium)")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A page that records console errors and any request that leaves 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.console_errors = []
    pg.outside_requests = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(live_server) or r.request.url.startswith("ws://127.0.0.1"):
            r.continue_()
        else:
            pg.outside_requests.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.base = live_server
    yield pg
    context.close()


def shot(page, name: str, locator=None) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    # a section taller than the window is captured in scrolled pieces, which would repeat the sticky header
    # across the middle of the picture; the style below applies to the screenshot only
    (locator or page).screenshot(path=str(path), style="header.top { position: static !important; }")
    return path
