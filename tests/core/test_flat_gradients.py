"""backward() writes every gradient into one vector laid out like flat_parameters(); the optimiser uses it."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.network import MLP, NetworkConfig
from actlab.optim import OptimConfig, Optimizer


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_flat_gradient_is_the_layers_gradients_in_parameter_order(dtype, rng):
    net = MLP.create(NetworkConfig(3, (5, 4), ("gelu",), "regression", dtype=dtype), rng)
    _, trace = net.forward(rng.normal(size=(7, 3)))
    grads = net.backward(trace, rng.normal(size=(7, 1)))
    want = np.concatenate([*(d.ravel() for d in grads.dW), *(d.ravel() for d in grads.db)])
    np.testing.assert_array_equal(grads.flat, want)
    assert grads.flat.dtype == np.dtype(dtype)
    assert all(d.base is grads.flat for d in grads.dW + grads.db)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("config", [OptimConfig("sgd", 0.1), OptimConfig("sgd", 0.1, reg="l2", reg_rate=0.5),
                                    OptimConfig("sgd", 0.1, clip_norm=1e-3), OptimConfig("adam", 0.01)])
def test_optimizer_step_is_the_textbook_update_and_leaves_the_gradients_alone(config, dtype, rng):
    net = MLP.create(NetworkConfig(3, (5,), ("tanh",), "regression", dtype=dtype), rng)
    _, trace = net.forward(rng.normal(size=(7, 3)))
    grads = net.backward(trace, rng.normal(size=(7, 1)))
    before, g = net.flat_parameters().copy(), grads.flat.copy()
    Optimizer(config, net).step(net, grads)
    np.testing.assert_array_equal(grads.flat, g)
    if config.optimizer == "sgd" and config.reg == "none" and config.clip_norm is None:
        rtol = 1e-6 if dtype == "float32" else 1e-15  # one rounding of the update
        np.testing.assert_allclose(net.flat_parameters(), before - config.lr * g, rtol=rtol)


def test_sweep_sharing_one_seeds_weights_across_activations_changes_no_figure():
    """sweep() draws each seed's weights once for every activation; measure_flow() draws them per call. The
    sweep's ||dW|| come from Gram matrices (vanishing._weight_grad_norms), so they agree to round-off, not bits."""
    import importlib

    vanishing = importlib.import_module("actlab.experiments.vanishing")
    names = ["sigmoid", "gelu", "swiglu", "relu"]
    s = vanishing.sweep(names, max_depth=6, width=8, seeds=3, n=5)
    for name in names:
        flow = vanishing.measure_flow(name, 6, 8, "xavier_normal", seeds=3, n=5)
        np.testing.assert_allclose(s.measured[name], flow.ratio_to_last[::-1], rtol=1e-13, atol=0)
