# ruff: noqa: F811  (lab: the fixture imported from test_class_playground, named by each test)
"""Pins a teacher saves while a learner's playground socket is open hold from that learner's next message: a 'set'
is checked against the pins as saved now, and a Play on a run the new pins no longer allow starts a new run with
them (issue 16, walkthrough W4 item 1). Both store backends."""

from __future__ import annotations

import json

from web.test_class_playground import error, joined, lab, ready, send, teacher_for  # noqa: F401, F811  (lab: a fixture)


def _open(lab):
    location, klass, token = lab
    return joined(location, klass.code, "Ana"), teacher_for(location, token)


def _pin(teacher, config: dict, pinned: list[str]) -> None:
    res = teacher.put("/api/class/teacher/playground", json={"config": config, "pinned": pinned})
    assert res.status_code == 200, res.text


def test_a_set_message_is_checked_against_pins_saved_after_the_run_started(lab):
    ana, teacher = _open(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"dataset": "circle", "lr": 0.1}})
        ready(ws)
        _pin(teacher, {"lr": 0.03, "epochs_per_frame": 2}, ["lr", "epochs_per_frame"])
        send(ws, {"type": "set", "lr": 100})
        refused = error(ws)
        assert refused["field"] == "lr" and refused["fix"] == {"lr": 0.03}, refused
        assert "pinned by your teacher at 0.03" in refused["message"]
        send(ws, {"type": "set", "epochs_per_frame": 50})
        refused = error(ws)
        assert refused["field"] == "epochs_per_frame" and refused["fix"] == {"epochs_per_frame": 2}, refused
        send(ws, {"type": "set", "stop_epoch": 40})  # not pinned: still the learner's (answered by nothing)
        send(ws, {"type": "set", "lr": 0.03})  # the pinned value itself passes
        send(ws, {"type": "export", "format": "json"})
        assert json.loads(ws.receive_text())["type"] == "export"  # no error came before the export's answer


def test_play_on_a_run_made_before_the_pins_starts_a_run_with_them(lab):
    ana, teacher = _open(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"dataset": "circle", "lr": 0.1, "layers": [4, 2]}})
        assert ready(ws)["config"]["lr"] == 0.1
        send(ws, {"type": "step"})
        ws.receive_bytes()
        _pin(teacher, {"lr": 0.03}, ["lr"])
        send(ws, {"type": "play"})
        again = ready(ws)
        assert again["config"]["lr"] == 0.03 and again["pinned"] == ["lr"], again
        assert again["config"]["layers"] == [4, 2] and again["config"]["dataset"] == "circle"  # the learner's own
        assert "pinned lr after this run started" in again["restarted"], again
        ws.receive_bytes()  # and it plays
        send(ws, {"type": "pause"})


def test_a_step_on_a_run_made_before_the_pins_steps_a_run_with_them(lab):
    ana, teacher = _open(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"dataset": "circle", "lr": 0.1}})
        ready(ws)
        _pin(teacher, {"lr": 0.03}, ["lr"])
        send(ws, {"type": "step"})
        assert ready(ws)["config"]["lr"] == 0.03
        ws.receive_bytes()  # the step's frame, on the new run


def test_play_goes_on_when_the_new_pins_allow_the_run(lab):
    ana, teacher = _open(lab)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"dataset": "circle", "lr": 0.1}})
        ready(ws)
        _pin(teacher, {"lr": 0.1, "epochs_per_frame": 5}, ["lr", "epochs_per_frame"])
        send(ws, {"type": "play"})
        first = ws.receive()  # a frame of the same run, not a new "ready"
        assert "bytes" in first and first["bytes"], first
        send(ws, {"type": "pause"})


def test_a_store_too_slow_to_give_the_pins_refuses_the_message_and_says_so(lab, monkeypatch):
    import asyncio

    from actlab.store import Store
    from actlab.web.routes import playground

    ana, _ = _open(lab)

    async def stuck(self, class_id):
        await asyncio.sleep(5)

    monkeypatch.setattr(playground, "PINS_READ_SECONDS", 0.2)
    monkeypatch.setattr(Store, "class_playground_async", stuck)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "set", "lr": 0.1})
        refused = error(ws)
        assert refused["field"] == "pins" and "could not be read within 0.2 s" in refused["message"], refused
        assert "nothing changed: try again in a moment" in refused["message"]
