"""Web fixtures: a TestClient on a fresh database. The browser, the live server and the page are the whole suite's
(tests/conftest.py): one Playwright instance per test process, or its event loop breaks every asyncio.run after it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from _browser import ARGS, CHROMIUM, SHOTS, _free_port, run_async, serving, shot  # noqa: F401  (imported from here)
from actlab.web.app import create_app


@pytest.fixture
def client(tmp_path) -> TestClient:
    # the test client calls itself "testserver" (its WebSocket URL cannot be changed), so the lab is told to allow
    # that name, as a teacher would allow a machine's name with --allow-host
    app = create_app(db_path=tmp_path / "progress.sqlite3", max_sessions=3, allow_hosts=("testserver",))
    with TestClient(app) as c:
        yield c
