"""A big network's numbers trail training while it plays (an evaluation spread over frames); when the run stops
moving (Pause, a stop rule) the last frame's numbers are taken at the weights it stopped with. Checked through the
real app and its training process: the loss on the last frame equals one computed here from the exported weights
(NumPy products and np.tanh, the playground's 0.5 * mean squared error), apart from actlab's evaluation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from actlab.datasets import features
from actlab.playground import frame_header
from actlab.session import RunConfig, make_data
from actlab.web.app import create_app
from actlab.web.settings import LabSettings

# 12 x 128: an evaluation of about 5e8 multiply-adds, several frames' worth (EVAL_BUDGET 1e8), and 13 updates a frame
CONFIG = {"layers": [128] * 12, "activations": ["tanh"], "n_points": 500, "batch_size": 10, "seed": 4}


@pytest.fixture
def client(tmp_path):
    app = create_app(LabSettings(max_layers=16, max_width=128), db_path=tmp_path / "progress.sqlite3",
                     max_sessions=2, allow_hosts=("testserver",))
    with TestClient(app) as c:
        yield c


def reference_loss(exported: dict) -> float:
    """The training loss of an exported network on the run's training data, computed apart from actlab."""
    cfg = RunConfig.from_dict(CONFIG)
    train, _ = make_data(cfg)
    net = exported["network"]
    a = features(train.points, cfg.features).astype(np.float64)
    for l, (w, b) in enumerate(zip(net["weights"], net["biases"], strict=True)):
        z = a @ np.asarray(w) + np.asarray(b)
        a = z if l == len(net["weights"]) - 1 else np.tanh(z)
    y = np.where(train.labels > 0, 1.0, -1.0)
    return 0.5 * float(np.mean((np.tanh(a[:, 0]) - y) ** 2))


def frames_until_text(ws) -> tuple[list[dict], dict]:
    headers = []
    while True:
        msg = ws.receive()
        if msg.get("text"):
            return headers, json.loads(msg["text"])
        headers.append(frame_header(msg["bytes"]))


def start(ws) -> None:
    ws.send_text(json.dumps({"type": "init", "config": CONFIG}))
    assert json.loads(ws.receive_text())["type"] == "ready"
    frame_header(ws.receive_bytes())


def export(ws) -> dict:
    ws.send_text(json.dumps({"type": "export", "format": "json"}))
    headers, msg = frames_until_text(ws)
    assert msg["type"] == "export" and not headers
    return json.loads(msg["body"])


def test_pause_in_the_middle_of_an_evaluation_shows_the_paused_weights_numbers(client):
    with client.websocket_connect("/ws/playground") as ws:
        start(ws)
        ws.send_text(json.dumps({"type": "play"}))
        live = [frame_header(ws.receive_bytes()) for _ in range(4)]
        assert any(h["evaluated_step"] < h["step"] for h in live)  # the numbers trail while it plays
        ws.send_text(json.dumps({"type": "pause"}))
        ws.send_text(json.dumps({"type": "ping"}))
        ws.send_text(json.dumps({"type": "export", "format": "json"}))
        headers, msg = frames_until_text(ws)
        assert msg["type"] == "export"
        last = headers[-1]  # the pause's frame, after any already on their way
        assert last["evaluated_step"] == last["step"] > live[-1]["evaluated_step"]
        assert last["train_loss"] == pytest.approx(reference_loss(json.loads(msg["body"])), rel=1e-12)
        assert last["thumb_from"] == 0 and last["thumb_count"] == 128 * 12  # every thumbnail on a still picture


def test_a_stop_rule_hit_mid_evaluation_ends_on_numbers_of_the_final_weights(client):
    with client.websocket_connect("/ws/playground") as ws:
        start(ws)
        ws.send_text(json.dumps({"type": "set", "stop_epoch": 1}))
        ws.send_text(json.dumps({"type": "play"}))
        headers, stopped = frames_until_text(ws)
        assert stopped["type"] == "stopped" and stopped["reason"] == "epochs"
        assert any(h["evaluated_step"] < h["step"] for h in headers[:-1])  # it stopped during a spread evaluation
        last = headers[-1]
        assert last["epoch"] == 1 and last["evaluated_step"] == last["step"]
        assert last["train_loss"] == pytest.approx(reference_loss(export(ws)), rel=1e-12)


def test_pause_while_paused_sends_nothing(client):
    with client.websocket_connect("/ws/playground") as ws:
        start(ws)
        ws.send_text(json.dumps({"type": "pause"}))
        assert export(ws)["epoch"] == 0  # no frame came between the pause and the export's answer
