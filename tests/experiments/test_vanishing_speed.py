"""The sweep's gradient norms without dW (Gram matrices) against the engine's full backward pass."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from actlab import activations, instruments
from actlab.network import MLP, NetworkConfig

vanishing = importlib.import_module("actlab.experiments.vanishing")  # the package re-exports a function of that name


@pytest.mark.parametrize("name", activations.names())
@pytest.mark.parametrize(("width", "n"), [(48, 16), (16, 40)], ids=["gram", "direct"])
def test_weight_grad_norms_equal_the_full_backward_pass(name, width, n):
    """Batch below the width takes the Gram form, above it the plain product; both equal ||dW|| per layer."""
    cfg = NetworkConfig(width, (width,) * 6, (name,), "regression", init="xavier_normal")
    rng = np.random.default_rng(3)
    net = MLP.create(cfg, rng)
    x, y = rng.normal(size=(n, width)), rng.normal(size=(n, 1))
    _, trace = net.forward(x)
    want = instruments.grad_norms(net.backward(trace, y))
    got = vanishing._weight_grad_norms(net, x, y)
    assert got.shape == (7,)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_sweep_matches_ratios_from_the_full_backward_pass():
    """The sweep (which no longer forms dW) gives the ratios measure_flow's full pass gives for the same seeds."""
    s = vanishing.sweep(names=["tanh", "swiglu"], max_depth=8, width=24, seeds=2, n=8)
    for name in ("tanh", "swiglu"):
        ratios = []
        for seed in range(2):
            g, _, _ = vanishing._flow_one_seed(name, 8, 24, "xavier_normal", seed, 8)
            ratios.append(g[:-1] / g[-1])
        want = np.exp(np.mean(np.log(ratios), axis=0))[::-1]
        np.testing.assert_allclose(s.measured[name], want, rtol=1e-11)
