"""Independent high-precision references (mpmath, 50 digits) for every registry entry.

Written from the textbook formulas, not from actlab's code: these decide what "correct" means
in the accuracy tests and in docs/accuracy.md.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath as mp
import numpy as np

mp.mp.dps = 50

_C_TANH = mp.sqrt(2 / mp.pi)
_K = mp.mpf("0.044715")
_SELU_A = mp.mpf("1.6732632423543772848170429916717")
_SELU_L = mp.mpf("1.0507009873554804934193349852946")


def _sig(x):
    return 1 / (1 + mp.exp(-x))


def _dsig(x):
    return _sig(x) * _sig(-x)  # not s (1 - s): 1 - s cancels even at 50 digits for x > 115


def _half_one_plus_tanh(u):
    # (1 + tanh u) / 2 = 1 / (1 + exp(-2u)); the left side cancels at any fixed precision for u << 0
    return 1 / (1 + mp.exp(-2 * u))


def _gelu_tanh(x):
    return x * _half_one_plus_tanh(_C_TANH * (x + _K * x**3))


def _gelu_tanh_d(x):
    u = _C_TANH * (x + _K * x**3)
    return _half_one_plus_tanh(u) + x / 2 * mp.sech(u) ** 2 * _C_TANH * (1 + 3 * _K * x**2)


def _silu(beta):
    return lambda x: x * _sig(beta * x)


def _silu_d(beta):
    return lambda x: _sig(beta * x) + beta * x * _dsig(beta * x)


def _mish(x):
    return x * mp.tanh(mp.log1p(mp.exp(x)))


def _mish_d(x):
    sp = mp.log1p(mp.exp(x))
    return mp.tanh(sp) + x * mp.sech(sp) ** 2 * _sig(x)


def _ncdf(x):
    # mpmath's erfc overflows a float inside its series check below x = -1e155; Phi(x) < exp(-1e300) there,
    # zero at any precision a float64 result can show
    return mp.mpf(0) if x < -1e150 else mp.ncdf(x)


def _step(cond):
    return mp.mpf(1) if cond else mp.mpf(0)


# name -> (value, derivative) for the default parameters; each takes and returns an mpf.
REFERENCES: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (_sig, _dsig),
    "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2),
    "relu": (lambda x: max(x, 0), lambda x: _step(x > 0)),
    "leaky_relu": (lambda x: x if x > 0 else x / 100, lambda x: mp.mpf(1) if x > 0 else mp.mpf(1) / 100),
    "gelu": (lambda x: x * _ncdf(x), lambda x: _ncdf(x) + x * mp.npdf(x)),
    "gelu_tanh": (_gelu_tanh, _gelu_tanh_d),
    "silu": (_silu(1), _silu_d(1)),
    "quick_gelu": (_silu(mp.mpf("1.702")), _silu_d(mp.mpf("1.702"))),
    "elu": (lambda x: x if x > 0 else mp.expm1(x), lambda x: mp.mpf(1) if x > 0 else mp.exp(x)),
    "selu": (lambda x: _SELU_L * (x if x > 0 else _SELU_A * mp.expm1(x)),
             lambda x: _SELU_L * (1 if x > 0 else _SELU_A * mp.exp(x))),
    "celu": (lambda x: x if x > 0 else mp.expm1(x), lambda x: mp.mpf(1) if x > 0 else mp.exp(x)),
    "softplus": (lambda x: mp.log1p(mp.exp(x)), _sig),
    "mish": (_mish, _mish_d),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    "hardsigmoid": (lambda x: min(max(x + 3, 0), 6) / 6, lambda x: mp.mpf(1) / 6 if -3 < x < 3 else mp.mpf(0)),
    "hardswish": (lambda x: x * min(max(x + 3, 0), 6) / 6,
                  lambda x: mp.mpf(0) if x <= -3 else (mp.mpf(1) if x >= 3 else (2 * x + 3) / 6)),  # PyTorch's kinks
    "hardtanh": (lambda x: min(max(x, -1), 1), lambda x: _step(-1 < x < 1)),
    "relu6": (lambda x: min(max(x, 0), 6), lambda x: _step(0 < x < 6)),
    "relu_squared": (lambda x: max(x, 0) ** 2, lambda x: 2 * max(x, 0)),
    "identity": (lambda x: x, lambda x: mp.mpf(1)),
}

# Gate functions of the gated units: out = a * g(b).
GATES: dict[str, tuple[Callable, Callable]] = {
    "glu": REFERENCES["sigmoid"],
    "reglu": REFERENCES["relu"],
    "geglu": REFERENCES["gelu"],
    "swiglu": REFERENCES["silu"],
    "bilinear": REFERENCES["identity"],
}

# Where a value or derivative crosses zero away from x = 0 (or is a difference of O(1) terms),
# relative error is meaningless: errors there are measured against this scale instead.
ROOTS: dict[tuple[str, str], tuple[tuple[float, float], float]] = {
    ("silu", "deriv"): ((-1.2785, 0.6), 1.0),
    ("quick_gelu", "deriv"): ((-0.7512, 0.6), 1.0),
    ("gelu", "deriv"): ((-0.7518, 0.6), 1.0),
    ("gelu_tanh", "deriv"): ((-0.7525, 0.6), 1.0),
    ("mish", "deriv"): ((-1.1924, 0.6), 1.0),
    ("hardswish", "deriv"): ((-1.5, 0.6), 1.0),
    ("hardsigmoid", "value"): ((-3.0, 0.5), 1.0),
    ("hardswish", "value"): ((-3.0, 0.5), 1.0),
}


# Where a gate reaches the subnormal range while the activation's value or derivative is still a normal number (a
# formula that rounds the subnormal gate loses bits there): float64 Phi and phi below x = -37.5 (GELU: 22 ULP at
# -37.70 before it was handled), sigma(x) and exp(x) below -708.4 (SiLU, Mish; sigma(1.702 x) for quick GELU below
# -416.2), float32 exp below -87.3 (sigma(1.702 x) below -51.3).
SUBNORMAL_ONSETS = ((-38.8, -37.2), (-716.0, -707.0), (-421.0, -415.0), (-92.0, -86.0), (-54.5, -50.5))


def grid(dtype) -> np.ndarray:
    """The test points: a dense grid over [-30, 30], 81 points across each of SUBNORMAL_ONSETS and the extremes
    the issue names."""
    dense = np.linspace(-30, 30, 2401)
    onsets = [np.linspace(lo, hi, 81) for lo, hi in SUBNORMAL_ONSETS]
    extremes = [1e4, 88.7, 709.8, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-8, 1e-300, 0.5, 3.0, 6.0, 40.0]
    pts = np.concatenate([dense, *onsets, extremes, [-v for v in extremes], [0.0, -0.0]])
    with np.errstate(over="ignore", under="ignore"):
        pts = pts.astype(dtype)
    return pts[np.isfinite(pts)]


def reference(name: str, which: str, xs: np.ndarray) -> np.ndarray:
    """Correctly rounded (to float64) reference values of ``name``'s value or derivative."""
    func = REFERENCES[name][0 if which == "value" else 1]
    return np.array([float(func(mp.mpf(float(x)))) for x in xs])


def ulp_errors(name: str, which: str, xs: np.ndarray, got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Error of ``got`` in units in the last place of the exact value, in ``got``'s dtype.

    Points whose exact value is not a normal number of that dtype (zero, subnormal, overflow)
    are skipped (NaN). Near the roots in ROOTS the error is measured against that scale.
    """
    dtype = got.dtype
    info = np.finfo(dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # exact values beyond the dtype's range are skipped below
        exact_d = exact.astype(dtype)
        scale = np.abs(exact)
        if (name, which) in ROOTS:
            (centre, width), floor = ROOTS[(name, which)]
            scale = np.where(np.abs(xs.astype(np.float64) - centre) < width, np.maximum(scale, floor), scale)
        ulp = np.spacing(np.abs(scale).astype(dtype))
        err = np.abs(got.astype(np.float64) - exact) / ulp.astype(np.float64)
    normal = (np.abs(exact) >= info.tiny) & (np.abs(exact) <= info.max) & np.isfinite(exact_d)
    exact_zero = exact == 0
    # exact zeros must come out as zeros (or within a subnormal of 0)
    err = np.where(exact_zero, np.where(np.abs(got) <= info.tiny, 0.0, np.inf), err)
    return np.where(normal | exact_zero, err, np.nan)
