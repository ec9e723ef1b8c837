"""An activation registered by hand in the lab's own process (activations.register, as a notebook or a test does)
trains in the playground's training processes: the pool sends it before the next run starts there. A record whose
functions cannot be sent is refused by name; one unregistered in the lab is gone there too."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import struct

import numpy as np
import pytest
from fastapi.testclient import TestClient

from actlab import activations
from actlab.playground import PlaygroundSession
from actlab.session import RunConfig
from actlab.web import pool as pool_module
from actlab.web.app import create_app
from actlab.web.settings import LabSettings
from web._plugin_record import NAME, record, register_scaled_tanh

RUN = {"layers": [3], "n_points": 100, "seed": 3}


def run_async(coro):
    """In a thread of its own (a test's event loop may be running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        return ex.submit(asyncio.run, coro).result(timeout=120)


def _header(blob: bytes) -> dict:
    (n,) = struct.unpack("<I", blob[:4])
    return json.loads(blob[4:4 + n])


@pytest.fixture
def lab(tmp_path):
    settings = LabSettings(db=str(tmp_path / "p.sqlite3"), allow_hosts=("testserver",), training="process",
                           training_processes=1)
    with TestClient(create_app(settings)) as client:
        yield client


def _start(ws, activation) -> dict:
    ws.send_text(json.dumps({"type": "init", "config": {**RUN, "activations": [activation]}}))
    return json.loads(ws.receive_text())


def _engine_losses(scale: float, steps: int) -> list[float]:
    """The same run in this process, where the record is registered: the losses the training process must match."""
    session = PlaygroundSession(RunConfig.from_dict({**RUN, "activations": [{"name": NAME,
                                                                              "params": {"scale": scale}}]}))
    return [session.trainer.frame().train_loss] + [session.step_once().train_loss for _ in range(steps)]


def test_a_record_registered_in_the_lab_trains_in_its_training_processes(lab):
    assert pool_module.pool().mode == "process"
    with register_scaled_tanh(), lab.websocket_connect("/ws/playground") as ws:
        ready = _start(ws, {"name": NAME, "params": {"scale": 2.5}})
        assert ready["type"] == "ready", ready
        assert ready["config"]["activations"] == [{"name": NAME, "params": {"scale": 2.5}}]
        frames = [_header(ws.receive_bytes())]
        for _ in range(3):
            ws.send_text(json.dumps({"type": "step"}))
            frames.append(_header(ws.receive_bytes()))
        assert [layer["activation"] for layer in frames[0]["layers"]] == [NAME]
        losses = [f["train_loss"] for f in frames]
        assert [f["step"] for f in frames] == [0, 1, 2, 3]
        assert losses == pytest.approx(_engine_losses(2.5, 3), rel=1e-12)
        assert not np.allclose(losses, _engine_losses(1.0, 3), rtol=1e-6)  # the parameter reached training
        assert pool_module.pool().pids  # trained in a process of its own, not in this one


def test_a_record_unregistered_in_the_lab_is_gone_in_the_training_processes_too(lab):
    """A run made while the record was registered, started after it was removed: the lab's own check is passed
    (the config was checked before), so the refusal comes from the training process, which no longer has it."""
    pool = pool_module.pool()
    with register_scaled_tanh():
        config = RunConfig.from_dict({**RUN, "activations": [NAME]})

        async def trains():
            s = pool.open()
            try:
                return (await s.call("start", config, None))["frame"].epoch
            finally:
                s.close()

        assert run_async(trains()) == 0

    async def refused():
        s = pool.open()
        try:
            await s.call("start", config, None)
        finally:
            s.close()

    with pytest.raises(ValueError, match=f"unknown activation {NAME!r}"):
        run_async(refused())


def test_a_record_whose_functions_cannot_be_sent_is_refused_by_name_and_the_socket_lives(lab):
    unpicklable = record().__class__(**{**record().__dict__, "name": "lambda_tanh_test",
                                        "fn": lambda x, scale=1.0: scale * np.tanh(x)})
    activations.register(unpicklable)
    try:
        with lab.websocket_connect("/ws/playground") as ws:
            error = _start(ws, "lambda_tanh_test")
            assert error["type"] == "error" and error["field"] == "activations (layer 1)", error
            assert "lambda_tanh_test was registered in this lab with functions its training processes cannot " \
                   "receive" in error["message"] and "--training thread" in error["message"]
            assert _start(ws, "tanh")["type"] == "ready"  # other runs go on, with the record left out
    finally:
        activations.unregister("lambda_tanh_test")


def test_what_is_sent_is_the_hand_registered_records_not_the_plugins(monkeypatch):
    """A plugin's record stays out (every training process loads the plugins itself: sent again, it would collide
    there); a hand-registered one goes, with its aliases; each register() and unregister() changes the count."""
    import dataclasses

    from actlab.activations import extension

    class EntryPoint:
        name, value = "fake", "fake_plugin:RECORD"

        @staticmethod
        def load():
            return dataclasses.replace(record(), name="plugin_tanh_test")

    monkeypatch.setattr(extension, "entry_points", lambda group: [EntryPoint()])
    start, _ = extension.registered_here()
    extension.load_plugins()
    try:
        with register_scaled_tanh():
            activations.register(dataclasses.replace(record(), name="hand_tanh_test"), aliases=["hand-tanh"])
            changes, sent = extension.registered_here()
            assert changes == start + 3
            assert {(r.name, aliases) for r, aliases in sent} == {(NAME, ()), ("hand_tanh_test", ("hand_tanh",))}
            activations.unregister("hand_tanh_test")
        assert extension.registered_here()[1] == []
    finally:
        activations.unregister("plugin_tanh_test")
