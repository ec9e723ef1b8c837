"""The compiled float64 GELU kernel (_numba_kernels.gelu_float64): used, accurate in each of its regions, the same
element by element as over a whole array, and never holding an older erfcx table than functions.py's.

Its regions: the table of erfcx for |z| <= 8 (z = -x / sqrt 2), glibc's erfc in a second pass over the blocks that
hold an x below -11.3, and functions._gelu_far_left at or below -37. test_compiled.py holds both paths to the ULP
bounds on the grid and at the special values; these tests go region by region and across block edges.
"""

from __future__ import annotations

import numpy as np
import pytest

import reference_mp as R
from actlab import activations
from actlab.activations import _compiled, _erfcx_table
from actlab.activations import functions as F

from .test_accuracy import BOUNDS
from .test_compiled import require_numba


@pytest.fixture
def kernels():
    require_numba()
    from actlab.activations import _numba_kernels

    return _numba_kernels


def test_float64_gelu_runs_the_compiled_kernel(kernels, monkeypatch):
    """With the compiled path on, float64 GELU goes through gelu_float64 (value, derivative and both together);
    with the NumPy path forced it does not."""
    calls = []
    original = kernels.gelu_float64

    def counting(x, out_value, out_deriv):
        calls.append(x.size)
        return original(x, out_value, out_deriv)

    monkeypatch.setattr(kernels, "gelu_float64", counting)
    act = activations.get("gelu")
    x = np.linspace(-5, 5, 11)
    with _compiled.using("compiled"):
        act(x), act.derivative(x), act.value_and_derivative(x)
    assert calls == [11, 11, 11]
    with _compiled.using("numpy"):
        act.value_and_derivative(x)
    assert calls == [11, 11, 11]


@pytest.mark.parametrize(("lo", "hi"), [(-40.0, -37.0), (-37.0, -11.3), (-11.4, -11.2), (-11.3, -3.0), (-3.0, 0.0),
                                        (-1.35, -0.15), (0.0, 12.0), (-1e-6, 1e-6)])
def test_compiled_float64_gelu_is_within_the_bounds_in_each_region(kernels, lo, hi, rng):
    """Value within 4 ULP and derivative within 8 of mpmath, 400 random points per region (the erfc pass below
    -11.3, the far left below -37, the derivative's root near -0.75 measured against 1)."""
    x = rng.uniform(lo, hi, 400)
    with _compiled.using("compiled"):
        value, deriv = activations.get("gelu").value_and_derivative(x)
    for which, got in (("value", value), ("deriv", deriv)):
        errors = R.ulp_errors("gelu", which, x, got, R.reference("gelu", which, x))
        worst = int(np.nanargmax(errors))
        assert errors[worst] <= BOUNDS[which], f"{which} at x={x[worst]!r}: {errors[worst]:.3g} ULP"


def test_an_array_gives_what_each_element_gives_alone(kernels, rng):
    """The erfc pass rewrites only the elements below -11.3 of its block, and the far-left mend only those at or
    below -37: over 1500 elements (6 blocks) mixing every region, the special values included, the results equal
    element-by-element calls bit for bit."""
    x = np.concatenate([rng.uniform(-45, 5, 1490), [np.inf, -np.inf, np.nan, 0.0, -0.0, -37.0, -11.3137, 1e300,
                                                    -1e300, 40.0]])
    rng.shuffle(x)
    with _compiled.using("compiled"):
        value, deriv = F.gelu_value_and_deriv(x)
        alone = [F.gelu_value_and_deriv(x[i:i + 1]) for i in range(x.size)]
    np.testing.assert_array_equal(np.concatenate([v for v, _ in alone]).view(np.int64), value.view(np.int64))
    np.testing.assert_array_equal(np.concatenate([d for _, d in alone]).view(np.int64), deriv.view(np.int64))


def test_the_kernel_counts_the_far_left_elements_the_caller_rewrites(kernels):
    """gelu_float64 returns how many x are at or below -37 (-inf included, NaN not), functions._GELU_FAR_LEFT, the
    bound below which functions._gelu rewrites them."""
    assert kernels._GELU_FAR_LEFT == F._GELU_FAR_LEFT
    x = np.array([-36.99, -37.0, -37.01, -38.5, -1e300, -np.inf, np.nan, 0.0, 5.0])
    value, deriv = np.empty_like(x), np.empty_like(x)
    assert kernels.gelu_float64(x, value, deriv) == 5


def test_special_values_match_the_numpy_path_bit_for_bit(kernels):
    """inf, -inf, NaN, signed zeros and the region edges: the exact results (inf, 0, 1, NaN) with their signs."""
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, -37.0, -40.0, -41.0, 40.0, 41.0, 1e300, -1e300, -1e4])
    with _compiled.using("compiled"):
        got = F.gelu_value_and_deriv(x)
    with _compiled.using("numpy"):
        want = F.gelu_value_and_deriv(x)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
        exact = np.isinf(w) | (w == 0) | (np.abs(w) == 1)
        np.testing.assert_array_equal(g[exact], w[exact])
        np.testing.assert_array_equal(np.signbit(g[exact]), np.signbit(w[exact]))
    assert got[0][0] == np.inf and got[1][0] == 1.0 and np.signbit(got[0][1]) and got[1][1] == 0.0


def test_a_cached_kernel_with_another_table_is_compiled_again(kernels, monkeypatch):
    """numba's cache notices changes of _numba_kernels.py only; when the table compiled into the kernel is not
    _erfcx_table's, _check_gelu_table compiles the kernel afresh with the current one."""
    changed = kernels._GELU_TABLE.copy()
    changed *= 2.0  # erfcx doubled: the lower tail doubles
    monkeypatch.setattr(kernels, "_GELU_TABLE", changed)
    monkeypatch.setattr(kernels, "gelu_float64", kernels.gelu_float64)  # restored afterwards
    monkeypatch.setattr(kernels, "_compiled_gelu_table", kernels._compiled_gelu_table)
    x = np.array([-2.0])
    before = np.empty(1), np.empty(1)
    kernels.gelu_float64(x, *before)
    kernels._check_gelu_table()
    np.testing.assert_array_equal(kernels._compiled_gelu_table(), changed)
    after = np.empty(1), np.empty(1)
    kernels.gelu_float64(x, *after)
    np.testing.assert_allclose(after[0], 2 * before[0], rtol=1e-3)


def test_a_table_of_another_shape_is_refused(kernels, monkeypatch):
    """The kernel's Horner steps are written for degree 8 and nodes k / 32: another table is an import error
    (_compiled then reports the kernels unavailable), not wrong results."""
    monkeypatch.setattr(_erfcx_table, "_ERFCX_DEGREE", 9)
    with pytest.raises(ImportError, match="erfcx table"):
        kernels._gelu_table()
