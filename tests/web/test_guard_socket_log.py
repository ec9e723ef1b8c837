"""A socket refused by the guard (a foreign Origin, or a Host the lab does not answer to) is closed before the
handshake, answered 403, and leaves one line in the server's log saying why: no "ASGI callable returned without
completing handshake" error and no traceback (issue 16, brief C item 5). The lab runs as `actlab lab` does, in a
process of its own, so the test reads the real server log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
import websockets
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from _browser import run_async  # its own loop: Playwright may own this thread's in a shared worker
from actlab.web.app import create_app
from web.conftest import _free_port


async def _open(url: str, origin: str | None = None, port: int | None = None) -> str:
    """What happened to a socket opened at ``url`` (reached at 127.0.0.1:``port`` when given, whatever name the URL
    says, as a rebinding page reaches the lab): the refusal's HTTP status, or the first reply's type."""
    reach = {"host": "127.0.0.1", "port": port} if port else {}
    try:
        async with websockets.connect(url, origin=origin, open_timeout=10, **reach) as ws:
            await ws.send(json.dumps({"type": "pause"}))
            return json.loads(await ws.recv())["type"]
    except websockets.InvalidStatus as exc:
        return str(exc.response.status_code)


@pytest.fixture
def served(tmp_path):
    """(port, the server log's path): `actlab lab` on loopback in its own process."""
    port, log_path = _free_port(), tmp_path / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "actlab.cli", "lab", "--db", str(tmp_path / "p.sqlite3"),
                                 "--port", str(port), "--no-browser"], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/conventions", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail(f"the lab did not start: {log_path.read_text()[-2000:]}")
        yield port, log_path, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_refused_socket_is_one_log_line_and_no_error(served):
    port, log_path, proc = served
    url = f"ws://127.0.0.1:{port}/ws/playground"

    async def refused():
        return [await _open(url, origin="http://evil.example"),
                await _open(f"ws://rebound.example:{port}/ws/playground", port=port)]

    results = run_async(refused())
    assert results == ["403", "403"]
    assert run_async(_open(url, origin=f"http://127.0.0.1:{port}")) == "error"  # the lab's own page gets in
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(20)
    log = log_path.read_text()
    assert "Traceback" not in log and "without completing handshake" not in log and "ERROR" not in log, log
    refused = [line for line in log.splitlines() if "refused a WebSocket" in line]
    assert len(refused) == 2, log
    assert any("Origin 'http://evil.example' is not this lab" in line for line in refused)
    assert any("Host 'rebound.example" in line for line in refused)


def test_a_refused_socket_is_closed_with_policy_violation(tmp_path):
    app = create_app(db_path=tmp_path / "p.sqlite3", allow_hosts=("testserver",))
    with TestClient(app) as client, pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/ws/playground", headers={"origin": "http://evil.example"}):
            pass
    assert closed.value.code == 1008
