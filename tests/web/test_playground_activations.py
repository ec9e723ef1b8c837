"""The playground's run config: `activations` items as a name or {"name", "params"}, any parameter trained with."""

from __future__ import annotations

import json
import struct

import pytest


def _header(blob: bytes) -> dict:
    (n,) = struct.unpack("<I", blob[:4])
    return json.loads(blob[4:4 + n])


def test_a_per_layer_spec_trains_and_comes_back_in_the_ready_message(client):
    acts = [{"name": "softplus", "params": {"beta": 3}}, "tanh"]
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"layers": [4, 3], "activations": acts, "n_points": 100}}))
        ready = json.loads(ws.receive_text())
        assert ready["type"] == "ready"
        assert ready["config"]["activations"] == [{"name": "softplus", "params": {"beta": 3.0}}, "tanh"]
        header = _header(ws.receive_bytes())
        assert [layer["activation"] for layer in header["layers"]] == ["softplus", "tanh"]
        ws.send_text(json.dumps({"type": "export", "format": "json"}))
        exported = json.loads(json.loads(ws.receive_text())["body"])
        first = exported["network"]["activations"][0]
        assert first["name"] == "softplus" and first["params"]["beta"] == 3.0


def test_an_old_link_with_flat_keys_still_sets_the_slope(client):
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"activations": ["leaky_relu"], "negative_slope": 0.3}}))
        ready = json.loads(ws.receive_text())
        assert ready["config"]["activations"] == [{"name": "leaky_relu", "params": {"negative_slope": 0.3}}]


@pytest.mark.parametrize(("acts", "field", "needle"), [
    (["tanhh"], "activations (layer 1)", "unknown activation 'tanhh'"),
    (["tanh", {"name": "silu", "params": {"gamma": 1}}], "activations (layer 2)", "silu has no parameter gamma"),
    ([{"name": "elu", "params": {"alpha": -1}}], "activations (layer 1)",
     "elu: parameter alpha=-1 is out of range; allowed: (0,"),
    (["silu(beta=2"], "activations (layer 1)",
     "a name with parameters in brackets, e.g. leaky_relu(negative_slope=0.1)"),
    ([{"name": "silu", "params": "beta=2"}], "activations (layer 1).params", "an object of parameter values"),
])
def test_a_bad_spec_is_an_error_naming_the_layer_and_the_socket_lives(client, acts, field, needle):
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"activations": acts}}))
        error = json.loads(ws.receive_text())
        assert error["type"] == "error" and error["field"] == field and needle in error["message"], error
        ws.send_text(json.dumps({"type": "init", "config": {"n_points": 100}}))
        assert json.loads(ws.receive_text())["type"] == "ready"
