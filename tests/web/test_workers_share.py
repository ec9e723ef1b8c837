"""Two workers on one store: what one of them hands out (a CSV upload, a page's tab token) the other accepts."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def two_workers(request, tmp_path):
    with database(request.param, tmp_path) as location:
        apps = [create_app(db_path=location, allow_hosts=("testserver",)) for _ in range(2)]
        with TestClient(apps[0]) as a, TestClient(apps[1]) as b:
            yield a, b


def test_a_csv_uploaded_through_one_worker_trains_on_a_socket_of_the_other(two_workers):
    a, b = two_workers
    rows = "\n".join(f"{x},{y},{int(x * y > 0)}" for x in range(-5, 6) for y in range(-5, 6) if x and y)
    info = a.post("/api/playground/csv", files={"file": ("xor.csv", f"x1,x2,label\n{rows}\n".encode(),
                                                         "text/csv")}).json()
    tab = a.post("/api/playground/tab").json()["tab"]
    with b.websocket_connect(f"/ws/playground?tab={tab}") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"dataset": "csv"}, "csv_token": info["token"]}))
        ready = json.loads(ws.receive_text())
        assert ready["type"] == "ready" and ready["points"]["task"] == "classification"


def test_uploads_expire_and_the_oldest_go_past_the_limit(tmp_path, monkeypatch):
    store = Store(tmp_path / "p.sqlite3")
    monkeypatch.setattr(Store, "MAX_UPLOADS", 3)
    for i in range(4):
        store.put_upload(f"t{i}", b"x1,label\n0,a\n")
    assert store.get_upload("t0") is None and store.get_upload("t3") == b"x1,label\n0,a\n"
    monkeypatch.setattr(Store, "UPLOAD_SECONDS", -1)  # every upload is now older than its lifetime
    assert store.get_upload("t3") is None


def test_a_fuller_lab_lowers_each_sessions_frame_rate_instead_of_refusing():
    from actlab.web.sessions import FRAME_BUDGET, MAX_SESSIONS, SessionManager

    sessions = SessionManager()
    fastest = 1 / 64
    assert sessions.frame_seconds(fastest) == fastest
    for _ in range(30):
        assert isinstance(sessions.acquire(), int)  # a class of 30 all get in
    assert sessions.frame_seconds(fastest) == pytest.approx(30 / FRAME_BUDGET)  # 10 frames/s each
    assert MAX_SESSIONS >= 30
