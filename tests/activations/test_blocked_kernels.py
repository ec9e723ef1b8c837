"""Large arrays go through the SiLU and GELU kernels block by block: same numbers, shape and dtype."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import activations
from actlab.activations import functions as F

NAMES = ["silu", "quick_gelu", "gelu", "gelu_tanh"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_blocked_result_is_bit_identical_to_small_calls(name, dtype, rng):
    """An array of several blocks (odd shape, not contiguous, with infinities and NaN) gives, element by
    element, what the same elements give in calls small enough to be one block."""
    act = activations.get(name)
    big = rng.normal(0, 6, size=(5, 2 * (3 * F._BLOCK + 17))).astype(dtype)
    big[0, :6] = [np.inf, -np.inf, np.nan, -100.0, 100.0, 0.0]
    x = big[:, ::2]  # a strided view: (5, 3 * _BLOCK + 17)
    assert x.size > 2 * F._BLOCK and not x.flags.c_contiguous
    value, deriv = act.value_and_derivative(x)
    assert value.shape == deriv.shape == x.shape and value.dtype == deriv.dtype == dtype
    for row in range(x.shape[0]):
        for start in range(0, x.shape[1], F._BLOCK // 2):
            piece = np.ascontiguousarray(x[row, start:start + F._BLOCK // 2])
            v, d = act.value_and_derivative(piece)
            np.testing.assert_array_equal(value[row, start:start + piece.size], v)
            np.testing.assert_array_equal(deriv[row, start:start + piece.size], d)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_infinities_and_nan_raise_no_warning_and_map_to_the_limits(name, dtype):
    act = activations.get(name)
    x = np.array([np.inf, -np.inf, np.nan, 3e38, -3e38], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is no warning by default
        value, deriv = act.value_and_derivative(x)
    np.testing.assert_array_equal(value[:2], [np.inf, 0.0])
    assert np.signbit(value[1]) and np.isnan(value[2]) and np.isnan(deriv[2])
    np.testing.assert_array_equal(deriv[[0, 1, 3, 4]], [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(value[3:], x[3:] * np.array([1, 0], dtype=dtype))
