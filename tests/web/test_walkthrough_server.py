"""Walkthrough findings on the server: strict JSON to the playground, huge CSV values, errors that name their
field once, a class's pinned activations and the link values the class's pins replaced."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from actlab.datasets import MAX_CSV_MAGNITUDE
from actlab.store import Store
from actlab.web.app import create_app
from databases import database


def strict(text: str) -> dict:
    """JSON as a strict reader takes it: NaN and Infinity are not JSON."""
    def refuse(name):
        raise AssertionError(f"{name} in {text[:200]}")
    return json.loads(text, parse_constant=refuse)


def test_a_csv_value_too_large_to_square_is_refused_at_upload(client):
    body = b"x1,x2,label\n1e308,1e308,0\n0.5,0.2,1\n-0.3,0.1,0\n0.2,-0.4,1\n"
    r = client.post("/api/playground/csv", files={"file": ("huge.csv", body, "text/csv")})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "row 2, column x1" in detail and f"{MAX_CSV_MAGNITUDE:g}" in detail


def test_the_largest_allowed_values_reach_the_page_as_strict_json(client):
    big = f"{MAX_CSV_MAGNITUDE!r}"
    rows = "\n".join([f"{big},{big},0", f"-{big},1,1", "0.5,0.2,1", "-0.3,0.1,0", "0.2,-0.4,1", "1,1,0"])
    info = client.post("/api/playground/csv", files={"file": ("big.csv", f"x1,x2,label\n{rows}\n".encode(),
                                                              "text/csv")}).json()
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"dataset": "csv", "features": ["x1", "x1^2"]},
                                 "csv_token": info["token"]}))
        ready = strict(ws.receive_text())
        assert ready["type"] == "ready"
        assert max(abs(v) for p in ready["points"]["train"] + ready["points"]["test"] for v in p) == MAX_CSV_MAGNITUDE


def test_an_error_names_its_field_once(client):
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"lr": "fast"}}))
        err = strict(ws.receive_text())
        assert err["type"] == "error" and err["field"] == "lr"
        assert not err["message"].startswith("lr:") and "finite number" in err["message"]
        ws.send_bytes(b"\x00")
        err = strict(ws.receive_text())
        assert err["field"] == "message" and not err["message"].startswith("message:")


def test_a_per_layer_activation_error_counts_layers_from_one(client):
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"layers": [4, 2], "activations": [
            "tanh", {"name": "leaky_relu", "params": {"negative_slope": 2}}]}}))
        err = strict(ws.receive_text())
        assert err["field"] == "activations (layer 2)" and err["message"].startswith("leaky_relu")


@pytest.fixture
def klass(tmp_path):
    with database("sqlite", tmp_path) as location:
        k, token = Store(location).create_class("physics 2a")
        teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
        teacher.headers["Authorization"] = f"Bearer {token}"
        learner = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
        assert learner.post("/api/class/join", json={"code": k.code, "name": "Ana"}).status_code == 200
        yield teacher, learner


def pin(teacher, config, pinned):
    r = teacher.put("/api/class/teacher/playground", json={"config": config, "pinned": pinned})
    assert r.status_code == 200, r.text


def test_a_learner_adds_a_layer_under_pinned_identical_activations(klass):
    teacher, ana = klass
    pin(teacher, {"activations": ["relu", "relu"], "layers": [4, 2]}, ["activations"])
    with ana.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"layers": [4, 2, 2],
                                                            "activations": ["relu", "relu", "relu"]}}))
        ready = strict(ws.receive_text())
        assert ready["type"] == "ready", ready
        assert ready["config"]["layers"] == [4, 2, 2] and ready["config"]["activations"] == ["relu"]


def test_pinned_per_layer_activations_say_the_layer_count_is_fixed(klass):
    teacher, ana = klass
    pin(teacher, {"activations": ["relu", "tanh"], "layers": [4, 2]}, ["activations"])
    with ana.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"layers": [4, 2, 2],
                                                            "activations": ["relu", "tanh", "tanh"]}}))
        err = strict(ws.receive_text())
        assert err["type"] == "error" and err["field"] == "layers"
        assert "pinned one activation per hidden layer for 2 layers" in err["message"]


def test_the_class_link_names_the_settings_the_pins_replaced(klass):
    teacher, ana = klass
    pin(teacher, {"lr": 0.1, "layers": [3]}, ["lr", "layers"])
    res = ana.get("/playground?lr=3&layers=3&seed=4", follow_redirects=False)
    assert res.status_code == 303
    q = {k: v[0] for k, v in parse_qs(urlsplit(res.headers["location"]).query).items()}
    assert q["lr"] == "0.1" and q["seed"] == "4" and q["pinned_overrides"] == "lr"  # layers=3 was already the pin
    assert ana.get(res.headers["location"], follow_redirects=False).status_code == 200  # no second redirect
    res = ana.get("/playground?seed=4", follow_redirects=False)
    assert "pinned_overrides" not in parse_qs(urlsplit(res.headers["location"]).query)  # nothing was replaced
