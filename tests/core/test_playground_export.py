"""The playground's exports: the versioned JSON (old files still read) and a PyTorch script for every activation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab import activations
from actlab.activations import REGISTRY
from actlab.errors import ConfigError
from actlab.playground import EXPORT_FORMAT, EXPORT_VERSION, PlaygroundSession, export_json, read_export, torch_script
from actlab.session import RunConfig

CASES = [(n, {}) for n in REGISTRY] + [("silu", {"beta": 2.0}), ("leaky_relu", {"negative_slope": 0.3}),
                                        ("softplus", {"beta": 2.0, "threshold": 5.0}), ("elu", {"alpha": 0.5}),
                                        ("hardtanh", {"min_val": -0.5, "max_val": 2.0})]


def _exported(acts: list[tuple[str, dict]], rng, width: int = 4) -> dict:
    """An export of a 2 -> width -> ... -> 1 network with random weights (a gated layer's z is twice as wide)."""
    weights, biases, fan_in = [], [], 2
    for name, _ in acts:
        fan_out = width * (2 if REGISTRY[name].is_gated else 1)
        weights.append(rng.normal(size=(fan_in, fan_out)).tolist())
        biases.append(rng.normal(size=fan_out).tolist())
        fan_in = width
    weights.append(rng.normal(size=(fan_in, 1)).tolist())
    biases.append(rng.normal(size=1).tolist())
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
            "network": {"layer_sizes": [2, *[width] * len(acts), 1],
                        "activations": [{"name": n, "params": p} for n, p in acts], "head": "regression",
                        "features": None, "inputs": ["a", "b"], "weights": weights, "biases": biases}}


def _actlab_logits(data: dict, x: np.ndarray) -> np.ndarray:
    net = data["network"]
    h = x
    for l, (w, b) in enumerate(zip(net["weights"], net["biases"], strict=True)):
        h = h @ np.array(w) + np.array(b)
        if l < len(net["activations"]):
            a = net["activations"][l]
            h = activations.get(a["name"], **a["params"])(h)
    return h


def _torch_logits(script: str, x: np.ndarray) -> np.ndarray:
    from conftest import require_torch

    torch = require_torch()
    scope: dict = {"__name__": "exported"}  # not "__main__": the script's demo print stays off
    exec(script, scope)
    with torch.no_grad():
        return scope["model"](torch.tensor(x)).numpy()


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_the_script_for_every_activation_computes_actlabs_network(name, params, rng):
    data = _exported([(name, params), ("tanh", {})], rng)
    x = rng.normal(scale=2.0, size=(32, 2))
    np.testing.assert_allclose(_torch_logits(torch_script(data), x), _actlab_logits(data, x), rtol=1e-11, atol=1e-12)


def test_one_class_per_activation_without_a_torch_module_however_many_layers_use_it(rng):
    data = _exported([("relu_squared", {}), ("silu", {"beta": 2.0}), ("silu", {"beta": 3.0}), ("relu_squared", {})],
                     rng)
    script = torch_script(data)
    assert script.count("class ReluSquared(nn.Module)") == 1 and script.count("class Silu(nn.Module)") == 1
    assert "Silu(beta=2.0)," in script and "Silu(beta=3.0)," in script
    x = rng.normal(size=(16, 2))
    np.testing.assert_allclose(_torch_logits(script, x), _actlab_logits(data, x), rtol=1e-11, atol=1e-12)


def test_a_trained_relu_squared_session_exports_and_runs():
    session = PlaygroundSession(RunConfig(layers=(4,), activations=("relu_squared",)), grid=10)
    session.advance(2)
    data = json.loads(json.dumps(export_json(session)))
    assert data["format"] == "actlab-playground" and data["version"] == EXPORT_VERSION
    x = np.random.default_rng(1).normal(size=(16, 2))
    np.testing.assert_allclose(_torch_logits(torch_script(data), x), _actlab_logits(data, x), rtol=1e-11, atol=1e-12)


def test_a_version_one_export_still_reads_and_writes_the_same_script(rng):
    data = _exported([("leaky_relu", {"negative_slope": 0.2})], rng)
    old = {k: v for k, v in data.items() if k != "version"} | {"format": "actlab-network/1"}
    assert read_export(old)["version"] == EXPORT_VERSION
    assert torch_script(old) == torch_script(data)


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"format": "keras", "network": {}}, "format", "or version 1's 'actlab-network/1'\\); got 'keras'"),
    ({"format": "actlab-playground", "version": 99, "network": {}}, "version", "99 is newer than this actlab reads"),
    ({"format": "actlab-playground", "network": {}}, "version", "a whole number from 1 to"),
    ({"format": "actlab-playground", "version": 2}, "network", "missing"),
    ([1, 2], "format", "a JSON object; got list"),
])
def test_what_is_not_a_readable_export_is_refused_by_field(data, field, words):
    with pytest.raises(ConfigError, match=words) as err:
        read_export(data)
    assert err.value.field == field


def test_an_activation_the_registry_refuses_is_not_exported(rng):
    data = _exported([("leaky_relu", {"negative_slope": 5.0})], rng)
    with pytest.raises(ValueError, match="negative_slope=5.0 is out of range"):
        torch_script(data)
