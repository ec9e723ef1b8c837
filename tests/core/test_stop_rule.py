"""One StopRule decides when a run stops, for the Trainer and for the playground's WebSocket."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from actlab.errors import ConfigError
from actlab.playground import frame_header
from actlab.session import RunConfig, build_trainer
from actlab.training import StopRule
from actlab.web.app import create_app
from tests.web.test_playground_ws import play_until_stopped

CFG = dict(dataset="circle", n_points=200, layers=[4], activations=["tanh"], lr=0.3, seed=3)


def _trainer():
    return build_trainer(RunConfig.from_dict(CFG))


def _route_run(tmp_path, **settings) -> tuple[dict, dict]:
    """Play the same run over the WebSocket, one epoch per frame, until it stops: (last frame, stop message)."""
    app = create_app(db_path=tmp_path / "p.sqlite3", allow_hosts=("testserver",))
    with TestClient(app) as client, client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": CFG}))
        assert json.loads(ws.receive_text())["type"] == "ready"
        first = frame_header(ws.receive_bytes())
        ws.send_text(json.dumps({"type": "set", "epochs_per_frame": 1, **settings}))
        ws.send_text(json.dumps({"type": "play"}))
        last, stopped = play_until_stopped(ws)
        return last or first, stopped


def test_target_loss_watches_the_test_loss_and_stops_both_at_the_same_step(tmp_path):
    target = 0.12
    frames = list(_trainer().run(StopRule(max_epochs=500, target_loss=target)))
    last = frames[-1]
    assert last.test_loss <= target < frames[-2].test_loss  # stopped on the first epoch at or below the target
    assert StopRule(target_loss=target).check(last).reason == "target"
    header, stopped = _route_run(tmp_path, target_loss=target, stop_epoch=500)
    assert stopped["reason"] == "target" and stopped["type"] == "stopped"
    assert (header["step"], header["epoch"]) == (last.step, last.epoch)
    assert stopped["message"].startswith("Test loss")


def test_epoch_limit_stops_both_at_the_same_step(tmp_path):
    last = list(_trainer().run(StopRule(max_epochs=7)))[-1]
    header, stopped = _route_run(tmp_path, stop_epoch=7)
    assert stopped["reason"] == "epochs" and (header["step"], header["epoch"]) == (last.step, last.epoch) == (70, 7)


def test_without_a_test_set_the_training_loss_is_watched():
    from actlab.datasets import make_dataset
    from actlab.network import NetworkConfig
    from actlab.optim import OptimConfig
    from actlab.training import Trainer

    data = make_dataset("circle", 100, 0.0, rng=__import__("numpy").random.default_rng(0))
    t = Trainer(NetworkConfig(2, (4,), ("tanh",)), OptimConfig("sgd", 0.3), data.points, data.labels)
    frames = list(t.run(StopRule(max_epochs=500, target_loss=0.2)))
    assert frames[-1].test_loss is None and frames[-1].train_loss <= 0.2 < frames[-2].train_loss
    assert StopRule.watched_loss(frames[-1]) == ("training", frames[-1].train_loss)
    assert StopRule(target_loss=0.2).check(frames[-1]).message.startswith("Training loss")


def test_max_steps_stops_inside_an_epoch():
    frames = list(_trainer().run(StopRule(max_steps=25)))
    assert [f.step for f in frames] == [10, 20, 25] and frames[-1].epoch == 2


def test_divergence_stops_first():
    cfg = {**CFG, "dataset": "plane", "lr": 10.0, "activations": ["relu"], "layers": [8, 8]}  # nothing bounds the loss
    t = build_trainer(RunConfig.from_dict(cfg))
    frames = list(t.run(StopRule(max_epochs=50)))
    assert frames[-1].status == "diverged" and StopRule(max_epochs=50).check(frames[-1]).reason == "diverged"
    assert len(frames) < 50


@pytest.mark.parametrize("kwargs, field", [
    ({"max_epochs": -1}, "max_epochs"), ({"max_steps": 1.5}, "max_steps"), ({"max_epochs": True}, "max_epochs"),
    ({"target_loss": float("nan")}, "target_loss"),
])
def test_bad_rules_name_the_field(kwargs, field):
    with pytest.raises(ConfigError) as err:
        StopRule(**kwargs)
    assert err.value.field == field


def test_a_rule_that_never_stops_is_refused():
    with pytest.raises(ConfigError, match="never stop"):
        next(_trainer().run(StopRule()))
