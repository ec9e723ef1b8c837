"""A reset the server refuses leaves the old run paused: the page shows the old settings and no run goes on
behind a page that presents another data set."""

from __future__ import annotations

import json
import struct


def _header(blob: bytes) -> dict:
    (n,) = struct.unpack("<I", blob[:4])
    return json.loads(blob[4:4 + n])


def test_a_refused_reset_stops_the_running_training(client):
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"n_points": 100}}))
        assert json.loads(ws.receive_text())["type"] == "ready"
        ws.receive_bytes()
        ws.send_text(json.dumps({"type": "play"}))
        ws.receive_bytes()  # it trains
        ws.send_text(json.dumps({"type": "reset", "config": {"n_points": 100, "loss": "hinge"}}))
        while True:  # frames already on their way come first
            msg = ws.receive()
            if msg.get("text"):
                break
        reply = json.loads(msg["text"])
        assert reply["type"] == "error" and reply["field"] == "loss"
        ws.send_text(json.dumps({"type": "export", "format": "json"}))
        after = ws.receive()
        assert after.get("text") and json.loads(after["text"])["type"] == "export"  # no frame: not training
        epoch = json.loads(json.loads(after["text"])["body"])["epoch"]
        ws.send_text(json.dumps({"type": "step"}))
        assert _header(ws.receive_bytes())["epoch"] == epoch  # the old run, still there, continues on request
