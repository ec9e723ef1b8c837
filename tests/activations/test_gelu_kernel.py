"""The float32 GELU kernel's rational Mills ratio and sigmoid's as-written form, against mpmath."""

from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pytest

from actlab import activations
from actlab.activations import functions as F


def _mills_exact(a: float) -> float:
    with mp.workdps(40):
        a = mp.mpf(a)
        return float(mp.erfc(a / mp.sqrt(2)) / 2 / mp.npdf(a))


def test_mills_ratio_is_within_a_tenth_of_a_float32_ulp_on_its_interval():
    """The float32 GELU's Phi carries R's relative error; 1e-8 is a sixth of the smallest float32 ULP (6e-8)."""
    a = np.linspace(0.0, F._MILLS_CLIP, 4001)
    got = F._mills_ratio(a, np.empty_like(a))
    want = np.array([_mills_exact(v) for v in a])
    rel = np.abs(got / want - 1)
    assert rel.max() <= 1e-8, f"{rel.max():.3g} at a = {a[rel.argmax()]}"
    assert got[0] == pytest.approx(np.sqrt(np.pi / 2), rel=1e-8)  # R(0) = (1/2) / phi(0)


def test_mills_ratio_would_fail_with_a_perturbed_coefficient():
    """The bound above is tight enough to notice a coefficient off in its eighth digit."""
    saved = F._MILLS_P
    try:
        F._MILLS_P = (saved[0], saved[1] * (1 + 1e-7), *saved[2:])
        a = np.linspace(0.0, 16.0, 401)
        got = F._mills_ratio(a, np.empty_like(a))
        want = np.array([_mills_exact(v) for v in a])
        assert np.abs(got / want - 1).max() > 1e-8
    finally:
        F._MILLS_P = saved


def test_float32_gelu_is_x_times_phi_at_the_edges_of_its_range():
    """Exact values where the kernel changes regime: 0, the clip of R, the tails and the infinities."""
    gelu = activations.get("gelu")
    x = np.array([0.0, -0.0, 16.0, -16.0, 13.0, -13.0, 40.0, -40.0, np.inf, -np.inf, np.nan], dtype=np.float32)
    value, deriv = gelu.value_and_derivative(x)
    with mp.workdps(40):
        for xi, v, d in zip(x[:8], value[:8], deriv[:8], strict=True):
            xm = mp.mpf(float(xi))
            want_v, want_d = float(xm * mp.ncdf(xm)), float(mp.ncdf(xm) + xm * mp.npdf(xm))
            assert v == np.float32(want_v) or abs(v - want_v) <= np.spacing(np.float32(want_v)), (xi, v, want_v)
            assert d == np.float32(want_d) or abs(d - want_d) <= np.spacing(np.float32(max(abs(want_d), 1e-30))), \
                (xi, d, want_d)
    assert value[8] == np.inf and deriv[8] == 1.0
    assert value[9] == 0.0 and np.signbit(value[9]) and deriv[9] == 0.0
    assert np.isnan(value[10]) and np.isnan(deriv[10])


@pytest.mark.parametrize("x", [-1000.0, -745.5, -709.9, -709.7, -30.0, 0.0, 30.0, 709.9, 1000.0])
def test_sigmoid_as_written_in_the_tails(x):
    """1 / (1 + exp(-x)) overflows exp(-x) below -709.78 by design: the result is 0 there, as mpmath rounds it,
    with no warning; its derivative exp(-x) sigma(x)**2 stays finite (0, not inf * 0)."""
    sigmoid = activations.get("sigmoid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's default errstate: overflow, invalid and divide warn
        value, deriv = sigmoid.value_and_derivative(np.array([x]))
    with mp.workdps(40):
        s = 1 / (1 + mp.exp(-mp.mpf(x)))
        want_v, want_d = float(s), float(s * (1 - s)) if x < 0 else float(mp.exp(-mp.mpf(x)) * s * s)
    tiny = np.finfo(np.float64).tiny
    for got, want in ((value[0], want_v), (deriv[0], want_d)):
        if abs(want) >= tiny:
            assert got == pytest.approx(want, rel=4 * 2.0**-52)
        else:  # subnormal or zero: within a subnormal step or two of the exact value
            assert abs(got - want) <= 2 * tiny


def test_gelu_tanh_split_constants_are_exact_heads_and_tails():
    """C1 = 2 sqrt(2/pi) and C3 = 0.044715 C1 as head + tail to about 1e-21 relative, heads short enough (40 and 14
    bits) that their products with x's 13-bit head and its cube are exact in float64."""
    with mp.workdps(50):
        c1 = 2 * mp.sqrt(2 / mp.pi)
        for head, tail, exact, bits in ((F.GELU_TANH_C1_HEAD, F.GELU_TANH_C1_TAIL, c1, 40),
                                        (F.GELU_TANH_C3_HEAD, F.GELU_TANH_C3_TAIL, c1 * mp.mpf("0.044715"), 14)):
            assert abs((mp.mpf(head) + mp.mpf(tail)) / exact - 1) < 1e-20  # 2u to 1e-17 at |2u| = 2000
            mantissa, _ = np.frexp(head)
            assert float(mantissa * 2.0**bits).is_integer()


def test_gelu_tanh_argument_is_exact_to_1e16_absolute(rng):
    """t + t_err = 2u to ~1e-16 absolute up to |2u| ~ 2000 (x = +-30), which the lower tail's exp(2u) needs."""
    x = np.concatenate([np.linspace(-30, 30, 601), rng.normal(0, 6, 400), [1e-300, -5e-324, 0.0]])
    _, t, t_err, _ = F._gelu_tanh_parts(x)
    with mp.workdps(50):
        c1 = 2 * mp.sqrt(2 / mp.pi)
        worst = max(abs(c1 * (mp.mpf(xi) + mp.mpf("0.044715") * mp.mpf(xi) ** 3) - mp.mpf(ti) - mp.mpf(ei))
                    for xi, ti, ei in zip(x.tolist(), t.tolist(), t_err.tolist(), strict=True))
    assert worst < 2e-16, float(worst)
