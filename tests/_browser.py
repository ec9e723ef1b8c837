"""Helpers for tests that serve the lab on loopback and drive Debian's Chromium (imported, not collected)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from actlab.web.app import server_config

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


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


def wait_pumping(page, event: threading.Event, seconds: float) -> bool:
    """Wait for ``event``, set by the server's side, while the page's requests go on. Every request of a
    recording_page passes a route handler that Playwright's sync API runs only inside a Playwright call: a plain
    ``event.wait`` holds back any request the page sends after the last call returned, so a click whose fetch left
    after click() came back never reached the server (the papers tests' two CI failures, at 90 s)."""
    deadline = time.monotonic() + seconds
    while not event.is_set():
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(50)
    return True


def shot(page, name: str, locator=None) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    # a section taller than the window is captured in scrolled pieces, which would repeat the sticky header
    # across the middle of the picture; the style below applies to the screenshot only
    (locator or page).screenshot(path=str(path), style="header.top { position: static !important; }")
    return path


def run_async(coro):
    """asyncio.run(coro) in a worker thread: the main thread's loop belongs to Playwright once a browser test ran."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def open_playground(page, query: str = "") -> None:
    """The playground at ``query`` (page.base is the live server), once its first frame is drawn and it is Ready."""
    page.goto(f"{page.base}/playground?{query}")
    page.wait_for_selector("body[data-ready=true]", timeout=90_000)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')", timeout=90_000)


def play_to_epoch(page, epoch: int, per_frame: str = "10", timeout: float = 60_000) -> None:
    """Play at ``per_frame`` epochs a frame until the epoch counter reads ``epoch`` or more, then Pause."""
    page.get_by_label("Epochs per frame", exact=True).select_option(per_frame)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        f"Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= {epoch}", timeout=timeout)
    page.get_by_role("button", name="Pause").click()


def exported_weights(page) -> dict:
    """The run as the page's 'Weights as JSON' button downloads it (its config and its weights)."""
    import json

    with page.expect_download() as download:
        page.get_by_role("button", name="Weights as JSON").click()
    return json.loads(Path(download.value.path()).read_text())
