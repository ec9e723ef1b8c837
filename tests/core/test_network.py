"""The MLP's gradients against central differences and PyTorch, initialisers, determinism, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab.activations import REGISTRY
from actlab.errors import ConfigError
from actlab.network import HEADS, INITS, MLP, NetworkConfig, init_weights, targets_for_head

# Kinks make finite differences meaningless where a pre-activation sits on one; inputs are random,
# so that has probability ~0, but hardswish/hardtanh/relu6 also have flat regions (exact zeros).


def _targets(head: str, n: int, rng) -> np.ndarray:
    if head == "softmax":
        return rng.integers(0, 3, n)
    if head == "regression":
        return rng.normal(size=(n, 1))
    return targets_for_head(head, rng.integers(0, 2, n))


def _net(act: str, head: str, rng, init="xavier_normal") -> tuple[MLP, np.ndarray, np.ndarray]:
    k = 3 if head == "softmax" else 1
    cfg = NetworkConfig(input_dim=3, hidden=(5, 4), activations=(act, "tanh"), head=head, output_dim=k, init=init)
    net = MLP.create(cfg, rng)
    for b in net.biases:
        b[:] = rng.normal(0, 0.3, b.shape)
    x = rng.normal(size=(6, 3))
    return net, x, _targets(head, 6, rng)


def _loss(net: MLP, x, y) -> float:
    _, trace = net.forward(x)
    return net.backward(trace, y).loss


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("act", list(REGISTRY))
def test_gradients_match_central_differences(act, head, rng):
    net, x, y = _net(act, head, rng)
    _, trace = net.forward(x)
    grads = net.backward(trace, y)
    h = 1e-6
    for params, analytic in ((net.weights, grads.dW), (net.biases, grads.db)):
        for p, g in zip(params, analytic, strict=True):
            flat, numeric = p.reshape(-1), np.empty(p.size)
            for i in range(p.size):
                old = flat[i]
                flat[i] = old + h
                up = _loss(net, x, y)
                flat[i] = old - h
                down = _loss(net, x, y)
                flat[i] = old
                numeric[i] = (up - down) / (2 * h)
            np.testing.assert_allclose(g.reshape(-1), numeric, rtol=1e-5, atol=1e-8)  # O(h^2) + rounding/h


def test_deep_linear_network_equals_its_composed_affine_map(rng):
    cfg = NetworkConfig(input_dim=4, hidden=(7, 5, 6, 3, 8, 4, 6, 5, 7), activations=("identity",),
                        head="regression", output_dim=2)
    net = MLP.create(cfg, rng)
    for b in net.biases:
        b[:] = rng.normal(size=b.shape)
    W, c = np.eye(4), np.zeros(4)
    for Wl, bl in zip(net.weights, net.biases, strict=True):
        W, c = W @ Wl, c @ Wl + bl
    x = rng.normal(size=(50, 4))
    out = net.predict(x)
    np.testing.assert_allclose(out, x @ W + c, rtol=1e-12, atol=1e-12 * np.abs(out).max())


@pytest.mark.parametrize("scheme", INITS)
def test_initialisers_draw_the_documented_spread(scheme, rng):
    fan_in, fan_out = 400, 300
    w = init_weights(scheme, fan_in, fan_out, rng, sigma=0.1)
    assert w.shape == (fan_in, fan_out)
    expected_std = {
        "playground": 1 / math.sqrt(12), "standard": (1 / math.sqrt(fan_in)) / math.sqrt(3),
        "xavier_uniform": math.sqrt(2 / (fan_in + fan_out)), "xavier_normal": math.sqrt(2 / (fan_in + fan_out)),
        "he_uniform": math.sqrt(2 / fan_in), "he_normal": math.sqrt(2 / fan_in),
        "lecun_normal": math.sqrt(1 / fan_in), "orthogonal": 1 / math.sqrt(fan_in), "normal": 0.1,
        "unit_norm": 1 / math.sqrt(fan_in),  # each unit's fan_in weights have norm 1
    }[scheme]
    assert w.std() == pytest.approx(expected_std, rel=0.02)  # 120,000 draws: sampling error ~0.2%
    assert abs(w.mean()) < 4 * expected_std / math.sqrt(w.size)


def test_orthogonal_init_has_orthonormal_columns(rng):
    w = init_weights("orthogonal", 8, 5, rng)
    np.testing.assert_allclose(w.T @ w, np.eye(5), atol=1e-12)


def test_same_seed_and_config_give_bit_identical_networks():
    cfg = NetworkConfig(input_dim=2, hidden=(8, 8), activations=("relu",), init="he_normal")
    a = MLP.create(cfg, np.random.default_rng(7))
    b = MLP.create(cfg, np.random.default_rng(7))
    for wa, wb in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(wa, wb)


def test_gated_layer_doubles_the_projection_width(rng):
    net = MLP.create(NetworkConfig(input_dim=2, hidden=(6,), activations=("swiglu",)), rng)
    assert net.weights[0].shape == (2, 12) and net.weights[1].shape == (6, 1)


def test_float32_network_stays_float32(rng):
    net = MLP.create(NetworkConfig(input_dim=2, hidden=(4,), dtype="float32"), rng)
    out, trace = net.forward(rng.normal(size=(5, 2)))
    grads = net.backward(trace, np.ones((5, 1)))
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.dW)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"hidden": (0,)}, "layers[0]"), ({"hidden": (4, -1)}, "layers[1]"),
    ({"activations": ("nope",)}, "activations (layer 1)"),
    ({"init": "glorot"}, "init"), ({"head": "hinge"}, "head"), ({"dtype": "float16"}, "dtype"),
    ({"activations": ("tanh", "relu", "relu")}, "activations"), ({"input_dim": 0}, "input_dim"),
    ({"activations": (("leaky_relu", {"negative_slope": 3.0}),)}, "activations (layer 1)"),
])
def test_impossible_configurations_name_the_field(kwargs, field):
    with pytest.raises(ConfigError) as info:
        NetworkConfig(**{"input_dim": 2, **kwargs})
    assert info.value.field == field
