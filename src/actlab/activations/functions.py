"""NumPy formulas of every activation, each value function beside its derivative.

Every function takes a float ndarray (see ``_numerics.as_real_array``) and keyword parameters
named as in PyTorch, and returns an array of the same shape and dtype. They are written so that
no finite or infinite input raises a floating-point warning, NaN propagates, and the tails are
accurate (no cancellation in 1 - sigmoid, 1 + erf, 1 + tanh or 1 - tanh**2). Gated functions
split the last axis into a value half ``a`` and a gate half ``b`` (PyTorch's GLU convention).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from . import _compiled
from ._erfcx_table import (  # erfcx's table (its own module: the compiled kernels read it too)
    _ERFCX_COEFFICIENTS,
    _ERFCX_DEGREE,
    _ERFCX_LAST,
    _ERFCX_NODES,  # noqa: F401 (read as functions._ERFCX_NODES by tests/activations/test_gelu_erfcx_table.py)
    _ERFCX_NODES_LO,
    _ERFCX_STEP,
)
from ._numerics import two_prod_const, two_square, two_sum

SQRT_HALF = 0.7071067811865476
SQRT_HALF_LO = -4.833646656726457e-17  # 1/sqrt(2) - SQRT_HALF
TWO_OVER_SQRT_PI = 1.1283791670955126
INV_SQRT_2PI = 0.3989422804014327
SQRT_2_OVER_PI = 0.7978845608028654
GELU_TANH_COEF = 0.044715
GELU_TANH_C1 = 1.5957691216057308  # 2 sqrt(2/pi)
GELU_TANH_C3 = 0.07135481627260025  # 2 sqrt(2/pi) 0.044715
QUICK_GELU_BETA_LO = 4.2632564145606011e-17  # 1.702 - fl(1.702): the paper's constant is decimal
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _no_neg_inf(x: np.ndarray) -> np.ndarray:
    """Replace -inf by the most negative finite float, so x * g(x) -> -0.0 instead of NaN."""
    return np.maximum(x, -np.finfo(x.dtype).max)


def _finite(x: np.ndarray) -> np.ndarray:
    """Clip +-inf to the largest finite floats (NaN stays NaN)."""
    big = np.finfo(x.dtype).max
    return np.clip(x, -big, big)


def _as64(x: np.ndarray) -> np.ndarray:
    return x if x.dtype == np.float64 else x.astype(np.float64)


# ln 2 as a head with 32 significant bits and a tail (fdlibm's ln2_hi, ln2_lo): 64 ln2_hi is exact.
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10


def _exp_times_2_64(t: np.ndarray, t_err) -> np.ndarray:
    """exp(t + t_err) 2**64 for float64 t down to about -770, where exp(t) alone would be subnormal (and rounded to
    a few significant bits): t + 64 ln 2 is summed exactly (two_sum) and its error, with t_err, put back to first
    order. The caller multiplies its product by 2**-64 once at the end (exact while that result is normal)."""
    h, lo = two_sum(t, 64 * _LN2_HI)
    lo += t_err
    lo += 64 * _LN2_LO
    lo += 1
    lo *= np.exp(h)
    return lo


# Elements per block of the SiLU and GELU kernels on large arrays: the float64 temporaries of one
# block (128 kB each) stay in the core's cache, where those of a whole 10^7-element array go to memory
# on every pass (and are mapped afresh by the allocator on every call); a block also pays about 25
# ufunc calls of Python overhead (~1 us each), a few percent of its time.
_BLOCK = 1 << 14


def _float32_in_blocks(kernel, x: np.ndarray, value: bool, deriv: bool, *args):
    """Run ``kernel(x_block, value_out, deriv_out, *args)`` over blocks of float32 ``x``.

    The kernel writes float32 results into the slices it is given (None for a result not asked
    for); this returns the two whole arrays (or None), shaped like ``x``. Infinities and NaN are
    the kernel's to handle; floating-point warnings inside are silenced (the kernels repair the
    elements that raise them).
    """
    flat = np.ascontiguousarray(x).reshape(-1)
    out_value = np.empty_like(flat) if value else None
    out_deriv = np.empty_like(flat) if deriv else None
    with np.errstate(all="ignore"):
        for i in range(0, flat.size, _BLOCK):
            part = slice(i, i + _BLOCK)
            kernel(flat[part], None if out_value is None else out_value[part],
                   None if out_deriv is None else out_deriv[part], *args)
    return (None if out_value is None else out_value.reshape(x.shape)), \
        (None if out_deriv is None else out_deriv.reshape(x.shape))


def _float64_in_blocks(kernel, x: np.ndarray, value: bool, deriv: bool, *args):
    """Run ``kernel(x_block, value, deriv, *args) -> (value or None, deriv or None)`` over blocks of a
    large float64 ``x`` (see _BLOCK); a small ``x`` is one call. Returns the two arrays shaped like ``x``."""
    if x.size <= 2 * _BLOCK:
        return kernel(x, value, deriv, *args)
    flat = np.ascontiguousarray(x).reshape(-1)
    out_value = np.empty_like(flat) if value else None
    out_deriv = np.empty_like(flat) if deriv else None
    for i in range(0, flat.size, _BLOCK):
        part = slice(i, i + _BLOCK)
        v, d = kernel(flat[part], value, deriv, *args)
        if value:
            out_value[part] = v
        if deriv:
            out_deriv[part] = d
    return (None if out_value is None else out_value.reshape(x.shape)), \
        (None if out_deriv is None else out_deriv.reshape(x.shape))


def _flat_for_kernel(x: np.ndarray) -> np.ndarray:
    """``x`` as the 1-d C-contiguous writeable array the compiled kernels are compiled for (numba compiles a
    read-only or strided array apart: a copy keeps every call on the one compiled version)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    return flat if flat.flags.writeable else flat.copy()


def _compiled_pair(kernel, x: np.ndarray, value: bool, deriv: bool, *args):
    """Run a compiled kernel ``kernel(x_flat, *args, value_out, deriv_out)`` (see _numba_kernels) over ``x``; it
    writes both results. Returns (value or None, deriv or None, the kernel's own return value), shaped like x."""
    flat = _flat_for_kernel(x)
    out_value = np.empty_like(flat)
    out_deriv = np.empty_like(flat)
    extra = kernel(flat, *args, out_value, out_deriv)
    return (out_value.reshape(x.shape) if value else None), (out_deriv.reshape(x.shape) if deriv else None), extra


def _compiled_value(kernel, x: np.ndarray) -> np.ndarray:
    """Run a compiled value-only kernel ``kernel(x_flat, out)`` over ``x``; the result is shaped like x."""
    flat = _flat_for_kernel(x)
    out = np.empty_like(flat)
    kernel(flat, out)
    return out.reshape(x.shape)


def _kernels_for(x: np.ndarray):
    """The compiled kernels for a float32 or float64 ``x`` when they are in use (see _compiled), else None."""
    if x.dtype != np.float64 and x.dtype != np.float32:
        return None
    return _compiled.kernels()


# --- sigmoid -------------------------------------------------------------------------------


def _sigmoid_halves(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(e, 1 + e) with e = exp(-|x|): sigma(|x|) = 1/(1+e) and sigma(-|x|) = e/(1+e) share them."""
    e = np.exp(-np.abs(x))
    return e, 1 + e


def _pick_one_or(e: np.ndarray, one: np.ndarray) -> np.ndarray:
    """1 where ``one`` is True, else e (for 0 <= e <= 1; NaN stays NaN).

    max(e, one) instead of np.where: on inputs of random sign np.where mispredicts a branch per
    element and costs ten times the arithmetic.
    """
    return np.maximum(e, one)


def _sigmoid_pair(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigma(x), sigma(-x)) from one exponential; never overflows, no 1 - sigma cancellation."""
    e, q = _sigmoid_halves(x)
    return _pick_one_or(e, x >= 0) / q, _pick_one_or(e, x < 0) / q


def _sigmoid_and_slope(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigma(x), sigma'(x)) from one exponential: sigma' = e / (1 + e)**2, without forming sigma(-x)."""
    e, q = _sigmoid_halves(x)
    return _pick_one_or(e, x >= 0) / q, e / np.square(q)


def _sigmoid_from_exp(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigma(x), exp(-x)) with sigma = 1 / (1 + exp(-x)) evaluated as written, in three passes.

    Below x = -709.78 exp(-x) overflows to inf and 1 / inf gives 0, the correctly rounded float64 value
    (sigma(-709.78) = 5e-309 is already subnormal), so the overflow is expected and silenced. In the
    lower tail sigma ~ 1 / exp(-x) keeps exp's own relative error (nothing cancels anywhere).
    """
    e = np.negative(x, out=np.empty_like(x))  # out=: a 0-d input stays an array, which the out= below need
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    s = np.add(e, 1, out=np.empty_like(e))
    return np.reciprocal(s, out=s), e


def _sigmoid_slope(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """sigma'(x) = exp(-x) sigma(x)**2, as (e s) s: e s = sigma(-x) <= 1, so neither factor under- or overflows
    before the true value does. Where e is inf (x < -709.78, sigma' subnormal) e s is inf * 0 = NaN, which
    fmin turns into 1 and the second factor s = 0 into 0; a NaN input keeps its NaN through s."""
    with np.errstate(invalid="ignore"):
        d = np.multiply(e, s, out=e)
    np.fmin(d, 1, out=d)
    d *= s
    return d


def _sigmoid(x: np.ndarray, value: bool, deriv: bool):
    """sigma(x) and sigma'(x), each only when asked for: compiled for float64 when in use, else NumPy."""
    kernels = _kernels_for(x) if x.dtype == np.float64 else None
    if kernels is not None:
        if not deriv:
            return _compiled_value(kernels.sigmoid_value, x), None
        return _compiled_pair(kernels.sigmoid, x, value, deriv)[:2]
    if not deriv:  # the value alone in one array: exp(-x), + 1 and 1 / (.) in place (what _sigmoid_from_exp does)
        s = np.negative(x, out=np.empty_like(x))
        with np.errstate(over="ignore"):
            np.exp(s, out=s)
        s += 1
        return np.reciprocal(s, out=s), None
    s, e = _sigmoid_from_exp(x)
    return (s if value else None), _sigmoid_slope(s, e)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), as written (see _sigmoid_from_exp)."""
    return _sigmoid(x, True, False)[0]


def sigmoid_deriv(x: np.ndarray) -> np.ndarray:
    """sigma'(x) = exp(-x) sigma(x)**2: no 1 - sigma cancellation."""
    return _sigmoid(x, False, True)[1]


def sigmoid_deriv_from_output(a: np.ndarray) -> np.ndarray:
    """sigma'(x) = a (1 - a) from the output a = sigma(x), in one new array (the engine's backward for sigmoid)."""
    d = np.subtract(1, a, out=np.empty_like(a))  # out=: a 0-d input stays an array
    return np.multiply(d, a, out=d)


def sigmoid_value_and_deriv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigma(x), sigma'(x)) from one exponential."""
    return _sigmoid(x, True, True)


def _sigmoid_scaled(x: np.ndarray, beta: float, beta_lo: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (x clipped, sigma(beta x), sigma'(beta x)) in float64, correcting the rounding of beta * x.

    With p + err = beta * x exactly, sigma(p + err) = sigma(p) + sigma'(p) err to first order,
    which keeps the tails (sigma ~ exp(beta x)) accurate to a few ULP. For a float32 input the
    correction (about 1e-16 relative) cannot show in the result, so it is skipped.
    """
    xc = np.clip(_as64(x), -1e4, 1e4)  # sigma saturates long before; keeps the split finite
    if (beta == 1.0 and beta_lo == 0.0) or x.dtype != np.float64:
        s, ds = _sigmoid_and_slope(xc * beta if beta != 1.0 else xc)
        return xc, s, ds
    p, err = two_prod_const(xc, beta, beta_lo)
    s, s_neg = _sigmoid_pair(p)
    ds = s * s_neg
    d2s = ds * (s_neg - s)  # sigma'' = sigma' (1 - 2 sigma)
    return xc, s + ds * err, ds + d2s * err


# --- tanh ----------------------------------------------------------------------------------


def _tanh_deriv_numpy(x: np.ndarray) -> np.ndarray:
    e = np.exp(-2 * np.minimum(np.abs(x), 400))  # exp underflows to 0 long before 400; 2 |x| would overflow
    return 4 * e / np.square(1 + e)


def _tanh(x: np.ndarray, value: bool, deriv: bool):
    """tanh and tanh', each only when asked for: for float64 the compiled kernel when in use (C's tanh is not
    vectorised in float64), else np.tanh and _tanh_deriv_numpy (which share nothing)."""
    kernels = _kernels_for(x) if x.dtype == np.float64 else None
    if kernels is not None:
        if not deriv:
            return _compiled_value(kernels.tanh_value, x), None
        return _compiled_pair(kernels.tanh, x, value, deriv)[:2]
    return (np.tanh(x) if value else None), (_tanh_deriv_numpy(x) if deriv else None)


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x)."""
    return _tanh(x, True, False)[0]


def tanh_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """tanh(z) written into ``out`` (same shape and dtype), bit for bit what tanh(z) returns: the network's pooled
    training buffers (network._OUTPUT_INTO) use it."""
    kernels = _kernels_for(z) if z.dtype == np.float64 else None
    if kernels is None:
        return np.tanh(z, out=out)
    if out.flags.c_contiguous and out.flags.writeable:
        kernels.tanh_value(_flat_for_kernel(z), out.reshape(-1))
    else:
        out[...] = tanh(z)
    return out


def add_bias_tanh_into(z: np.ndarray, bias: np.ndarray, out: np.ndarray) -> np.ndarray:
    """z += bias (in place, broadcast over rows) and tanh(z) written into ``out``, bit for bit np.add then tanh_into:
    one pass where the compiled float64 kernel runs (the network's hidden tanh layers while training)."""
    kernels = _kernels_for(z) if z.dtype == np.float64 else None
    if kernels is not None and z.ndim == 2 and out.shape == z.shape and bias.shape == z.shape[1:] and \
            bias.dtype == z.dtype and out.dtype == z.dtype and z.flags.c_contiguous and out.flags.c_contiguous and \
            bias.flags.c_contiguous and z.flags.writeable and out.flags.writeable:
        kernels.add_bias_tanh(z, bias, out)
        return out
    np.add(z, bias, out=z)
    return tanh_into(z, out)


def tanh_deriv(x: np.ndarray) -> np.ndarray:
    """tanh'(x) = sech(x)**2 = 4e / (1 + e)**2 with e = exp(-2|x|): no 1 - tanh**2 cancellation."""
    return _tanh(x, False, True)[1]


def tanh_deriv_from_output(a: np.ndarray) -> np.ndarray:
    """tanh'(x) = 1 - a**2 from the output a = tanh(x), in one new array (the engine's backward for tanh)."""
    d = np.multiply(a, a, out=np.empty_like(a))  # out=: a 0-d input stays an array
    return np.subtract(1, d, out=d)


def tanh_value_and_deriv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tanh(x), tanh'(x)): one exponential for both where the compiled kernel runs."""
    return _tanh(x, True, True)


# --- ReLU family ---------------------------------------------------------------------------


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x)."""
    return np.maximum(x, 0)


def _keep_nan(out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Put NaN wherever x is NaN (comparisons turn NaN into False); the check is one cheap pass."""
    nan = np.isnan(x)
    if nan.any():
        return np.where(nan, x, out)
    return out


def relu_deriv(x: np.ndarray) -> np.ndarray:
    """1 for x > 0, else 0; at the kink x = 0 the subgradient 0, as PyTorch and TensorFlow use."""
    return _keep_nan(np.greater(x, 0).astype(x.dtype), x)


def relu_value_and_deriv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return relu(x), relu_deriv(x)


def leaky_relu(x: np.ndarray, *, negative_slope: float = 0.01) -> np.ndarray:
    """x for x > 0, else negative_slope * x (the lesson's alpha); max(x, slope x) for 0 <= slope <= 1."""
    return np.maximum(x, x * negative_slope)  # branch-free: np.where would mispredict on random signs


def leaky_relu_deriv(x: np.ndarray, *, negative_slope: float = 0.01) -> np.ndarray:
    """1 for x > 0, else negative_slope (also at 0, as PyTorch)."""
    out = np.greater(x, 0).astype(x.dtype)
    out *= 1 - negative_slope
    out += negative_slope
    return _keep_nan(out, x)


def leaky_relu_value_and_deriv(x: np.ndarray, *, negative_slope: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(leaky_relu(x), leaky_relu_deriv(x)): one compiled pass where the compiled kernels are in use, the same bits."""
    kernels = _kernels_for(x)
    if kernels is not None:
        t = x.dtype.type  # the slopes rounded to x's type, as NumPy rounds them for the separate calls
        return _compiled_pair(kernels.leaky_relu, x, True, True, t(negative_slope), t(1 - negative_slope))[:2]
    return leaky_relu(x, negative_slope=negative_slope), leaky_relu_deriv(x, negative_slope=negative_slope)


def relu6(x: np.ndarray) -> np.ndarray:
    """min(max(0, x), 6)."""
    return np.clip(x, 0, 6)


def _indicator_open(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """1 where lo < x < hi, 0 elsewhere, NaN at NaN."""
    return np.heaviside(x - lo, 0) - np.heaviside(x - hi, 1)


def relu6_deriv(x: np.ndarray) -> np.ndarray:
    """1 for 0 < x < 6, else 0 (0 at both kinks, as PyTorch)."""
    return _indicator_open(x, 0.0, 6.0)


def relu_squared(x: np.ndarray) -> np.ndarray:
    """max(0, x)**2 (Primer)."""
    r = np.maximum(x, 0)
    with np.errstate(over="ignore"):  # the true value overflows to inf above ~1.3e154
        return r * r


def relu_squared_deriv(x: np.ndarray) -> np.ndarray:
    """2 max(0, x)."""
    with np.errstate(over="ignore"):  # overflows to inf only where the true value does
        return 2 * np.maximum(x, 0)


# --- ELU family ----------------------------------------------------------------------------


def elu(x: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    """x for x > 0, else alpha (exp(x) - 1), through expm1 for accuracy near 0."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_deriv(x: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    """1 for x > 0, else alpha exp(x) (alpha at 0, as PyTorch)."""
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype, copy=False)


def selu(x: np.ndarray) -> np.ndarray:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    with np.errstate(over="ignore"):  # scale * x overflows to inf only where the true value does
        return SELU_SCALE * elu(x, alpha=SELU_ALPHA)


def selu_deriv(x: np.ndarray) -> np.ndarray:
    return SELU_SCALE * elu_deriv(x, alpha=SELU_ALPHA)


def celu(x: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0) / alpha))


def celu_deriv(x: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    """1 for x > 0, else exp(x / alpha)."""
    return np.where(x > 0, 1, np.exp(np.minimum(x, 0) / alpha)).astype(x.dtype, copy=False)


# --- GELU ----------------------------------------------------------------------------------


def _tail_to_cdf(tail: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Phi from the tail T = erfc(|z|) / 2: T where z > 0 (x < 0), 1 - T elsewhere, as |[z <= 0] - T|.

    Exact for the lower tail (0 - T) and no cancellation for the upper (T <= 1/2); branch-free for
    the reason given in _pick_one_or.
    """
    return np.abs(np.subtract(z <= 0, tail))


# erfcx(a) for a <= 8 comes from the table of Taylor polynomials in _erfcx_table.py (it says why).


def _erfcx(a: np.ndarray) -> np.ndarray:
    """erfcx(a) for float64 a >= 0 (or NaN), flat: within about 1.2 ULP on [0, 8] (see _ERFCX_NODES), scipy's
    beyond."""
    a = a.reshape(-1)
    node = np.fmin(a, _ERFCX_LAST)  # NaN takes the last node and comes out NaN through h
    node *= _ERFCX_STEP
    np.rint(node, out=node)
    k = node.astype(np.intp)
    node /= _ERFCX_STEP
    h = np.subtract(a, node, out=node)  # exact: a lies within a factor 2 of its node (or the node is 0)
    coef = _ERFCX_COEFFICIENTS
    out = coef[_ERFCX_DEGREE][k]  # fancy indexing gathers faster than np.take(..., out=) here
    for n in range(_ERFCX_DEGREE - 1, 0, -1):
        out *= h
        out += coef[n][k]
    out *= h
    out += _ERFCX_NODES_LO[k]  # the node's own rounding error, then the node
    out += coef[0][k]
    far = np.flatnonzero(a > _ERFCX_LAST)
    if far.size:
        out[far] = special.erfcx(a[far])
    return out


def _normal_cdf_pdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (x clipped, Phi(x), phi(x)) in float64 from one erfcx and one exp, a few ULP in both tails.

    Phi(x) = erfc(z) / 2 with z = -x / sqrt 2. Two roundings would each cost hundreds of ULP at
    x = -30: that of z itself, and the exp(-z**2) inside erfc. So z is split exactly (z + dz) and
    exp(-z**2) comes from an exact square. The tail T = erfc(|z + dz|) / 2 is exp(-z**2) (erfcx(|z|) -
    2/sqrt(pi) s dz) / 2 with s = sign(z), to first order in dz (erfc'(z) = -2/sqrt(pi) exp(-z**2));
    Phi = T for x < 0 and 1 - T for x >= 0, where T <= 1/2 so nothing cancels. One erfcx serves
    both sides, and the density shares exp(-z**2): phi(x) = exp(-(z + dz)**2) / sqrt(2 pi). erfcx comes
    from _erfcx's table: near x = 0, T is close to 1/2 on both sides, so its error reaches Phi whole.
    """
    xc = np.clip(_as64(x), -40.0, 40.0)  # Phi is 0 or 1 in float64 beyond
    z, dz = two_prod_const(xc, -SQRT_HALF, -SQRT_HALF_LO)  # z + dz = -x / sqrt(2)
    zz, zz_err = two_square(z)
    gauss = np.exp(-zz) * (1 - zz_err)  # exp(-z**2)
    tail = 0.5 * gauss * (_erfcx(np.abs(z)).reshape(z.shape) - TWO_OVER_SQRT_PI * np.sign(z) * dz)
    cdf = _tail_to_cdf(tail, z)
    pdf = INV_SQRT_2PI * gauss * (1 - 2 * z * dz)
    return xc, cdf, pdf


# Mills ratio of the normal tail, as a rational function: T(a) / phi(a) = P(a) / Q(a) for a >= 0, where
# T(a) = erfc(a / sqrt 2) / 2 = 1 - Phi(a) and phi is the normal density. Fitted (Lawson-reweighted
# linearised least squares for the smallest largest relative error, 6000 Chebyshev points on [0, 16]
# against mpmath) with P of degree 4 and Q of degree 5, Q made monic; all coefficients are positive, so
# Horner's rule on a >= 0 adds no cancellation. Largest relative error 7.1e-9 on [0, 16], a tenth of a
# float32 ULP (tests/activations/test_gelu_kernel.py checks it on a dense grid against mpmath).
_MILLS_P = (1.000009244111688, 9.791719699772631, 43.89480675736834, 104.47534944917703, 118.42325670747398)
_MILLS_Q = (9.792242978222989, 44.88214693056556, 114.44251237310716, 158.74990149015545, 94.48808749776258)
_MILLS_CLIP = 16.0  # the fit's interval; beyond it phi(a) < 1e-56, so the tail's value no longer matters
LN_SQRT_2PI = 0.9189385332046728  # log(sqrt(2 pi))


def _mills_ratio(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """T(a) / phi(a) for 0 <= a <= _MILLS_CLIP into ``out`` (float64), about 4 ns per element."""
    p0, p1, p2, p3, p4 = _MILLS_P
    np.multiply(a, p0, out=out)  # P(a) = ((((p0 a + p1) a + p2) a + p3) a + p4)
    out += p1
    for c in (p2, p3, p4):
        out *= a
        out += c
    q = np.add(a, _MILLS_Q[0])  # Q(a) = a**5 + q0 a**4 + ... + q4, monic
    for c in _MILLS_Q[1:]:
        q *= a
        q += c
    out /= q
    return out


def _gelu_block_float32(x: np.ndarray, out_value, out_deriv) -> None:
    """GELU and its derivative for a float32 block, in float64 rounded once, without an erfc call.

    phi(x) = exp(-x**2 / 2 - log sqrt(2 pi)) (x**2 / 2 is exact in float64 for a float32 x; the constant
    costs one rounding of the exponent, about 1e-14 relative to phi); the tail T(|x|) = phi(x) R(|x|)
    from the rational Mills ratio R (relative error 7.1e-9); Phi = |[x >= 0] - T|, that is 1 - T for
    x >= 0 (T <= 1/2: nothing cancels) and T below (exact). So Phi carries at most about 1e-8 of
    relative error before the final rounding to float32 (ULP 6e-8 to 1.2e-7). One exponential serves
    the value and the derivative Phi + x phi. Beyond |x| ~ 39 phi underflows to 0, giving x or -0.0
    and 1 or 0; only the infinities need mending (inf * 0).
    """
    x64 = x.astype(np.float64)
    phi = np.square(x64)
    phi *= -0.5
    phi -= LN_SQRT_2PI
    np.exp(phi, out=phi)
    a = np.abs(x64)
    np.minimum(a, _MILLS_CLIP, out=a)
    cdf = _mills_ratio(a, np.empty_like(a))
    cdf *= phi  # T(|x|)
    np.subtract(x64 >= 0, cdf, out=cdf)
    np.abs(cdf, out=cdf)
    if out_value is not None:
        np.multiply(x64, cdf, out=out_value, casting="same_kind")
    if out_deriv is not None:
        phi *= x64
        np.add(phi, cdf, out=out_deriv, casting="same_kind")
    _mend_infinities(x, out_value, out_deriv)


def _mend_infinities(x: np.ndarray, out_value, out_deriv) -> None:
    """For x sigma-like gates: f(+inf) = +inf, f(-inf) = -0.0, f'(+inf) = 1, f'(-inf) = 0."""
    inf = np.isinf(x)
    if inf.any():
        positive = x[inf] > 0
        if out_value is not None:
            out_value[inf] = np.where(positive, np.inf, -0.0)
        if out_deriv is not None:
            out_deriv[inf] = positive


# Below x = -37 the normal density and Phi reach float64's subnormal range while x Phi(x) and Phi(x) + x phi(x) are
# still normal numbers (down to about -38.4 and -38.6): there the results are written as exp(-z**2 + log(...)).
_GELU_FAR_LEFT = -37.0


def _gelu_far_left(x: np.ndarray, value: bool, deriv: bool):
    """GELU and its derivative for float64 x <= _GELU_FAR_LEFT without a subnormal intermediate.

    With z + dz = -x / sqrt 2 (exact split) and B = erfcx(z) - 2/sqrt(pi) dz, the tail is T = Phi(x) =
    exp(-z**2) B / 2 (see _normal_cdf_pdf), so x Phi = x B / 2 exp(-z**2) and Phi + x phi =
    (B / 2 + x / sqrt(2 pi) (1 - 2 z dz)) exp(-z**2) (the bracket is about -15 here: nothing cancels), with
    exp(-z**2) taken 2**64 larger (_exp_times_2_64) and the products scaled back once at the end.
    """
    xc = np.maximum(x, -40.0)  # both results are 0 in float64 beyond
    z, dz = two_prod_const(xc, -SQRT_HALF, -SQRT_HALF_LO)  # z > 26
    zz, zz_err = two_square(z)
    gauss = _exp_times_2_64(-zz, -zz_err)
    b = special.erfcx(z) - TWO_OVER_SQRT_PI * dz
    out_value = (0.5 * xc * b) * gauss * 2.0**-64 if value else None
    out_deriv = (0.5 * b + INV_SQRT_2PI * xc * (1 - 2 * z * dz)) * gauss * 2.0**-64 + 0.0 if deriv else None  # +0.0
    return out_value, out_deriv


def _gelu_float64(x: np.ndarray, value: bool, deriv: bool):
    """GELU and its derivative for float64 from _normal_cdf_pdf, each only when asked for (below -37 from
    _gelu_far_left)."""
    xc, cdf, pdf = _normal_cdf_pdf(x)
    out_value = (_no_neg_inf(x) * cdf).astype(x.dtype, copy=False) if value else None
    if deriv:
        pdf *= xc
        pdf += cdf
        pdf = pdf.astype(x.dtype, copy=False)
    far = x <= _GELU_FAR_LEFT
    if far.any():
        if x.ndim == 0:  # a 0-d result cannot be assigned into by mask
            return _gelu_far_left(_as64(x), value, deriv)
        v, d = _gelu_far_left(_as64(x[far]), value, deriv)
        if value:
            out_value[far] = v
        if deriv:
            pdf[far] = d
    return out_value, (pdf if deriv else None)


def _redo_where(left: np.ndarray, x: np.ndarray, fn, value: bool, deriv: bool, out_value, out_deriv) -> None:
    """Put ``fn``'s value and derivative at the elements ``left`` selects (a compiled float64 kernel's far left,
    which a NumPy function writes without subnormal intermediates) into the kernel's results."""
    v, d = fn(x[left], value, deriv)
    if value:
        out_value[left] = v
    if deriv:
        out_deriv[left] = d


def _gelu(x: np.ndarray, value: bool, deriv: bool):
    kernels = _kernels_for(x)
    if kernels is not None:
        if x.dtype == np.float32:
            return _compiled_pair(kernels.gelu_float32, x, value, deriv)[:2]
        out_value, out_deriv, far = _compiled_pair(kernels.gelu_float64, x, value, deriv)
        if far:  # the kernel counts x <= _GELU_FAR_LEFT (and -inf): written here without subnormal intermediates
            _redo_where(x <= _GELU_FAR_LEFT, x, _gelu_far_left, value, deriv, out_value, out_deriv)
        return out_value, out_deriv
    if x.dtype == np.float32:
        return _float32_in_blocks(_gelu_block_float32, x, value, deriv)
    if x.dtype == np.float64:
        return _float64_in_blocks(_gelu_float64, x, value, deriv)
    return _gelu_float64(x, value, deriv)  # other float dtypes: computed in float64, cast back


def gelu(x: np.ndarray) -> np.ndarray:
    """x Phi(x), Phi the standard normal CDF (exact form, PyTorch approximate='none')."""
    return _gelu(x, True, False)[0]


def gelu_deriv(x: np.ndarray) -> np.ndarray:
    """Phi(x) + x phi(x)."""
    return _gelu(x, False, True)[1]


def gelu_value_and_deriv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x Phi(x), Phi(x) + x phi(x)) sharing Phi (float64: one erfcx and one exp for both)."""
    return _gelu(x, True, True)


# 2u = C1 x + C3 x**3 with C1 = 2 sqrt(2/pi), C3 = 0.044715 C1, each as a short head plus a float64 tail
# (from mpmath): C1's head has 40 significant bits and C3's 14, so that with x's head of 13 bits
# (and x_head**3 of 39) both head products are exact in float64.
GELU_TANH_C1_HEAD, GELU_TANH_C1_TAIL = 1.5957691216062813, -5.505482686972437e-13
GELU_TANH_C3_HEAD, GELU_TANH_C3_TAIL = 0.07135772705078125, -2.9107781810012236e-06
_SPLIT_13_BITS = 2.0**40 + 1  # Veltkamp: x * this splits x into a 13-bit head and the rest


def _gelu_tanh_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (x clipped, t, t_err, dt) in float64: t + t_err = 2u, u = sqrt(2/pi) (x + 0.044715 x^3).

    In the lower tail the gate is exp(2u) with |2u| up to ~700, and a plain evaluation would carry
    ~|2u| ULP of error into it, so 2u is needed to about 1e-17 absolute. x is split into a 13-bit head
    h and the rest l (|l| <= 2**-13 |x|); then C1h h and C3h h**3 are exact, their sum is made exact by
    two_sum, and everything else, C1h l + C1t x + C3h (x**3 - h**3) + C3t x**3 with
    x**3 - h**3 = l (x**2 + x h + h**2), is about 2**-13 of 2u, so its plain float64 rounding is far below
    what matters. About 34 passes, where a double-double cubic took about 55. dt is d(2u)/dx.
    """
    xc = np.clip(_as64(x), -30.0, 30.0)  # the gate is exactly 0 or 1 in float64 beyond +-25
    h = xc * _SPLIT_13_BITS
    h -= h - xc  # (t - (t - x)): x's 13-bit head
    lo = xc - h
    h2 = h * h  # exact: 26 bits
    h3 = h2 * h  # exact: 39 bits
    sq = xc * xc
    d3 = xc * h
    d3 += sq
    d3 += h2
    d3 *= lo  # x**3 - h**3 to a few ULP of itself
    small = np.multiply(lo, GELU_TANH_C1_HEAD)
    small += GELU_TANH_C1_TAIL * xc
    small += GELU_TANH_C3_HEAD * d3
    d3 += h3  # x**3
    d3 *= GELU_TANH_C3_TAIL
    small += d3
    a1 = np.multiply(h, GELU_TANH_C1_HEAD, out=h)  # exact
    a2 = np.multiply(h3, GELU_TANH_C3_HEAD, out=h3)  # exact
    head, head_err = two_sum(a1, a2)
    t = head + small  # |small| < |head|: the error of this sum is small - (t - head), exactly
    t_err = t - head
    np.subtract(small, t_err, out=t_err)
    t_err += head_err
    sq *= 3 * GELU_TANH_C3
    sq += GELU_TANH_C1
    return xc, t, t_err, sq


def _scaled_gate(t: np.ndarray, t_err: np.ndarray, log_scale: np.ndarray) -> np.ndarray:
    """exp(t + t_err + log_scale) / (1 + exp(t)) for t < 0, without a subnormal intermediate."""
    h, l = two_sum(t, log_scale)
    return np.exp(h) * (1 + (l + t_err)) / (1 + np.exp(t))


def _gelu_tanh_float64(x: np.ndarray, value: bool, deriv: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """gelu_tanh and its derivative for float64 (each only when asked for), written as x sigma(2u).

    sigma(t) = 1 / (1 + E), E = exp(-t), and sigma(-t) = E sigma(t) (see _sigmoid_from_exp); the gate and
    its slope take the first-order correction in t_err (the rounding of 2u, up to |2u| float64 ULP).
    Where 2u < -600 (x below about -19.9) sigma(2u) nears float64's subnormal range while x sigma(2u)
    need not, so there the value is -exp(2u + log(-x)) / (1 + exp(2u)) and the derivative is written
    the same way, on those elements only (E overflows there, which the branch replaces).
    """
    if x.ndim == 0:  # the branch below assigns into the result, which a 0-d ufunc result is not
        v, d = _gelu_tanh_float64(x.reshape(1), value, deriv)
        return (None if v is None else v.reshape(())), (None if d is None else d.reshape(()))
    xc, t, t_err, dt = _gelu_tanh_parts(x)
    with np.errstate(over="ignore", invalid="ignore"):  # E = inf and inf * 0 only where t < -600
        s, s_neg = _sigmoid_from_exp(t)
        s_neg *= s  # sigma(-t)
    ds = s * s_neg
    gate = ds * t_err
    gate += s  # sigma(t + t_err) to first order
    far_left = t < -600.0
    has_tail = bool(far_left.any())
    if has_tail:
        tl, tl_err, xl = t[far_left], t_err[far_left], xc[far_left]
    out_value = out_deriv = None
    if value:
        out_value = _no_neg_inf(x) * gate
        if has_tail:
            out_value[far_left] = -_scaled_gate(tl, tl_err, np.log(-xl))
    if deriv:
        s_neg -= s
        s_neg *= ds
        s_neg *= t_err
        ds += s_neg  # sigma'(t + t_err) to first order: sigma'' = sigma' (1 - 2 sigma)
        ds *= xc
        ds *= dt
        out_deriv = np.add(gate, ds, out=ds)
        if has_tail:
            s_neg_l = 1 / (1 + np.exp(tl))  # sigma(-t), about 1 here
            bracket = 1 + xl * dt[far_left] * s_neg_l  # negative for every x < -1 (the root is at -0.7525)
            out_deriv[far_left] = np.sign(bracket) * _scaled_gate(tl, tl_err,
                                                                  np.log(np.maximum(np.abs(bracket), 1e-300)))
    return out_value, out_deriv


def _gelu_tanh_block_float32(x: np.ndarray, out_value, out_deriv) -> None:
    """gelu_tanh and its derivative for a float32 block as x sigma(t), t = 2u, in plain float64 rounded once.

    t is within a few float64 ULP of exact (x**2 is exact for a float32 x), so sigma(t) carries
    |t| float64 ULP, far below one float32 ULP for every t where the result is a normal float32.
    sigma and sigma' come from e = exp(-|t|) (see _sigmoid_and_slope); beyond |x| ~ 10 e
    underflows to 0, giving x or -0.0 and 1 or 0, and only the infinities need mending.
    """
    x64 = x.astype(np.float64)
    sq = np.square(x64)
    t = np.multiply(sq, GELU_TANH_C3)
    t += GELU_TANH_C1
    t *= x64  # t = 2u = x (c1 + c3 x**2)
    e = np.abs(t)
    np.negative(e, out=e)
    np.exp(e, out=e)
    q = np.add(e, 1)
    s = np.maximum(e, t >= 0)
    s /= q
    if out_value is not None:
        np.multiply(x64, s, out=t)
        out_value[...] = t
    if out_deriv is not None:
        np.square(q, out=q)
        np.divide(e, q, out=e)  # sigma'(t)
        sq *= 3 * GELU_TANH_C3
        sq += GELU_TANH_C1  # dt/dx
        e *= sq
        e *= x64
        e += s
        out_deriv[...] = e
    _mend_infinities(x, out_value, out_deriv)


def _gelu_tanh_compiled(kernels, x: np.ndarray, value: bool, deriv: bool):
    """The compiled gelu_tanh; for float64 the elements below t = -600 (x < -19.9) are redone by
    _gelu_tanh_float64, which writes them without sigma's subnormal values."""
    if x.dtype == np.float32:
        return _compiled_pair(kernels.gelu_tanh_float32, x, value, deriv)[:2]
    out_value, out_deriv, far = _compiled_pair(kernels.gelu_tanh_float64, x, value, deriv)
    if far:  # x < -19 is a superset of t < -600 (x < -19.9); the NumPy path is as accurate there
        _redo_where(x < -19.0, x, _gelu_tanh_float64, value, deriv, out_value, out_deriv)
    return out_value, out_deriv


def _gelu_tanh(x: np.ndarray, value: bool, deriv: bool):
    kernels = _kernels_for(x)
    if kernels is not None:
        return _gelu_tanh_compiled(kernels, x, value, deriv)
    if x.dtype == np.float32:
        return _float32_in_blocks(_gelu_tanh_block_float32, x, value, deriv)
    v, d = _float64_in_blocks(_gelu_tanh_float64, _as64(x), value, deriv)
    return (None if v is None else v.astype(x.dtype, copy=False)), \
        (None if d is None else d.astype(x.dtype, copy=False))


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    """0.5 x (1 + tanh(u)) = x sigma(2u): the tanh approximation, written without 1 + tanh cancellation."""
    return _gelu_tanh(x, True, False)[0]


def gelu_tanh_deriv(x: np.ndarray) -> np.ndarray:
    """sigma(2u) + x sigma'(2u) 2u' = sigma(2u) (1 + x 2u' sigma(-2u))."""
    return _gelu_tanh(x, False, True)[1]


def gelu_tanh_value_and_deriv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gelu_tanh(x), gelu_tanh'(x)) sharing the cubic, the gate and its derivative."""
    return _gelu_tanh(x, True, True)


# --- SiLU / Swish --------------------------------------------------------------------------


def _silu_block_float32(x: np.ndarray, out_value, out_deriv) -> None:
    """x sigma(x) and its derivative for a float32 block: E = exp(-x) from float32's vectorised exp (the
    argument is exact), then sigma = 1 / (1 + E), sigma(-x) = E sigma and sigma' = sigma sigma(-x) in float64,
    rounded once. Where |x| > 87 (E overflows in float32 below -88.7, and x sigma(x) needs sigma's subnormal
    values there) the elements take the float64 path, as do the infinities."""
    e = np.negative(x)
    np.exp(e, out=e)
    deep = np.abs(x) > 87
    e = e.astype(np.float64)
    s = np.add(e, 1)
    np.reciprocal(s, out=s)
    if out_value is not None:
        np.multiply(x, s, out=out_value, casting="same_kind")
    if out_deriv is not None:
        e *= s  # sigma(-x)
        e *= x
        e *= s  # x sigma'(x)
        np.add(e, s, out=out_deriv, casting="same_kind")
    _redo_deep_tail_in_float64(x, deep, 1.0, out_value, out_deriv)


def _swish_block_float32(x: np.ndarray, out_value, out_deriv, beta: float) -> None:
    """x sigma(beta x) and its derivative for a float32 block, using float32's vectorised exp.

    Rounding beta x to float32 would cost |beta x| ULP in the tails, where sigma ~ exp(beta x). So
    u = -|beta x| is formed in float64 and split into u32 + du; exp(u) = exp(u32) (1 + du) to first order
    (|du| <= 2**-25 |u|), and the rest is float64 arithmetic, in place, rounded once at the end. For
    beta = 1, u = -|x| is exact in float32 and du = 0, so the split is skipped (same result).
    """
    if beta == 1.0:
        u32 = np.abs(x)
        np.negative(u32, out=u32)
        deep = u32 < -87
        e = np.exp(u32, out=u32).astype(np.float64)
    else:
        u = np.abs(x, dtype=np.float64)
        u *= -beta
        u32 = u.astype(np.float32)
        deep = u32 < -87
        u -= u32
        u += 1
        e = np.exp(u32, out=u32).astype(np.float64)
        e *= u  # exp(u32) (1 + du)
    q = np.add(e, 1)
    s = np.maximum(e, x >= 0)
    s /= q
    if out_value is not None:
        out_value[...] = np.multiply(x, s, dtype=np.float64)
    if out_deriv is not None:
        np.square(q, out=q)
        ds = np.divide(e, q, out=e)
        ds *= x if beta == 1.0 else np.multiply(x, beta, dtype=np.float64)
        ds += s
        out_deriv[...] = ds
    _redo_deep_tail_in_float64(x, deep, beta, out_value, out_deriv)


def _redo_deep_tail_in_float64(x: np.ndarray, deep: np.ndarray, beta: float, out_value, out_deriv) -> None:
    """Redo in float64 the float32 elements where exp(-|beta x|) is subnormal in float32 (below -87) while
    x sigma(beta x) need not be (a float32 sigma there cost up to 47 ULP near x = -91); the infinities
    and |beta x| > 87 go this way too."""
    if deep.any():
        x_deep = x[deep].astype(np.float64)
        v, d = _swish(x_deep, beta, 0.0, out_value is not None, out_deriv is not None)
        if out_value is not None:
            out_value[deep] = v
        if out_deriv is not None:
            out_deriv[deep] = d


def _swish(x: np.ndarray, beta: float, beta_lo: float, value: bool, deriv: bool):
    """x sigma(beta x) and sigma(beta x) + beta x sigma'(beta x), each only when asked for."""
    kernels = _kernels_for(x)
    if kernels is not None:  # float64 with beta != 1 puts back the rounding of beta x, as _sigmoid_scaled does
        correct = x.dtype == np.float64 and not (beta == 1.0 and beta_lo == 0.0)
        out_value, out_deriv, far = _compiled_pair(kernels.swish, x, value, deriv, float(beta), float(beta_lo),
                                                   bool(correct))
        if far:  # float32 too: the float64 results there round to float32's zeros with the true sign
            _mend_swish_far_left(x, beta, beta_lo, out_value, out_deriv)
        return out_value, out_deriv
    if x.dtype == np.float32:  # float32 sigma alone cost up to 4.03 ULP off the grid (and 47 below -87)
        if beta == 1.0:
            return _float32_in_blocks(_silu_block_float32, x, value, deriv)
        return _float32_in_blocks(_swish_block_float32, x, value, deriv, beta)
    if x.dtype == np.float64:
        return _float64_in_blocks(_swish_wide, x, value, deriv, beta, beta_lo)
    return _swish_wide(x, value, deriv, beta, beta_lo)


# Below beta x = -700, sigma(beta x) nears float64's subnormal range (from -708.4) while x sigma(beta x) and the
# derivative stay normal numbers down to about -715: there both are written as exp(beta x + log(...)).
_SWISH_FAR_LEFT = -700.0


def _swish_far_left(x: np.ndarray, beta: float, beta_lo: float, value: bool, deriv: bool):
    """x sigma(b x) and sigma(b x) (1 + b x sigma(-b x)), b = beta + beta_lo, for float64 x with b x below
    _SWISH_FAR_LEFT: factor exp(p + err) / (1 + exp(p)) with p + err = b x, the exponential taken 2**64 larger
    (_exp_times_2_64) and the product scaled back once at the end, so that no subnormal sigma(p) is rounded on
    the way (a plain x sigma(x) lost up to 353 ULP near x = -714)."""
    xc = np.clip(x, -1e4, 1e4)  # beyond, both results are 0 in float64; keeps the split finite
    if beta == 1.0 and beta_lo == 0.0:
        p, err = xc, np.zeros_like(xc)
    else:
        p, err = two_prod_const(xc, beta, beta_lo)
    gate = _exp_times_2_64(p, err)
    gate /= 1 + np.exp(p)  # sigma(p) 2**64
    out_value = xc * gate * 2.0**-64 if value else None
    # 1 + b x sigma(-p): about b x here, far from 0
    # + 0.0: a derivative that underflows is +0.0, as f'(-inf) = 0 elsewhere (_mend_infinities)
    out_deriv = (1 + beta * xc / (1 + np.exp(p))) * gate * 2.0**-64 + 0.0 if deriv else None
    return out_value, out_deriv


def _mend_swish_far_left(x: np.ndarray, beta: float, beta_lo: float, out_value, out_deriv) -> None:
    """Overwrite the elements of the results where beta x < _SWISH_FAR_LEFT with _swish_far_left's (in float64)."""
    if beta > 0:  # one comparison; an element at the boundary is right either way
        far = x < _SWISH_FAR_LEFT / beta
    else:
        with np.errstate(over="ignore"):  # beta x overflows only far from the stretch this picks
            far = x * beta < _SWISH_FAR_LEFT
    if far.any():
        v, d = _swish_far_left(_as64(x[far]), beta, beta_lo, out_value is not None, out_deriv is not None)
        if out_value is not None:
            out_value[far] = v
        if out_deriv is not None:
            out_deriv[far] = d


def _silu_tails(x: np.ndarray, value: bool, deriv: bool):
    """x sigma(x) and its derivative from e = exp(-|x|), for any x: below -700 from _swish_far_left, and the
    infinities included."""
    xc = np.clip(x, -1e4, 1e4)  # sigma saturates long before; keeps x sigma'(x) from inf * 0
    s, ds = _sigmoid_and_slope(xc)
    out_value, out_deriv = (_no_neg_inf(x) * s if value else None), (s + xc * ds if deriv else None)
    _mend_swish_far_left(x, 1.0, 0.0, out_value, out_deriv)
    return out_value, out_deriv


def _silu_wide(x: np.ndarray, value: bool, deriv: bool):
    """SiLU for float64 (and wider) x: sigma = 1 / (1 + E), E = exp(-x), sigma(-x) = E sigma, in about ten passes.

    For |x| > 700 (E would overflow below -709.78, where x sigma(x) still needs sigma's subnormal values), the
    infinities and NaN, the elements take _silu_tails instead.
    """
    if x.ndim == 0:  # the tail repair below assigns into the results, which a 0-d ufunc result is not
        v, d = _silu_wide(x.reshape(1), value, deriv)
        return (None if v is None else v.reshape(())), (None if d is None else d.reshape(()))
    tails = ~(np.abs(x) <= 700)
    with np.errstate(over="ignore", invalid="ignore"):  # only on the tail elements, which are redone
        s, e = _sigmoid_from_exp(x)
        out_value = np.multiply(x, s) if value else None
        out_deriv = None
        if deriv:
            e *= s  # sigma(-x)
            e *= x
            e *= s
            out_deriv = np.add(e, s, out=e)
    if tails.any():
        v, d = _silu_tails(x[tails], value, deriv)
        if value:
            out_value[tails] = v
        if deriv:
            out_deriv[tails] = d
    return out_value, out_deriv


def _swish_wide(x: np.ndarray, value: bool, deriv: bool, beta: float, beta_lo: float):
    """_swish for float64 (and wider) x."""
    if beta == 1.0 and beta_lo == 0.0:  # nothing to correct
        return _silu_wide(x, value, deriv)
    if x.ndim == 0:  # the in-place steps below need arrays, which 0-d ufunc results are not
        v, d = _swish_wide(x.reshape(1), value, deriv, beta, beta_lo)
        return (None if v is None else v.reshape(())), (None if d is None else d.reshape(()))
    # p + err = beta x exactly; exp(-|p + err|) = exp(-|p|) (1 - sign(p) err) to first order (|err| <= 2**-53 |p|),
    # so sigma(beta x) and sigma'(beta x) come from one corrected exponential, as in _swish_block_float32
    xc = np.clip(_as64(x), -1e4, 1e4)  # sigma saturates long before; keeps the split finite
    p, err = two_prod_const(xc, beta, beta_lo)
    err *= np.copysign(1.0, p)  # sign(p) err
    np.subtract(1, err, out=err)
    e = np.abs(p)
    np.negative(e, out=e)
    np.exp(e, out=e)
    e *= err  # exp(-|beta x|)
    q = np.add(e, 1, out=err)
    s = np.maximum(e, p >= 0, out=p)
    s /= q
    out_value = (_no_neg_inf(_as64(x)) * s).astype(x.dtype, copy=False) if value else None
    if deriv:
        np.square(q, out=q)
        ds = np.divide(e, q, out=e)  # sigma'(beta x)
        xc *= beta
        ds *= xc
        ds += s
        ds = ds.astype(x.dtype, copy=False)
    if x.dtype == np.float64:
        _mend_swish_far_left(x, beta, beta_lo, out_value, ds if deriv else None)
    return out_value, (ds if deriv else None)


def silu(x: np.ndarray, *, beta: float = 1.0) -> np.ndarray:
    """x sigma(beta x); beta = 1 is SiLU, beta = 1.702 quick GELU."""
    return _swish(x, beta, 0.0, True, False)[0]


def silu_deriv(x: np.ndarray, *, beta: float = 1.0) -> np.ndarray:
    """sigma(beta x) + beta x sigma'(beta x)."""
    return _swish(x, beta, 0.0, False, True)[1]


def silu_value_and_deriv(x: np.ndarray, *, beta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Both from one exponential."""
    return _swish(x, beta, 0.0, True, True)


def quick_gelu(x: np.ndarray) -> np.ndarray:
    """x sigma(1.702 x), the sigmoid approximation of GELU used by CLIP."""
    return _swish(x, 1.702, QUICK_GELU_BETA_LO, True, False)[0]


def quick_gelu_deriv(x: np.ndarray) -> np.ndarray:
    """sigma(1.702 x) + 1.702 x sigma'(1.702 x)."""
    return _swish(x, 1.702, QUICK_GELU_BETA_LO, False, True)[1]


def quick_gelu_value_and_deriv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both from one exponential (and, for float64, one exact split of 1.702 x)."""
    return _swish(x, 1.702, QUICK_GELU_BETA_LO, True, True)


# --- softplus, mish ------------------------------------------------------------------------


def softplus(x: np.ndarray, *, beta: float = 1.0, threshold: float | None = None) -> np.ndarray:
    """log(1 + exp(beta x)) / beta as max(x, 0) + log1p(exp(-|beta x|)) / beta.

    threshold: PyTorch's shortcut (it uses 20): return x where beta x > threshold. None (the
    default) keeps the exact value everywhere.
    """
    if beta == 1.0:
        out = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    else:
        # p + err = beta x exactly; softplus(p + err) = softplus(p) + sigma(p) err to first order
        p, err = two_prod_const(np.clip(_as64(x), -1e290, 1e290), beta)
        sp = np.maximum(p, 0) + np.log1p(np.exp(-np.abs(p))) + sigmoid(p) * err
        out = np.where(np.abs(x) > 1e290, np.maximum(x, 0), sp / beta).astype(x.dtype, copy=False)
    if threshold is not None:
        out = np.where(x > threshold / beta, x, out)
    return out


def softplus_deriv(x: np.ndarray, *, beta: float = 1.0, threshold: float | None = None) -> np.ndarray:
    """sigma(beta x) (1 where the threshold shortcut applies)."""
    _, s, _ = _sigmoid_scaled(x, beta)
    s = s.astype(x.dtype, copy=False)
    if threshold is not None:
        s = np.where(x > threshold / beta, 1, s).astype(x.dtype, copy=False)
    return s


# mish' takes sigma(x) from _sigmoid_pair, which keeps sigma's subnormal values below x = -709.78, where
# x sigma(x) is still a normal number (sigmoid() returns 0 there).
def _mish_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (tanh(softplus(x)), sech(softplus(x))**2) without overflow or cancellation.

    With e = exp(-|x|): for x <= 0, n = e (e + 2), tanh = n / (n + 2), sech^2 = 4 (n + 1) / (n + 2)^2;
    for x > 0, q = (1 + e)^2, tanh = (1 + 2e) / (1 + 2e + 2e^2), sech^2 = 4 e^2 q / (q + e^2)^2.
    """
    e = np.exp(-np.abs(x))
    e2 = e * e
    n = e2 + 2 * e
    q = 1 + 2 * e + e2
    positive = x > 0
    tsp = np.where(positive, (1 + 2 * e) / (q + e2), n / (n + 2))
    sech2 = np.where(positive, 4 * e2 * q / np.square(q + e2), 4 * (n + 1) / np.square(n + 2))
    return tsp, sech2


# Where exp(x) reaches the subnormal range (below -708.4 in float64, -87.3 in float32) mish(x) ~ x exp(x) and
# mish'(x) ~ (1 + x) exp(x) are still normal numbers (down to about -715 and -91.7): those elements are redone.
_MISH_FAR_LEFT = {np.dtype(np.float64): -700.0, np.dtype(np.float32): -80.0}


def _mish_far_left_float64(x: np.ndarray, value: bool, deriv: bool):
    """mish and mish' for float64 x below -700: with e = exp(x) < 1e-304, tanh(softplus(x)) = e, sech**2 = 1 and
    sigma(x) = e to far below an ULP, so the value is x e and the derivative e + x e; e is taken 2**64 larger
    (_exp_times_2_64) and the product scaled back once, so no subnormal e is rounded on the way (a plain
    evaluation lost up to 234 ULP near x = -714.5)."""
    xc = np.maximum(x, -1e4)  # both results are 0 beyond; -inf gives -0.0 and 0.0 * -... below
    e = _exp_times_2_64(xc, 0.0)
    return (xc * e * 2.0**-64 if value else None), ((1 + xc) * e * 2.0**-64 + 0.0 if deriv else None)  # +0.0


def _mish(x: np.ndarray, value: bool, deriv: bool):
    """mish and mish', each only when asked for, from one _mish_parts (float64 and float32 tails redone)."""
    if x.ndim == 0:  # the tail repair below assigns into the results, which a 0-d ufunc result is not
        v, d = _mish(x.reshape(1), value, deriv)
        return (None if v is None else v.reshape(())), (None if d is None else d.reshape(()))
    tsp, sech2 = _mish_parts(x)
    out_value = _no_neg_inf(x) * tsp if value else None
    out_deriv = tsp + _finite(x) * sech2 * _sigmoid_pair(x)[0] if deriv else None
    threshold = _MISH_FAR_LEFT.get(x.dtype)
    if threshold is not None:
        far = x < threshold
        if far.any():
            x_far = x[far].astype(np.float64)
            if x.dtype == np.float64:
                v, d = _mish_far_left_float64(x_far, value, deriv)
            else:  # float32: the float64 formulas, rounded once
                v, d = _mish(x_far, value, deriv)
            if value:
                out_value[far] = v
            if deriv:
                out_deriv[far] = d
    return out_value, out_deriv


def mish(x: np.ndarray) -> np.ndarray:
    """x tanh(softplus(x))."""
    return _mish(x, True, False)[0]


def mish_deriv(x: np.ndarray) -> np.ndarray:
    """tanh(sp) + x sech(sp)**2 sigma(x), sp = softplus(x)."""
    return _mish(x, False, True)[1]


def mish_value_and_deriv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both from one evaluation of tanh(softplus(x)) and its sech**2."""
    return _mish(x, True, True)


# --- bounded and piecewise-linear ----------------------------------------------------------


def softsign(x: np.ndarray) -> np.ndarray:
    """x / (1 + |x|); for |x| >= 1 as sign(x) (1 - 1 / (1 + |x|)), which stays monotone in floating point
    where the plain quotient does not (near 2**53 the rounding of 1 + |x| makes it step back by an ULP)."""
    a = np.abs(_finite(x))
    small = x / (1 + a)
    large = np.copysign(1 - 1 / (1 + a), x)
    return np.where(a < 1, small, large)


def softsign_deriv(x: np.ndarray) -> np.ndarray:
    """1 / (1 + |x|)**2, squared after the division so it never overflows."""
    return np.square(1 / (1 + np.abs(x)))


def hardsigmoid(x: np.ndarray) -> np.ndarray:
    """relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1), PyTorch's piecewise-linear sigmoid."""
    return np.clip(x / 6 + 0.5, 0, 1)


def hardsigmoid_deriv(x: np.ndarray) -> np.ndarray:
    """1/6 for -3 < x < 3, else 0."""
    return _indicator_open(x, -3.0, 3.0) / 6


def hardswish(x: np.ndarray) -> np.ndarray:
    """x relu6(x + 3) / 6 (MobileNetV3)."""
    return _no_neg_inf(x) * hardsigmoid(x)


def hardswish_deriv(x: np.ndarray) -> np.ndarray:
    """0 for x <= -3, (2x + 3) / 6 for -3 < x < 3, 1 for x >= 3 (PyTorch's values at the kinks)."""
    return np.where(x <= -3, 0, np.where(x >= 3, 1, x / 3 + 0.5)).astype(x.dtype, copy=False)


def hardtanh(x: np.ndarray, *, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    """clip(x, min_val, max_val)."""
    return np.clip(x, min_val, max_val)


def hardtanh_deriv(x: np.ndarray, *, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    """1 for min_val < x < max_val, else 0."""
    return _indicator_open(x, min_val, max_val)


def identity(x: np.ndarray) -> np.ndarray:
    """x (no activation: the linear network)."""
    return np.positive(x)


def identity_deriv(x: np.ndarray) -> np.ndarray:
    """1 everywhere (NaN at NaN)."""
    return np.where(np.isnan(x), x, 1).astype(x.dtype, copy=False)


# --- gated linear units --------------------------------------------------------------------
# Input (..., 2d) -> output (..., d): a * g(b) with a = x[..., :d], b = x[..., d:].
# The derivative has the input's shape: [d out / d a, d out / d b] = [g(b), a g'(b)].


def _halves(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = x.shape[-1] // 2
    return x[..., :d], x[..., d:]


def _gated(x: np.ndarray, gate) -> np.ndarray:
    a, b = _halves(x)
    with np.errstate(invalid="ignore", over="ignore"):  # inf * 0 in the product is NaN by design
        return a * gate(b)


def _gated_deriv(x: np.ndarray, gate, gate_deriv) -> np.ndarray:
    a, b = _halves(x)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.concatenate([gate(b), a * gate_deriv(b)], axis=-1)


def _gated_value_and_deriv(x: np.ndarray, gate_value_and_deriv) -> tuple[np.ndarray, np.ndarray]:
    a, b = _halves(x)
    g, dg = gate_value_and_deriv(b)
    with np.errstate(invalid="ignore", over="ignore"):
        return a * g, np.concatenate([g, a * dg], axis=-1)


def glu(x: np.ndarray) -> np.ndarray:
    """a sigma(b) (Dauphin et al. 2017)."""
    return _gated(x, sigmoid)


def glu_deriv(x: np.ndarray) -> np.ndarray:
    return _gated_deriv(x, sigmoid, sigmoid_deriv)


def reglu(x: np.ndarray) -> np.ndarray:
    """a max(0, b)."""
    return _gated(x, relu)


def reglu_deriv(x: np.ndarray) -> np.ndarray:
    return _gated_deriv(x, relu, relu_deriv)


def geglu(x: np.ndarray) -> np.ndarray:
    """a gelu(b)."""
    return _gated(x, gelu)


def geglu_deriv(x: np.ndarray) -> np.ndarray:
    return _gated_deriv(x, gelu, gelu_deriv)


def swiglu(x: np.ndarray) -> np.ndarray:
    """a silu(b) (the feed-forward of Llama, Mistral, Qwen)."""
    return _gated(x, silu)


def swiglu_deriv(x: np.ndarray) -> np.ndarray:
    return _gated_deriv(x, silu, silu_deriv)


def bilinear(x: np.ndarray) -> np.ndarray:
    """a b (the gate without a non-linearity)."""
    return _gated(x, identity)


def bilinear_deriv(x: np.ndarray) -> np.ndarray:
    return _gated_deriv(x, identity, identity_deriv)


# --- value and derivative together ---------------------------------------------------------
# Backpropagation needs f(z) and f'(z) for the same z; these functions return both and compute
# what they share once. An entry without one here gets the two calls (nothing to share).

FUSED = {
    sigmoid: sigmoid_value_and_deriv,
    tanh: tanh_value_and_deriv,
    relu: relu_value_and_deriv,
    leaky_relu: leaky_relu_value_and_deriv,
    gelu: gelu_value_and_deriv,
    gelu_tanh: gelu_tanh_value_and_deriv,
    silu: silu_value_and_deriv,
    quick_gelu: quick_gelu_value_and_deriv,
    mish: mish_value_and_deriv,
    glu: lambda x: _gated_value_and_deriv(x, sigmoid_value_and_deriv),
    reglu: lambda x: _gated_value_and_deriv(x, relu_value_and_deriv),
    geglu: lambda x: _gated_value_and_deriv(x, gelu_value_and_deriv),
    swiglu: lambda x: _gated_value_and_deriv(x, silu_value_and_deriv),
}


def value_and_deriv_of(fn, deriv):
    """The function returning (fn(x), deriv(x)) for an activation: its fused one, or both calls."""
    fused = FUSED.get(fn)
    if fused is not None:
        return fused
    return lambda x, **params: (fn(x, **params), deriv(x, **params))
