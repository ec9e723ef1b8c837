"""The lesson's claims as properties: symmetries, ranges, monotonicity, derivatives, GELU's bound."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_mp as R
from actlab import activations
from actlab.activations import REGISTRY

finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)
moderate = st.floats(min_value=-30, max_value=30, allow_nan=False)
PLAIN = [n for n in REGISTRY if not REGISTRY[n].is_gated]

sigmoid, tanh, gelu, silu, gelu_tanh = (activations.get(n) for n in ("sigmoid", "tanh", "gelu", "silu", "gelu_tanh"))


@given(moderate)
def test_sigmoid_reflection(x):
    assert float(sigmoid(-x)) == pytest.approx(1 - float(sigmoid(x)), abs=2e-16)


@given(finite)
def test_tanh_is_odd(x):
    assert float(tanh(-x)) == -float(tanh(x))


@given(moderate)
def test_gelu_difference_identity(x):
    """gelu(x) - gelu(-x) = x Phi(x) + x Phi(-x) = x."""
    a, b = float(gelu(x)), float(gelu(-x))
    assert a - b == pytest.approx(x, abs=8 * np.spacing(abs(a) + abs(b)) + 1e-300)


@given(moderate)
def test_silu_difference_identity(x):
    """silu(x) - silu(-x) = x (sigma(x) + sigma(-x)) = x."""
    a, b = float(silu(x)), float(silu(-x))
    assert a - b == pytest.approx(x, abs=8 * np.spacing(abs(a) + abs(b)) + 1e-300)


@given(moderate)
def test_tanh_is_a_rescaled_sigmoid(x):
    assert float(tanh(x)) == pytest.approx(2 * float(sigmoid(2 * x)) - 1, abs=4e-16)


@given(moderate)
def test_sigmoid_derivative_is_sigma_of_x_times_sigma_of_minus_x(x):
    assert float(sigmoid.derivative(x)) == pytest.approx(float(sigmoid(x)) * float(sigmoid(-x)), rel=1e-15)


@pytest.mark.parametrize("name", PLAIN)
@settings(max_examples=60)
@given(x=finite)
def test_outputs_stay_in_the_declared_range_and_never_nan(name, x):
    act = activations.get(name)
    y = float(act(x))
    lo, hi = act.output_range
    assert not np.isnan(y) and not np.isnan(float(act.derivative(x)))
    assert lo - 1e-12 <= y <= hi + 1e-12


@pytest.mark.parametrize("name", [n for n in PLAIN if REGISTRY[n].monotonic])
@settings(max_examples=60)
@given(a=finite, b=finite)
def test_monotone_where_declared(name, a, b):
    act = activations.get(name)
    lo, hi = min(a, b), max(a, b)
    assert float(act(lo)) <= float(act(hi))


@settings(max_examples=200)
@given(moderate)
def test_gelu_tanh_within_its_bound_of_gelu(x):
    assert abs(float(gelu_tanh(x)) - float(gelu(x))) <= 4.74e-4


def test_gelu_tanh_max_error_matches_mpmath():
    """Max |gelu - gelu_tanh| ~ 4.7e-4 near x = +-2.70, located with mpmath's own optimiser."""
    diff = lambda x: R.REFERENCES["gelu_tanh"][0](x) - R.REFERENCES["gelu"][0](x)  # noqa: E731
    x_star = mp.findroot(lambda x: mp.diff(diff, x), 2.7)
    grid = np.linspace(-6, 6, 1_200_001)
    err = np.abs(gelu_tanh(grid) - gelu(grid))
    assert err.max() == pytest.approx(abs(float(diff(x_star))), rel=1e-6)
    assert abs(grid[np.argmax(err)]) == pytest.approx(float(x_star), abs=1e-4)
    assert 4.6e-4 < err.max() < 4.8e-4


@pytest.mark.parametrize("name", PLAIN)
def test_derivative_matches_mpmath_numerical_differentiation(name, rng):
    value_ref = R.REFERENCES[name][0]
    act = activations.get(name)
    xs = rng.uniform(-8, 8, 40)
    xs = xs[np.min(np.abs(xs[:, None] - np.arange(-8, 9)[None, :]), axis=1) > 1e-3]  # away from kinks
    want = np.array([float(mp.diff(value_ref, mp.mpf(float(x)))) for x in xs])
    np.testing.assert_allclose(act.derivative(xs), want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_derivative_matches_central_differences(name, rng):
    act = activations.get(name)
    x = rng.uniform(-5, 5, size=(50, 4))
    x = x[np.all(np.min(np.abs(x[..., None] - np.arange(-6, 7)), axis=-1) > 1e-3, axis=1)]
    h = 1e-6
    if act.is_gated:
        numeric = np.empty_like(x)
        for j in range(x.shape[1]):  # each input column feeds exactly one output column
            e = np.zeros(x.shape[1])
            e[j] = h
            numeric[:, j] = ((act(x + e) - act(x - e)) / (2 * h))[:, j % (x.shape[1] // 2)]
    else:
        numeric = (act(x + h) - act(x - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(x), numeric, rtol=1e-6, atol=1e-7)  # O(h^2) + rounding/h


def test_lessons_vanishing_number_from_the_registry():
    assert float(sigmoid.derivative(0.0)) ** 10 == pytest.approx(9.5367431640625e-07, rel=1e-15)
