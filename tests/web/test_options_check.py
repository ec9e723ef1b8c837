"""POST /api/options/check: the core's one check of a page's settings. Each refused value is named with the words
the core's own validators say of it (RunConfig, the data set, StopRule, the lab's limits), takes its default, and
costs only itself; nothing is written; a page of another site is refused."""

from __future__ import annotations

import pytest

from actlab.errors import ConfigError
from actlab.limits import PlaygroundLimits
from actlab.options import CONTROLS, check_settings, run_defaults
from actlab.session import RunConfig
from actlab.training import StopRule


def _core_words(**values) -> tuple[str, str]:
    """(field, message) of the ConfigError the core's own validators raise for one value."""
    with pytest.raises(ConfigError) as err:
        if "stop_epoch" in values:
            StopRule(max_epochs=values["stop_epoch"])
        else:
            cfg = RunConfig.from_dict(values)
            PlaygroundLimits().check(cfg)
            from actlab.session import build_trainer

            build_trainer(cfg)
    return err.value.field, err.value.message


@pytest.mark.parametrize("values", [
    {"init": "bogus"}, {"optimizer": "rmsprop"}, {"layers": [4, 99]}, {"layers": [0]}, {"seed": -1},
    {"activations": ["hardtanh(min_val=2,max_val=1)"]}, {"activations": ["tanh", "silu(gamma=1)"]},
    {"activations": ["relu", "relu", "relu"]}, {"noise": 0.9}, {"train_fraction": 0.95}, {"features": ["x3"]},
    {"dataset": "plane", "loss": "cross-entropy"}, {"lr": -1},
])
def test_a_refused_value_is_named_with_the_cores_words_and_takes_its_default(client, values):
    field, message = _core_words(**values)
    answer = client.post("/api/options/check", json={**values, "reg": "l2"}).json()
    assert answer["problems"] == [{"setting": next(iter(values)) if "loss" not in values else "loss",
                                   "field": field, "message": message}]
    defaults = run_defaults()
    setting = answer["problems"][0]["setting"]
    assert answer["settings"][setting] == defaults[setting]
    assert answer["settings"]["reg"] == "l2"  # the good value beside it stands


def test_the_stop_rule_and_the_speed_are_checked_by_the_core_too(client):
    answer = client.post("/api/options/check", json={"stop_epoch": -1, "target_loss": 0.05,
                                                      "epochs_per_frame": 7}).json()
    field, message = _core_words(stop_epoch=-1)
    assert {"setting": "stop_epoch", "field": "stop_epoch", "message": message} in answer["problems"]
    assert field == "max_epochs"  # StopRule's own name; the page's is stop_epoch
    assert [p["setting"] for p in answer["problems"]] == ["epochs_per_frame", "stop_epoch"]
    assert answer["settings"]["target_loss"] == 0.05
    assert answer["settings"]["epochs_per_frame"] == CONTROLS["epochs_per_frame"]


def test_the_playgrounds_controls_bound_what_the_core_would_otherwise_train(client):
    """batch_size 100 trains from the CLI; the playground's slider stops at 30, and says so."""
    RunConfig(batch_size=100)
    answer = client.post("/api/options/check", json={"batch_size": 100, "lr": 50}).json()
    assert [(p["setting"], p["message"]) for p in answer["problems"]] == [
        ("batch_size", "100 is beyond the playground's control; allowed: 1 to 30"),
        ("lr", "50 is beyond the playground's control; allowed: 0 to 10")]


def test_a_good_set_of_settings_comes_back_as_it_was_with_an_old_links_flat_key_merged(client):
    good = {"dataset": "xor", "noise": 0.2, "train_fraction": 0.7, "batch_size": 5, "lr": 0.1, "layers": [3, 3],
            "activations": ["leaky_relu", "silu(beta=2)"], "features": ["x1", "x2", "x1x2"], "reg": "l1",
            "reg_rate": 0.001, "optimizer": "adam", "loss": "mse", "init": "he_normal", "seed": 4,
            "weight_seed": 9, "negative_slope": 0.2, "epochs_per_frame": 5, "stop_epoch": 40, "target_loss": 0.1}
    answer = client.post("/api/options/check", json=good).json()
    assert answer["problems"] == []
    got = answer["settings"]
    assert got["activations"] == [{"name": "leaky_relu", "params": {"negative_slope": 0.2}},
                                  {"name": "silu", "params": {"beta": 2.0}}]
    assert {k: got[k] for k in good if k != "activations"} == {k: v for k, v in good.items() if k != "activations"}


def test_a_bad_flat_key_is_refused_alone_and_the_activations_stay(client):
    answer = client.post("/api/options/check", json={"activations": ["leaky_relu"], "negative_slope": 5}).json()
    (problem,) = answer["problems"]
    assert problem["setting"] == problem["field"] == "negative_slope"
    assert problem["message"] == "leaky_relu: parameter negative_slope=5 is out of range; allowed: [0, 1] (finite)"
    assert answer["settings"]["activations"] == ["leaky_relu"]


def test_the_labs_own_limits_are_the_ones_checked(tmp_path):
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app
    from actlab.web.settings import LabSettings

    settings = LabSettings(db=str(tmp_path / "p.sqlite3"), allow_hosts=("testserver",), max_layers=12, max_width=64)
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/options/check", json={"layers": [64] * 12}).json()["problems"] == []
        assert check_settings({"layers": [64] * 12}, PlaygroundLimits())["problems"][0]["setting"] == "layers"


def test_it_writes_nothing_refuses_a_foreign_page_and_a_body_that_is_not_an_object(client):
    before = client.get("/api/options").headers["etag"]
    assert client.post("/api/options/check", json=[1]).status_code == 422
    foreign = client.post("/api/options/check", json={"lr": 0.1}, headers={"Origin": "https://elsewhere.example"})
    assert foreign.status_code == 403
    assert client.get("/api/options").headers["etag"] == before
    assert client.get("/api/options/check").status_code == 405  # a check is a POST: a GET changes nothing either
