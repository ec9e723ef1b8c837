"""Tails and subnormal onsets: every entry against mpmath over the whole float range, on both kernel paths.

The accuracy grid (reference_mp.grid) holds dense points where a gate turns subnormal while the result does
not; hypothesis adds points from anywhere in the float range (infinities included) and from [-800, 800], where
those onsets lie, for every entry, both dtypes and both paths (NumPy, and compiled where numba is installed).
The example count is bounded and the search derandomized, so the run takes seconds and is the same every time.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference_mp as R
from actlab import activations
from actlab.activations import _compiled

from .test_accuracy import BOUNDS, PINNED
from .test_compiled import COMPILED_NAMES, require_numba

PATHS = [(name, "numpy") for name in R.REFERENCES] + [(name, "compiled") for name in COMPILED_NAMES]


def _points(width: int):
    anywhere = st.floats(width=width, allow_nan=False)
    tails = st.floats(min_value=-800, max_value=800, width=width)
    return st.lists(st.one_of(anywhere, tails), min_size=1, max_size=8)


def _worst(name: str, x: np.ndarray) -> list[tuple[str, float, float, float]]:
    """(which, ULP error, x, bound) of each result over its bound, for the separate calls and the fused pair."""
    act = activations.get(name)
    value, deriv = act.value_and_derivative(x)
    found = []
    for which, got in (("value", act(x)), ("deriv", act.derivative(x)), ("value", value), ("deriv", deriv)):
        assert got.dtype == x.dtype
        errors = R.ulp_errors(name, which, x, got, R.reference(name, which, x))
        bound = PINNED.get((name, x.dtype.name, which), BOUNDS[which])
        if np.nanmax(errors, initial=0.0) > bound:
            i = int(np.nanargmax(errors))
            found.append((which, float(errors[i]), float(x[i]), bound))
    return found


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("name", "path"), PATHS, ids=[f"{n}-{p}" for n, p in PATHS])
def test_within_ulp_bounds_of_mpmath_anywhere_in_the_float_range(name, path, dtype):
    if path == "compiled":
        require_numba()
    width = np.finfo(dtype).bits

    @settings(max_examples=12, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(_points(width))
    def check(values):
        x = np.array(values, dtype=dtype)
        with _compiled.using(path):
            assert _worst(name, x) == []

    check()


# Points inside the onsets where the grid caught a loss before it was handled (reference_mp.SUBNORMAL_ONSETS): each
# row an entry, a point and what a formula that rounds the subnormal gate lost there.
ONSET_CASES = [
    ("gelu", np.float64, -37.70297315961293),  # derivative: 22 ULP (phi subnormal)
    ("gelu", np.float64, -37.61188245871663),  # value: 16 ULP (Phi subnormal)
    ("silu", np.float64, -714.2965200524817),  # 349 ULP
    ("quick_gelu", np.float64, -419.43366667122496),  # value 229, derivative 195 ULP
    ("mish", np.float64, -714.5180386393479),  # 234 ULP
    ("mish", np.float32, -91.638214),  # 43 ULP
]


@pytest.mark.parametrize("path", ["numpy", "compiled"])
@pytest.mark.parametrize(("name", "dtype", "point"), ONSET_CASES, ids=[f"{n}-{p}" for n, _, p in ONSET_CASES])
def test_results_stay_accurate_where_the_gate_is_subnormal(name, dtype, point, path):
    if path == "compiled":
        require_numba()
    x = np.array([point, np.nextafter(point, 0), np.nextafter(point, -np.inf)], dtype=dtype)
    with _compiled.using(path):
        assert _worst(name, x) == []
        v, d = activations.get(name).value_and_derivative(x)
    assert np.all(np.abs(v) >= np.finfo(dtype).tiny) or np.all(np.abs(d) >= np.finfo(dtype).tiny), \
        "the case must have a normal result, or it tests nothing"


@pytest.mark.parametrize("name", ["gelu", "silu", "quick_gelu", "mish"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_a_scalar_in_the_far_tail_gives_the_array_result(name, dtype):
    """0-d inputs take the tail formulas too (the masked repair cannot assign into a 0-d result)."""
    act = activations.get(name)
    xs = np.array([-37.7, -419.4, -714.3, -91.6, -np.inf], dtype=dtype)
    v, d = act.value_and_derivative(xs)
    for i, x in enumerate(xs):
        vi, di = act.value_and_derivative(x[()])
        np.testing.assert_array_equal(np.array([vi, di]), np.array([v[i], d[i]]))
        assert np.signbit(vi) == np.signbit(v[i]) and np.signbit(di) == np.signbit(d[i])
