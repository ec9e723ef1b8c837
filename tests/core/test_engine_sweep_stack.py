"""The vanishing sweep's stacked pass (several activations through one GEMM per layer) against the engine's own
backward pass, one activation at a time: every slice of the stack must carry its own activation's derivative."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from actlab import instruments
from actlab.network import MLP, NetworkConfig

vanishing = importlib.import_module("actlab.experiments.vanishing")  # the package re-exports a function of that name


@pytest.mark.parametrize("names", [
    ("sigmoid", "relu", "elu", "gelu", "tanh", "softplus"),  # derivatives from the output and from z, mixed
    ("glu", "geglu", "swiglu"),  # gated: each slice's da doubled before its own f'
])
@pytest.mark.parametrize(("width", "n"), [(32, 8), (12, 20)], ids=["gram", "direct"])
def test_stacked_norms_equal_each_activations_full_backward(names, width, n):
    depth = 5
    cfgs = [NetworkConfig(width, (width,) * depth, (name,), "regression", init="xavier_normal") for name in names]
    rng = np.random.default_rng(11)
    net = MLP.create(cfgs[0], rng)
    x, y = rng.normal(size=(n, width)), rng.normal(size=(n, 1))
    acts = [cfg.resolved_activations()[0] for cfg in cfgs]
    got = vanishing._stacked_weight_grad_norms(acts, net.weights, net.biases, x, y, "regression")
    assert len(got) == len(names)
    for name, cfg, norms in zip(names, cfgs, got, strict=True):
        one = MLP(cfg, list(net.weights), list(net.biases), cfg.resolved_activations())
        _, trace = one.forward(x)
        want = instruments.grad_norms(one.backward(trace, y))
        assert norms.shape == (depth + 1,)
        np.testing.assert_allclose(norms, want, rtol=1e-12, atol=0, err_msg=name)
