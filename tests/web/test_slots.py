"""Playground slots: a silent socket is closed and frees its slot; one page holds only a few of the lab's slots."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from actlab.web.app import create_app
from actlab.web.sessions import IDLE_SECONDS, MAX_PER_TAB, MAX_SESSIONS


@pytest.fixture
def quick(tmp_path):
    """A lab whose idle timeout is short enough to wait for in a test."""
    app = create_app(db_path=tmp_path / "p.sqlite3", idle_seconds=0.3, allow_hosts=("testserver",))
    with TestClient(app) as c:
        yield c


def soon(condition, seconds: float = 5.0) -> bool:
    """The slot is taken in a thread after the socket is accepted (the store's write lock must not hold up the
    event loop), so a test sees it a moment after connecting."""
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_a_silent_socket_is_closed_and_frees_its_slot(quick):
    started = time.perf_counter()
    with quick.websocket_connect("/ws/playground") as ws:
        assert soon(lambda: quick.app.state.sessions.active == 1)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()  # nothing sent: the server closes it
    waited = time.perf_counter() - started
    assert closed.value.code == 1000 and soon(lambda: quick.app.state.sessions.active == 0, 2.0)
    assert waited / 0.3 >= 1  # not before the timeout


def test_a_ping_keeps_a_paused_page_open(quick):
    with quick.websocket_connect("/ws/playground") as ws:
        for _ in range(4):  # 0.6 s in all, twice the idle timeout
            time.sleep(0.15)
            ws.send_text(json.dumps({"type": "ping"}))
        ws.send_text(json.dumps({"type": "pause"}))
        answer = json.loads(ws.receive_text())  # still answering: the field once, the message without it
        assert answer["field"] == "type" and answer["message"].startswith("send 'init'")


def test_the_idle_timeout_is_far_below_ten_minutes():
    assert IDLE_SECONDS <= 120 and MAX_PER_TAB * 4 <= MAX_SESSIONS


def test_a_page_past_its_share_is_told_so_and_others_still_get_in(tmp_path):
    app = create_app(db_path=tmp_path / "p.sqlite3", max_sessions=8, allow_hosts=("testserver",))
    with TestClient(app) as client:
        mine, other = (client.post("/api/playground/tab").json()["tab"] for _ in range(2))
        held = [client.websocket_connect(f"/ws/playground?tab={mine}") for _ in range(MAX_PER_TAB)]
        for ws in held:
            ws.__enter__()
        try:
            with client.websocket_connect(f"/ws/playground?tab={mine}") as extra:
                reply = json.loads(extra.receive_text())
                assert reply["field"] == "tab" and f"already has {MAX_PER_TAB}" in reply["message"]
            with client.websocket_connect(f"/ws/playground?tab={other}") as ws:
                ws.send_text(json.dumps({"type": "ping"}))  # accepted: no error comes back
                ws.send_text(json.dumps({"type": "pause"}))
                assert "send 'init'" in json.loads(ws.receive_text())["message"]
        finally:
            for ws in held:
                ws.__exit__(None, None, None)


def test_an_unknown_tab_token_is_refused_by_name(client):
    with client.websocket_connect("/ws/playground?tab=made-up") as ws:
        reply = json.loads(ws.receive_text())
    assert reply["field"] == "tab" and "reload the page" in reply["message"]


def test_a_tab_token_is_a_post_a_foreign_page_cannot_make(client):
    assert client.get("/api/playground/tab").status_code == 405
    assert client.post("/api/playground/tab", headers={"origin": "http://evil.example"}).status_code == 403


def test_a_socket_holds_its_slot_once_its_connect_returns(tmp_path, monkeypatch):
    """The race behind a 90 s hang: the slot was taken in a thread after the handshake, so a page's sockets opened
    one after another could take slots in another order, the extra one got a session instead of the refusal, and
    waited out the idle timeout. A slow store (each take 0.3 s here) shows it every time."""
    from actlab.web.sessions import SessionManager

    take = SessionManager.acquire

    def slow_take(self, tab=None):
        time.sleep(0.3)
        return take(self, tab)

    monkeypatch.setattr(SessionManager, "acquire", slow_take)
    app = create_app(db_path=tmp_path / "p.sqlite3", max_sessions=8, allow_hosts=("testserver",))
    with TestClient(app) as client:
        sessions = client.app.state.sessions
        mine = client.post("/api/playground/tab").json()["tab"]
        held = []
        try:
            for n in range(1, MAX_PER_TAB + 1):
                ws = client.websocket_connect(f"/ws/playground?tab={mine}")
                ws.__enter__()
                held.append(ws)
                assert sessions.active == n  # counted when the connect returns, not some time after
            with client.websocket_connect(f"/ws/playground?tab={mine}") as extra:
                reply = json.loads(extra.receive_text())  # before the fix: sometimes a session, and a 90 s wait
                assert reply["field"] == "tab" and f"already has {MAX_PER_TAB}" in reply["message"]
        finally:
            for ws in held:
                ws.__exit__(None, None, None)
        assert soon(lambda: sessions.active == 0, 3.0)
