"""What the GELU claim added to the engine: inverted dropout and the "unit-norm" initialiser (network.py)."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.errors import ConfigError
from actlab.network import MLP, NetworkConfig, forward_with_dropout, init_weights


def _net(rng, acts=("tanh",), init="xavier_normal"):
    return MLP.create(NetworkConfig(5, (7, 6), acts, "softmax", 3, init=init), rng)


def test_unit_norm_gives_every_unit_incoming_norm_one(rng):
    w = init_weights("unit_norm", 64, 128, rng)
    np.testing.assert_allclose(np.linalg.norm(w, axis=0), 1.0, rtol=1e-12)


def test_unit_norm_directions_are_not_all_alike(rng):
    w = init_weights("unit_norm", 64, 128, rng)
    cos = w.T @ w
    assert np.max(np.abs(cos - np.eye(128))) < 0.6  # 64-d Gaussian directions: |cos| is about 0.125 typically


def test_dropout_rate_zero_is_the_plain_forward(rng):
    net = _net(rng)
    x = rng.normal(size=(4, 5))
    out, _ = forward_with_dropout(net, x, 0.0, np.random.default_rng(1))
    np.testing.assert_array_equal(out, net.forward(x)[0])


def test_dropout_drops_about_the_rate_and_rescales_the_rest(rng):
    net = MLP.create(NetworkConfig(5, (2000,), ("tanh",), "softmax", 3, init="he_normal"), rng)
    x = rng.normal(size=(50, 5))
    _, trace = forward_with_dropout(net, x, 0.5, np.random.default_rng(2))
    _, plain = net.forward(x)
    dropped = trace.outs[1] == 0  # tanh is never exactly 0 here, so a 0 is a dropped unit
    assert dropped.mean() == pytest.approx(0.5, abs=0.01)  # 100,000 draws: 3 standard deviations are 0.005
    kept = ~dropped
    np.testing.assert_allclose(trace.outs[1][kept], 2 * plain.outs[1][kept], rtol=1e-12)


def test_dropout_keeps_the_expected_output(rng):
    net = MLP.create(NetworkConfig(5, (400,), ("relu",), "regression", 1, init="he_normal"), rng)
    x = rng.normal(size=(1, 5))
    outs = [forward_with_dropout(net, x, 0.5, np.random.default_rng(s))[0][0, 0] for s in range(400)]
    assert np.mean(outs) == pytest.approx(net.forward(x)[0][0, 0], abs=4 * np.std(outs) / np.sqrt(400))


@pytest.mark.parametrize("act", ["tanh", "relu", "gelu_tanh", "silu"])
def test_dropout_gradients_match_central_differences_of_the_same_mask(act, rng):
    net = _net(rng, (act,))
    x, y = rng.normal(size=(4, 5)), rng.integers(0, 3, 4)

    def loss() -> float:
        _, trace = forward_with_dropout(net, x, 0.3, np.random.default_rng(9))  # the same mask every call
        return net.backward(trace, y).loss

    _, trace = forward_with_dropout(net, x, 0.3, np.random.default_rng(9))
    grads = net.backward(trace, y)
    for l, w in enumerate(net.weights):
        for idx in [(0, 0), (w.shape[0] - 1, w.shape[1] - 1), (1, 2)]:
            old = w[idx]
            w[idx] = old + 1e-6
            up = loss()
            w[idx] = old - 1e-6
            down = loss()
            w[idx] = old
            assert grads.dW[l][idx] == pytest.approx((up - down) / 2e-6, rel=1e-5, abs=1e-10), (l, idx)


@pytest.mark.parametrize("rate", [-0.1, 1.0, True, "0.5"])
def test_dropout_rate_outside_0_1_is_refused(rate, rng):
    with pytest.raises(ConfigError) as err:
        forward_with_dropout(_net(rng), np.zeros((1, 5)), rate, rng)
    assert err.value.field == "dropout"


def test_dropout_refuses_gated_layers(rng):
    with pytest.raises(ConfigError, match="gated"):
        forward_with_dropout(_net(rng, ("swiglu",)), np.zeros((1, 5)), 0.5, rng)
