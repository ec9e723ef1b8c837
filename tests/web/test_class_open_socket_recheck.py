"""An open playground socket in a class is closed, with the reason, when what let it in no longer holds: the class
archived, the learner given a new rejoin code (or forgotten), the teacher's class archived. Before, only new
connections were refused (C7 items 5 and 6): a socket opened earlier went on training for as long as its client
kept it open. A rename keeps the socket: it is the same learner."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from actlab.store import Store
from actlab.web.app import create_app
from actlab.web.routes import playground
from actlab.web.routes.classroom import ARCHIVED_REASON, ARCHIVED_TEACHER_REASON
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path, monkeypatch):
    monkeypatch.setattr(playground, "RECHECK_SECONDS", 0.3)
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        app = create_app(db_path=location, allow_hosts=("testserver",))
        nia = TestClient(app, base_url="http://testserver")
        assert nia.post("/api/class/join", json={"code": klass.code, "name": "Nia"}).status_code == 200
        teacher = TestClient(app, base_url="http://testserver", headers={"Authorization": f"Bearer {token}"})
        yield Store(location), klass, nia, teacher


def _play_until_closed(client: TestClient, after) -> tuple[int, str, int]:
    """Open a socket, start a run and play; call ``after()`` once frames flow; return (code, reason, frames seen)."""
    frames = 0
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {}}))
        ws.send_text(json.dumps({"type": "play"}))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message = ws.receive()
            if message.get("bytes"):
                frames += 1
                if frames == 3:
                    after()
            if message["type"] == "websocket.close":
                raise WebSocketDisconnect(message.get("code", 1000), message.get("reason", ""))
    return closed.value.code, closed.value.reason, frames


def test_archiving_closes_a_learners_running_socket_with_the_reason(lab):
    store, klass, nia, _ = lab
    code, reason, frames = _play_until_closed(nia, lambda: store.set_archived(klass.id))
    assert (code, reason) == (1008, ARCHIVED_REASON) and frames >= 3


def test_archiving_closes_the_teachers_running_socket(lab):
    store, klass, _, teacher = lab
    code, reason, _ = _play_until_closed(teacher, lambda: store.set_archived(klass.id))
    assert (code, reason) == (1008, ARCHIVED_TEACHER_REASON)


def test_a_new_rejoin_code_closes_the_old_devices_socket(lab):
    store, klass, nia, _ = lab
    code, reason, _ = _play_until_closed(nia, lambda: store.new_rejoin_code(klass.id, "Nia"))
    assert code == 1008 and "rejoin code" in reason


def test_forgetting_closes_the_learners_socket(lab):
    store, klass, nia, _ = lab
    code, reason, _ = _play_until_closed(nia, lambda: store.forget(klass.id, "Nia"))
    assert code == 1008 and "removed your name" in reason


def test_a_rename_keeps_the_socket_running(lab):
    store, klass, nia, _ = lab
    renamed = []
    with nia.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {}}))
        ws.send_text(json.dumps({"type": "play"}))
        frames, start = 0, time.monotonic()
        while time.monotonic() - start < 60 and (not renamed or time.monotonic() - renamed[0] < 1.5):
            message = ws.receive()
            assert message["type"] != "websocket.close", message
            if message.get("bytes"):
                frames += 1
                if frames == 3:
                    store.rename(klass.id, "Nia", "Nia B")
                    renamed.append(time.monotonic())
        assert renamed and frames > 3


def test_a_store_that_fails_a_check_leaves_the_run_going(lab, monkeypatch):
    """The re-check reads the store: when that read fails (a database restarting), the run goes on and is checked
    again later, instead of the socket dying with a server error."""
    _, klass, nia, _ = lab
    calls = []

    async def failing(*args, **kwargs):
        calls.append(1)
        raise OSError("the database is restarting")

    monkeypatch.setattr(playground, "identify", failing)
    with nia.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {}}))
        ws.send_text(json.dumps({"type": "play"}))
        frames, start = 0, time.monotonic()
        while time.monotonic() - start < 60 and len(calls) < 2:
            message = ws.receive()
            assert message["type"] != "websocket.close", message
            frames += bool(message.get("bytes"))
        assert len(calls) >= 2 and frames > 3
