"""A class's playground: settings the teacher pins are enforced by the server on every path a learner has (the
socket's init, reset and set messages, the CSV upload), whatever the page shows or hides; upload quotas; and the
limits every worker on one store shares (failed joins, running sessions). Both store backends."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database

XOR_CSV = ("x1,x2,label\n" + "\n".join(f"{x},{y},{int(x * y > 0)}" for x in range(-5, 6) for y in range(-5, 6)
                                       if x and y) + "\n").encode()
PINNED = {"config": {"dataset": "xor", "layers": [3], "activations": ["relu"], "lr": 0.1, "epochs_per_frame": 2,
                     "n_points": 100},
          "pinned": ["dataset", "layers", "activations", "lr", "epochs_per_frame", "features"]}


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        yield location, klass, token


def client_for(location, **kw) -> TestClient:
    return TestClient(create_app(db_path=location, allow_hosts=("testserver",), **kw))


def joined(location, code: str, name: str, **kw) -> TestClient:
    c = client_for(location, **kw)
    assert c.post("/api/class/join", json={"code": code, "name": name}).status_code == 200
    return c


def teacher_for(location, token: str) -> TestClient:
    c = client_for(location)
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def frame_header(data: bytes) -> dict:
    n = int.from_bytes(data[:4], "little")
    return json.loads(data[4:4 + n])


def pinned_lab(lab) -> tuple[TestClient, TestClient]:
    """(a learner, the teacher) of a class whose teacher saved PINNED."""
    location, klass, token = lab
    teacher = teacher_for(location, token)
    saved = teacher.put("/api/class/teacher/playground", json=PINNED)
    assert saved.status_code == 200, saved.text
    return joined(location, klass.code, "Ana"), teacher


def send(ws, msg: dict) -> None:
    ws.send_text(json.dumps(msg))


def ready(ws) -> dict:
    msg = json.loads(ws.receive_text())
    assert msg["type"] == "ready", msg
    ws.receive_bytes()  # the first frame
    return msg


def error(ws) -> dict:
    msg = json.loads(ws.receive_text())
    assert msg["type"] == "error", msg
    return msg


def test_a_learners_run_starts_from_the_pinned_settings(lab):
    ana, _ = pinned_lab(lab)
    assert ana.get("/api/class/playground").json()["pinned"] == sorted(PINNED["pinned"])
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"seed": 3}})  # a setting not pinned is the learner's
        got = ready(ws)
    cfg = got["config"]
    assert (cfg["dataset"], cfg["layers"], cfg["activations"], cfg["lr"], cfg["seed"]) == ("xor", [3], ["relu"], 0.1, 3)
    assert cfg["features"] == ["x1", "x2"]  # pinned at the run's default: the teacher gave no value
    assert got["pinned"] == sorted(PINNED["pinned"])


@pytest.mark.parametrize(("setting", "value"), [
    ("dataset", "circle"), ("layers", [3, 2]), ("layers", "8"), ("activations", ["tanh"]), ("lr", 3.0),
    ("features", ["x1", "x2", "x1x2"]), ("dataset", "csv")])
def test_an_init_or_reset_that_changes_a_pinned_setting_is_refused_by_name(lab, setting, value):
    ana, _ = pinned_lab(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {setting: value}})
        err = error(ws)
        assert err["field"] == setting and "pinned by your teacher" in err["message"]
        send(ws, {"type": "init", "config": {}})
        ready(ws)
        send(ws, {"type": "reset", "config": {setting: value}})  # a reset is the same path: refused the same way
        assert error(ws)["field"] == setting
        send(ws, {"type": "export", "format": "json"})  # the run that was there is still the pinned one
        body = json.loads(json.loads(ws.receive_text())["body"])
        assert body["config"]["dataset"] == "xor" and body["config"]["layers"] == [3]


def test_the_pinned_value_in_another_spelling_is_accepted(lab):
    ana, _ = pinned_lab(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"layers": "3", "activations": "relu", "lr": 0.1, "dataset": "xor"}})
        assert ready(ws)["config"]["layers"] == [3]


@pytest.mark.parametrize("message", [{"lr": 0.5}, {"epochs_per_frame": 10}, {"epochs_per_frame": 1, "lr": 0.1}])
def test_a_set_message_cannot_move_a_pinned_control(lab, message):
    ana, _ = pinned_lab(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {}})
        ready(ws)
        send(ws, {"type": "set", **message})
        err = error(ws)
        assert err["field"] in message and "pinned" in err["message"]
        send(ws, {"type": "play"})
        epochs = [frame_header(ws.receive_bytes())["epoch"] for _ in range(3)]
        send(ws, {"type": "pause"})
    assert epochs == [2, 4, 6]  # the pinned 2 epochs a frame held


def test_an_unpinned_control_stays_the_learners(lab):
    ana, _ = pinned_lab(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {}})
        ready(ws)
        send(ws, {"type": "set", "stop_epoch": 4})
        send(ws, {"type": "play"})
        while True:
            msg = ws.receive()
            if msg.get("text"):
                assert json.loads(msg["text"])["type"] == "stopped"
                break
            last = frame_header(msg["bytes"])
    assert last["epoch"] == 4


def test_a_csv_cannot_replace_a_pinned_data_set(lab):
    ana, _ = pinned_lab(lab)
    res = ana.post("/api/playground/csv", files={"file": ("xor.csv", XOR_CSV, "text/csv")})
    assert res.status_code == 409 and "dataset: pinned by your teacher" in res.json()["detail"]


def test_the_teacher_is_not_held_by_the_pins(lab):
    _, teacher = pinned_lab(lab)
    with teacher.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"dataset": "circle", "layers": [2]}})
        assert ready(ws)["config"]["dataset"] == "circle"


def test_new_pins_apply_from_the_next_init(lab):
    ana, teacher = pinned_lab(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"dataset": "circle"}})
        error(ws)
        teacher.put("/api/class/teacher/playground", json={"config": {}, "pinned": []})
        send(ws, {"type": "init", "config": {"dataset": "circle"}})
        assert ready(ws)["config"]["dataset"] == "circle"


@pytest.mark.parametrize(("body", "field"), [
    ({"config": {"bogus": 1}, "pinned": []}, "bogus"),
    ({"config": {}, "pinned": ["bogus"]}, "pinned"),
    ({"config": {"lr": "fast"}, "pinned": ["lr"]}, "lr"),
    ({"config": {"layers": [999]}, "pinned": []}, "layers"),
    ({"config": {"epochs_per_frame": 0}, "pinned": []}, "epochs_per_frame"),
])
def test_the_teachers_settings_are_checked_as_a_run_would_be(lab, body, field):
    location, _, token = lab
    res = teacher_for(location, token).put("/api/class/teacher/playground", json=body)
    assert res.status_code == 422 and res.json()["field"] == field, res.text


def test_only_the_teacher_saves_the_class_playground(lab):
    location, klass, _ = lab
    ana = joined(location, klass.code, "Ana")
    assert ana.put("/api/class/teacher/playground", json=PINNED).status_code == 401
    assert client_for(location).get("/api/class/playground").status_code == 401


# -- upload quotas -------------------------------------------------------------------------------------------


def test_a_learner_past_the_upload_quota_is_told_which_and_when(lab, monkeypatch):
    location, klass, _ = lab
    monkeypatch.setattr(Store, "LEARNER_UPLOADS", 2)
    ana, bob = joined(location, klass.code, "Ana"), joined(location, klass.code, "Bob")
    for _ in range(2):
        assert ana.post("/api/playground/csv", files={"file": ("a.csv", XOR_CSV, "text/csv")}).status_code == 200
    res = ana.post("/api/playground/csv", files={"file": ("a.csv", XOR_CSV, "text/csv")})
    assert res.status_code == 429 and "the limit is 2 a learner" in res.json()["detail"]
    assert 1 <= int(res.headers["Retry-After"]) <= Store.UPLOAD_SECONDS + 1
    assert bob.post("/api/playground/csv", files={"file": ("b.csv", XOR_CSV, "text/csv")}).status_code == 200


def test_the_class_upload_quota_counts_every_learner(lab, monkeypatch):
    location, klass, _ = lab
    monkeypatch.setattr(Store, "CLASS_UPLOAD_BYTES", int(2.5 * len(XOR_CSV)))
    for name in ("Ana", "Bob"):
        c = joined(location, klass.code, name)
        assert c.post("/api/playground/csv", files={"file": ("a.csv", XOR_CSV, "text/csv")}).status_code == 200
    res = joined(location, klass.code, "Cy").post("/api/playground/csv", files={"file": ("a.csv", XOR_CSV,
                                                                                             "text/csv")})
    assert res.status_code == 429 and "class's limit" in res.json()["detail"]


def test_a_learner_past_the_byte_quota_is_told_the_sizes(lab, monkeypatch):
    location, klass, _ = lab
    monkeypatch.setattr(Store, "LEARNER_UPLOAD_BYTES", len(XOR_CSV) + 10)
    ana = joined(location, klass.code, "Ana")
    assert ana.post("/api/playground/csv", files={"file": ("a.csv", XOR_CSV, "text/csv")}).status_code == 200
    res = ana.post("/api/playground/csv", files={"file": ("a.csv", XOR_CSV, "text/csv")})
    assert res.status_code == 429 and "would pass the limit of" in res.json()["detail"]


# -- limits that every worker on one store shares ----------------------------------------------------------


def test_failed_joins_count_across_workers(lab):
    location, klass, _ = lab
    a, b = client_for(location), client_for(location)
    wrong = [code for code in (f"ZZZZZ{c}" for c in "ABCDEFGHJKLM") if code != klass.code][:10]
    for i, code in enumerate(wrong):  # ten distinct wrong codes (one code tried again counts once a minute)
        res = (a if i % 2 else b).post("/api/class/join", json={"code": code, "name": f"x{i}"})
        assert res.status_code == 404
    # the eleventh try is refused on either worker, even with the right code, which nobody at this address has
    # joined with yet (a code joined with from here would still work: test_class_join_limit_c6.py)
    for worker in (a, b):
        res = worker.post("/api/class/join", json={"code": klass.code, "name": "late"})
        assert res.status_code == 429 and int(res.headers["Retry-After"]) >= 1


def test_the_session_cap_counts_every_workers_sessions(lab):
    location, klass, _ = lab
    a = joined(location, klass.code, "Ana", max_sessions=2)
    b = joined(location, klass.code, "Bob", max_sessions=2)
    with a.websocket_connect("/ws/playground") as one, b.websocket_connect("/ws/playground") as two:
        for ws in (one, two):
            send(ws, {"type": "init", "config": {"n_points": 100}})
            ready(ws)
        with a.websocket_connect("/ws/playground") as third:
            msg = json.loads(third.receive_text())
            assert msg["type"] == "error" and "2 playground sessions are running" in msg["message"]
    with b.websocket_connect("/ws/playground") as again:  # both closed: room again
        send(again, {"type": "init", "config": {"n_points": 100}})
        ready(again)


def test_a_dead_workers_sessions_stop_counting(lab):
    location, _, _ = lab
    store = Store(location)
    assert store.acquire_play_session("w1:1", None, 1, 3, stale_seconds=60) is None
    assert store.acquire_play_session("w2:1", None, 1, 3, stale_seconds=60) == "full"
    store.db.execute("UPDATE play_sessions SET seen_at = seen_at - 120")  # worker w1 stopped refreshing its row
    assert store.acquire_play_session("w2:1", None, 1, 3, stale_seconds=60) is None
    assert store.play_sessions(stale_seconds=60) == 1


def test_a_learners_playground_page_is_sent_to_the_class_link_with_the_pinned_controls_hidden(lab):
    from urllib.parse import parse_qs, urlsplit

    ana, teacher = pinned_lab(lab)
    res = ana.get("/playground?seed=4&lr=9", follow_redirects=False)
    assert res.status_code == 303
    q = {k: v[0] for k, v in parse_qs(urlsplit(res.headers["location"]).query).items()}
    assert (q["dataset"], q["layers"], q["activations"], q["lr"], q["speed"], q["seed"]) == (
        "xor", "3", "relu", "0.1", "2", "4")  # pinned values win over the link's; the learner's own seed stays
    hidden = set(q["hide"].split(","))
    assert {"dataset", "csv", "layers", "activation", "lr", "speed"} <= hidden
    assert ana.get(res.headers["location"], follow_redirects=False).status_code == 200  # no second redirect
    assert teacher.get("/playground", follow_redirects=False).status_code == 200  # the teacher sees every control


def test_without_saved_settings_the_playground_page_is_served_as_it_is(lab):
    location, klass, _ = lab
    assert joined(location, klass.code, "Ana").get("/playground", follow_redirects=False).status_code == 200


def test_a_raw_websocket_client_on_a_served_lab_cannot_move_a_pinned_setting(tmp_path):
    """Over real loopback sockets, a script with a learner's cookie sends what no page would: every path refused."""
    import asyncio
    import concurrent.futures

    import httpx
    import websockets

    from web.conftest import _free_port
    from web.test_browser_classroom import _in_thread

    location = tmp_path / "lab.sqlite3"
    klass, token = Store(location).create_class("physics 2a")
    port = _free_port()
    stop = _in_thread(location, port)
    base = f"http://127.0.0.1:{port}"
    try:
        assert httpx.put(base + "/api/class/teacher/playground", json=PINNED, headers={
            "Authorization": f"Bearer {token}", "Origin": base}).status_code == 200
        joined_ = httpx.post(base + "/api/class/join", json={"code": klass.code, "name": "Ana"},
                             headers={"Origin": base})
        cookie = f"actlab_learner={joined_.cookies['actlab_learner']}"

        async def main():
            async with websockets.connect(base.replace("http", "ws") + "/ws/playground", origin=base,
                                          additional_headers={"Cookie": cookie}, max_size=2**22) as ws:
                answers = []
                for msg in ({"type": "init", "config": {"dataset": "spiral"}},
                            {"type": "init", "config": {"layers": [8, 8], "activations": ["relu"]}},
                            {"type": "init", "config": {"lr": 10}},
                            {"type": "init", "config": {}},
                            {"type": "set", "lr": 1.0},
                            {"type": "set", "epochs_per_frame": 50},
                            {"type": "reset", "config": {"activations": ["sigmoid"]}}):
                    await ws.send(json.dumps(msg))
                    while True:
                        got = await asyncio.wait_for(ws.recv(), timeout=60)
                        if isinstance(got, str):
                            answers.append(json.loads(got))
                            break
                return answers

        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            answers = ex.submit(asyncio.run, main()).result(timeout=120)
    finally:
        stop()
    assert [(a["type"], a.get("field")) for a in answers] == [
        ("error", "dataset"), ("error", "layers"), ("error", "lr"), ("ready", None), ("error", "lr"),
        ("error", "epochs_per_frame"), ("error", "activations")]
    assert all("pinned by your teacher" in a["message"] for a in answers if a["type"] == "error")
