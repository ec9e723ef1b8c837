"""value_and_derivative: the one-pass pair equals the value and derivative computed apart."""

from __future__ import annotations

import numpy as np
import pytest

import reference_mp as R
from actlab import activations
from actlab.activations import functions as F
from actlab.network import MLP, NetworkConfig

SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 40.0, -40.0, 30.0, -30.0,
            -1.0, -1.0000001, 1e4, -1e4, 88.7, -88.7]


def _inputs(dtype, gated: bool) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = np.concatenate([R.grid(np.float64), SPECIALS]).astype(dtype)
    return x[: len(x) // 2 * 2].reshape(-1, 2) if gated else x


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16], ids=["float64", "float32", "float16"])
@pytest.mark.parametrize("name", activations.names())
def test_pair_is_bit_identical_to_value_and_derivative_apart(name, dtype):
    act = activations.get(name)
    x = _inputs(dtype, act.is_gated)
    with np.errstate(invalid="ignore", over="ignore"):  # gated: inf * 0 is NaN by design
        value, deriv = act.value_and_derivative(x)
        want_value, want_deriv = act(x), act.derivative(x)
    assert value.dtype == deriv.dtype == dtype
    np.testing.assert_array_equal(value, want_value)
    np.testing.assert_array_equal(deriv, want_deriv)


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu", "quick_gelu", "sigmoid", "tanh", "mish", "swiglu"])
def test_pair_keeps_shape_and_takes_python_scalars(name):
    act = activations.get(name)
    x = np.linspace(-5, 5, 24).reshape(3, 8)
    value, deriv = act.value_and_derivative(x)
    assert value.shape == act(x).shape and deriv.shape == x.shape
    if not act.is_gated:
        v, d = act.value_and_derivative(-2)
        assert v.dtype == np.float64 and float(v) == float(act(-2.0)) and float(d) == float(act.derivative(-2.0))


@pytest.mark.parametrize(("name", "params"), [("silu", {"beta": 1.5}), ("silu", {"beta": 0.5}),
                                             ("leaky_relu", {"negative_slope": 0.2}), ("softplus", {"beta": 2.0})])
def test_pair_with_parameters_matches(name, params, rng):
    act = activations.get(name, **params)
    x = rng.normal(0, 10, 1000)
    value, deriv = act.value_and_derivative(x)
    np.testing.assert_array_equal(value, act(x))
    np.testing.assert_array_equal(deriv, act.derivative(x))


def test_every_expensive_entry_has_a_fused_kernel():
    """The GELU family and the sigmoid-based entries share work; the rest may use the two calls."""
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "gelu", "gelu_tanh", "silu", "quick_gelu", "mish",
                 "glu", "geglu", "swiglu"):
        assert activations.get(name).fn in F.FUSED, name


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("act", ["gelu", "gelu_tanh", "quick_gelu", "silu", "tanh", "sigmoid", "relu", "elu",
                                 "swiglu", "geglu"])
def test_network_gradients_with_derivatives_from_forward_equal_those_computed_in_backward(act, dtype, rng):
    cfg = NetworkConfig(3, (6, 5), (act,), "regression", dtype=dtype)
    net = MLP.create(cfg, rng)
    x, y = rng.normal(size=(9, 3)), rng.normal(size=(9, 1))
    _, trace = net.forward(x)
    _, bare = net.forward(x, derivatives=False)
    assert bare.derivs == []
    got, want = net.backward(trace, y), net.backward(bare, y)
    for g, w in zip(got.dW + got.db, want.dW + want.db, strict=True):
        np.testing.assert_array_equal(g, w)
