"""The monitor's one-pass sums of f' and the output (interop/_torch_stats_numba.layer_sums) against the two passes
it replaces (derivative_sums over f', output_sums over the output): the same figures from the same additions, in
float32 and float64, with every saturation mode, on arrays holding a NaN, an inf, a -inf and a column of zeros."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import require_torch

require_torch()

from interop._steps import loaded_kernels  # noqa: E402


def _arrays(dtype, rows=37, width=11):
    rng = np.random.default_rng(4)
    d = rng.standard_normal((rows, width)).astype(dtype)
    a = rng.standard_normal((rows, width)).astype(dtype)
    d[:, 1] = 0.0  # a unit whose f' is 0 throughout
    a[:, 2] = 0.0
    d[3, 4], d[5, 6], d[7, 8] = np.nan, np.inf, -np.inf
    a[2, 5], a[4, 7], a[6, 9] = np.nan, np.inf, -np.inf
    return d, a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("nonneg_deriv", "nonneg", "dist"), list(itertools.product([False, True], [False, True],
                                                                                       [0, 1, 2])))
def test_layer_sums_equal_the_two_passes(dtype, nonneg_deriv, nonneg, dist):
    module = loaded_kernels()
    d, a = _arrays(dtype)
    w = d.shape[1]
    if nonneg_deriv:
        d = np.abs(d)  # the record says f' >= 0 (the inf and the NaN stay)
    mid = 0.5 if dist == 1 else 0.0
    want_d = np.full(w + 1, 7.0, dtype)
    want_a = np.full(2 * w + 2, 7.0, dtype)  # output_sums leaves out[w:2w] as it is when dist is 0
    module.derivative_sums(d, nonneg_deriv, want_d)
    q_want = module.output_sums(a, nonneg, dist, mid, want_a)
    got = np.full(3 * w + 3, 7.0, dtype)
    q_got = module.layer_sums(d, a, nonneg_deriv, nonneg, dist, mid, got)
    np.testing.assert_array_equal(got[:w + 1], want_d)
    np.testing.assert_array_equal(got[w + 1:], want_a)
    assert str(q_got) == str(q_want)


def test_layer_sums_on_finite_data_are_the_direct_sums():
    """Without NaN or inf: per-unit |f'| sums, the nonzero count, per-unit |a| sums, distances to mid, the total of a
    and of (a - its mean)^2, each against NumPy in float64."""
    module = loaded_kernels()
    d, a = _arrays(np.float64)
    d, a = np.nan_to_num(d, posinf=2.0, neginf=-2.0), np.nan_to_num(a, posinf=2.0, neginf=-2.0)
    w = d.shape[1]
    out = np.empty(3 * w + 3)
    module.layer_sums(d, a, False, False, 1, 0.25, out)
    np.testing.assert_allclose(out[:w], np.abs(d).sum(0), rtol=1e-12)
    assert out[w] == np.count_nonzero(d)
    np.testing.assert_allclose(out[w + 1:2 * w + 1], np.abs(a).sum(0), rtol=1e-12)
    np.testing.assert_allclose(out[2 * w + 1:3 * w + 1], np.abs(a - 0.25).sum(0), rtol=1e-12)
    assert out[3 * w + 1] == pytest.approx(a.sum(), rel=1e-12)
    assert out[3 * w + 2] == pytest.approx(((a - a.mean()) ** 2).sum(), rel=1e-12)


def test_layer_sums_overflow_in_float32_as_the_output_pass_does():
    """A float32 sum of squares past float32's range reads inf, as output_sums' does (the monitor sums it again in
    float64). Values of both signs near 3e19: their spread, not only their size, squares past the range (values all
    alike sum to 0 about their mean, which no range limits)."""
    module = loaded_kernels()
    big = np.full((4, 3), 3e19, np.float32)
    big[1::2] *= -1
    out = np.empty(12, np.float32)
    assert np.isinf(module.layer_sums(np.ones_like(big), big, True, True, 0, 0.0, out)) and np.isinf(out[11])
