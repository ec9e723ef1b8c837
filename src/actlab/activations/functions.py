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


# erfcx(a) = exp(a**2) erfc(a) for 0 <= a <= 8 from a table, because scipy's erfcx is 3 to 8 ULP off there (8 near
# a = 0, 6 near 0.75, 5 near 2, against mpmath) and GELU's float64 tail carries that error into the value. The nodes
# a_k = k / 32 hold erfcx(a_k) correctly rounded and its rounding error (mpmath at 50 digits; checked node by node in
# tests/activations/test_gelu_erfcx_table.py); between them erfcx(a_k + h), |h| <= 1/64, is the Taylor polynomial of
# degree 8 in h, its coefficients from erfcx' = 2 a erfcx - 2/sqrt(pi): c_1 = 2 a_k c_0 - 2/sqrt(pi) and
# c_n = (2 a_k c_(n-1) + 2 c_(n-2)) / n. The terms left out are below 2**-58 of the value on every piece, so the
# result is within about 1.2 ULP on [0, 8]. Nine gathers from rows that stay in the L1 cache and sixteen in-place
# multiply-adds cost less than scipy's erfcx (17.5 against 22.6 ns per element, interleaved in one process here).
# Beyond a = 8 (x < -11.3, where scipy's erfcx is within 2 ULP) scipy's is called for those elements only.
_ERFCX_STEP = 32.0
_ERFCX_LAST = 8.0
_ERFCX_DEGREE = 8
_ERFCX_NODES = np.array([
    1.0, 0.9656922246177029, 0.9332062486492742, 0.902420231012487, 0.8732218450821508,
    0.8455074443022819, 0.819181308058672, 0.7941549594763992, 0.7703465477309968, 0.7476802882776933,
    0.7260859551237695, 0.7054984199062736, 0.6858572331012929, 0.667106243190532, 0.6491932500538647,
    0.6320696892495561, 0.6156903441929259, 0.6000130835545257, 0.5849986214749657, 0.5706102984393525,
    0.5568138808733625, 0.5435773777183817, 0.5308708724175545, 0.5186663689004205, 0.5069376502931449,
    0.4956601492060253, 0.4848108285616202, 0.4743680720269093, 0.464311583202669, 0.4546222928038186,
    0.4452822731368817, 0.4362746592457897, 0.427583576155807, 0.4191940716980815, 0.4110920544448305,
    0.40326423632801306, 0.3956980795529959, 0.3883817474536318, 0.3813040589667179, 0.37445444643233144,
    0.3678229164523611, 0.3614000135629346, 0.3551767864976341, 0.34914475683760793, 0.3432958898621254,
    0.33762256742895974, 0.33211756272837234, 0.32677401676755813, 0.3215854164543175, 0.3165455741595612,
    0.31164860864813004, 0.30688892727641626, 0.30226120936348594, 0.2977603906498997, 0.2933816487652772,
    0.28912038963190817, 0.2849722347374364, 0.28093300921488107, 0.27699873067305275, 0.2731655987248152,
    0.2694299851646704, 0.2657884247508369, 0.2622376065503814, 0.25877436580907515, 0.25539567631050575,
    0.25209864319160397, 0.24888049618416236, 0.2457385832541473, 0.24267036461265454, 0.23967340707424623,
    0.23674537874014628, 0.23388404398537602, 0.23108725873039188, 0.22835296597915436, 0.22567919160681937,
    0.22306404038141023, 0.22050569220490668, 0.2180023985601865, 0.21555247915117748, 0.21315431872443397,
    0.2108063640611436, 0.20850712112930544, 0.2062551523865009, 0.2040490742243104, 0.201887554546017,
    0.19976931046978044, 0.19769310614997299, 0.1956577507098379, 0.1936620962790687, 0.19170503613031434,
    0.18978550290899462, 0.18790246695116136, 0.1860549346844711, 0.1842419471076396, 0.18246257834403473,
    0.18071593426533003, 0.17900115118138996, 0.177317394592789, 0.17566385800258433, 0.1740397617841629,
    0.1724443521021736, 0.1708768998837317, 0.16933669983724775, 0.16782306951638862, 0.16633534842682188,
    0.16487289717353204, 0.1634350966466223, 0.16202134724363634, 0.1606310681265444, 0.15926369651164476,
    0.1579186869907276, 0.15659551088194226, 0.1552936556088943, 0.15401262410658073, 0.1527519342528475,
    0.1515111183241256, 0.15028972247426936, 0.14908730623538416, 0.14790344203959, 0.1467377147607241,
    0.14558972127503855, 0.14445907003999825, 0.14334538069033212, 0.1422482836505339, 0.1411674197630518,
    0.14010243993144383, 0.13905300477781452, 0.13801878431388243, 0.13699945762506138, 0.1359947125669697,
    0.13500424547381068, 0.1340277608780958, 0.13306497124120825, 0.13211559669432923, 0.13117936478927295,
    0.1302560102587985, 0.12934527478598792, 0.1284469067822996, 0.1275606611739247, 0.1266862991960926,
    0.12582358819498807, 0.12497230143695891, 0.12413221792470756, 0.1233031222201754, 0.12248480427384142,
    0.12167705926016988, 0.12087968741895448, 0.12009249390231745, 0.11931528862713332, 0.118547886132658,
    0.11779010544315296, 0.11704176993530459, 0.11630270721024731, 0.11557274897000766, 0.11485173089819488,
    0.11413949254477089, 0.1134358772147405, 0.11274073186060887, 0.11205390697846082, 0.11137525650752199,
    0.11070463773306863, 0.11004191119255828, 0.10938694058485879, 0.10873959268245878, 0.10809973724654746,
    0.10746724694485622, 0.10684199727215926, 0.10622386647333475, 0.1056127354688918, 0.10500848778287297,
    0.10441100947304524, 0.10382018906329642, 0.10323591747815693, 0.10265808797937048, 0.10208659610444017,
    0.10152133960707924, 0.10096221839949909, 0.10040913449646938, 0.09986199196108768, 0.09932069685219902,
    0.09878515717340754, 0.09825528282362489, 0.09773098554910245, 0.097212178896896, 0.09669877816971392,
    0.09619070038210167, 0.095687864217917, 0.09519018998905247, 0.09469759959536303, 0.09421001648575839,
    0.09372736562042129, 0.0932495734341142, 0.09277656780053835, 0.09230827799771057, 0.09184463467432451,
    0.09138556981706382, 0.09093101671883685, 0.0904809099479024, 0.09003518531785816, 0.08959377985846421,
    0.08915663178727438, 0.08872368048205034, 0.08829486645393313, 0.08787013132134842, 0.0874494177846225,
    0.08703266960128636, 0.0866198315620469, 0.08621084946740414, 0.08580567010489461, 0.08540424122694162,
    0.08500651152929384, 0.0846124306300339, 0.08422194904914018, 0.0838350181885845, 0.0834515903129499,
    0.08307161853055255, 0.08269505677505307, 0.0823218597875422, 0.08195198309908715, 0.08158538301372471,
    0.081222016591888, 0.08086184163425426, 0.08050481666600112, 0.08015090092145973, 0.07980005432915294,
    0.07945223749720762, 0.07910741169913021, 0.07876553885993515, 0.07842658154261602, 0.07809050293494968,
    0.07775726683662405, 0.0774268376466802, 0.0770991803512599, 0.07677426051165047, 0.07645204425261788,
    0.07613249825102088, 0.07581558972469768, 0.07550128642161812, 0.07518955660929383, 0.07488036906443923,
    0.07457369306287669, 0.07426949836967905, 0.07396775522954324, 0.07366843435738842, 0.07337150692917299,
    0.07307694457292443, 0.07278471935997603, 0.07249480379640554, 0.07220717081466976, 0.07192179376543048,
    0.07163864640956619, 0.07135770291036507, 0.07107893782589438, 0.0708023261015415, 0.07052784306272249,
    0.07025546440775347, 0.06998516620088092,
])
_ERFCX_NODES_LO = np.array([
    0.0, 1.0253045396574566e-17, -3.9631407972607396e-17, -4.6016605249683784e-17,
    -2.8597780263826275e-17, 2.806150061271813e-17, -2.459163903921813e-17, -4.466287674259687e-18,
    -1.1815041295276343e-17, 8.358859027429863e-18, -5.511781191081433e-17, -1.0902178690760455e-17,
    -8.072719496056782e-18, -4.992387879100336e-17, -5.9944053447945064e-18, -9.972194016836704e-18,
    -2.312175868623341e-17, -4.482808354591297e-17, 4.7784984540850874e-17, -2.2394202361767747e-17,
    2.8215672146600085e-17, 2.6471012095392993e-17, -1.0030604062065153e-17, 3.617476764130089e-17,
    -5.335681035462232e-17, 1.3940754422730748e-17, -5.141840709722258e-18, -1.413852918330712e-17,
    -1.851963727754574e-17, -1.0524540675125584e-17, -2.706948412783759e-19, -2.0268827041358723e-18,
    5.235737283314228e-18, -8.503421494787743e-18, -5.998875823024191e-18, 1.0090450509062715e-17,
    -5.777675056089129e-18, 1.5640373630453563e-18, 2.4385614780439575e-17, -5.0381273677112385e-18,
    1.387401093925035e-19, -1.175802975917735e-17, 2.175643187426919e-17, 9.863996767286313e-18,
    -1.1924063146768541e-17, -2.3120411392104316e-17, -3.8107541501797946e-18, -8.713348152328096e-18,
    1.7007985607722196e-17, 3.974543439010561e-18, 9.803725035280286e-18, 2.4059367485854765e-17,
    -2.1300243845955138e-17, 8.483366962685218e-18, 1.2539183337610923e-17, 1.3066344962672667e-17,
    8.539813023973122e-18, -1.2823215691332933e-17, -5.297226982239571e-19, 2.340120606997697e-17,
    2.4834579724134718e-17, 2.1772950783579043e-17, 1.9732077324349804e-17, 2.7192772494523266e-17,
    -4.276022290165946e-18, -1.5465111692750618e-17, 2.586404163293881e-18, 7.007237558520663e-18,
    8.859480007862904e-18, 4.447635612682249e-18, 6.033493354190935e-18, 4.026749669173166e-18,
    -5.74762364596782e-18, -1.2426093496190498e-17, 1.226053071586004e-17, -2.1235576863136835e-18,
    -1.3461229599930757e-17, -1.2957456881768316e-17, 9.862318426802076e-18, -5.316933148721259e-18,
    -5.6277259093102524e-18, 1.3492966074458903e-17, -1.3203291610029131e-17, 1.1647908834597757e-17,
    3.2903559088569845e-18, -1.1872434689525363e-17, -1.2257366840996107e-17, -7.435156849424988e-18,
    -1.2015846532739174e-17, 8.879534366766945e-18, -8.701310755605817e-19, 4.104816868834571e-18,
    7.76667829835616e-18, -9.168991240599144e-18, -1.3752026400767285e-17, 4.0461231529965484e-19,
    -5.4272175920200274e-18, -2.439186527929475e-18, 7.661583175305738e-18, 1.3313051439038957e-17,
    9.753823401573308e-18, -2.3233405046029395e-18, 1.2479681676450121e-17, -6.5838351130064765e-18,
    -6.133416339501975e-19, -1.2006634731109237e-17, 4.318675563398527e-18, -1.0221927937739509e-17,
    2.4080744685198277e-18, 2.881084505576656e-18, -4.557341020264224e-18, -8.169622480974896e-18,
    -1.355844542216092e-18, 1.8022636366177193e-18, -1.6228857677412594e-18, -4.1609717286093825e-18,
    -1.3715686864572673e-19, 1.2289758315440995e-17, -2.3466840457189596e-18, 2.026581514595107e-18,
    -1.3715647344444334e-17, 7.725083452162167e-18, -1.3497708015486875e-17, -7.426708773344122e-18,
    -1.2534194691366023e-17, -1.1804053151274905e-17, 8.327521565006826e-18, 6.082453292338086e-18,
    7.196568139158719e-18, -3.983278649539748e-18, -1.7674297902750066e-18, 8.648368919970054e-18,
    4.18468650022013e-18, 1.3641265777338743e-17, 9.917327852548494e-18, -6.382822699536386e-18,
    -1.2917508513157319e-17, -9.946833510434436e-18, -4.112321115026369e-18, -7.77943398475208e-18,
    1.731149258735859e-18, 3.761865643080755e-18, -3.508744979119618e-18, 5.6077640254380804e-18,
    -6.888693135744294e-18, -5.328747816002247e-18, -1.8193359954215578e-18, -6.588513667805933e-18,
    4.9083845554602595e-18, 6.764506324680568e-18, -4.609817941680263e-18, 2.728943999147737e-19,
    -3.1774786879972914e-18, 6.336731382798894e-18, -1.8272480653974452e-18, -3.017020385435573e-19,
    -2.83995804299078e-18, 1.1731301495015258e-18, 6.098346724019532e-18, -4.841951863320408e-18,
    -1.832347493639739e-18, -2.13492501796318e-18, -3.823217287270128e-18, 3.421505451094775e-18,
    2.17250001322154e-18, -6.566131412142286e-18, -1.5311996085680616e-18, 8.094360039490166e-19,
    2.7634215791419046e-18, -3.089652092868158e-18, 1.9137937285391197e-18, 4.670223565142462e-18,
    3.865003583278955e-19, 4.3964839651392295e-18, 5.921804221823276e-19, -6.8541688532663124e-18,
    -4.702857612943069e-18, -3.580791655244534e-18, -5.29593784797282e-18, 4.026992695964189e-18,
    3.3128178290144176e-18, 3.0941341580389408e-18, -1.4262105497003943e-18, -4.5308305254248594e-18,
    -1.7756572733539565e-18, -4.109286488336779e-18, 4.0997697287911295e-18, 9.708122250307904e-19,
    -5.469015376166855e-18, -2.2345983096905518e-18, 5.583040655398738e-18, 3.124989486423206e-18,
    6.215364755528485e-18, 6.364434109445714e-18, -5.4229785635626416e-18, 1.3644992931414562e-18,
    -2.7937537192184287e-18, -5.382281462960401e-18, 5.761798183353556e-18, -5.317974410783433e-19,
    5.224908596182542e-18, 3.2828916116232087e-18, -2.3988503151125568e-18, 1.350694740033179e-18,
    3.3149485938623315e-18, -2.965979129937148e-18, -2.9431858155867757e-18, 4.0106911160100713e-19,
    -5.6638269407756325e-18, 4.337984819166966e-18, 1.3516459715539944e-19, -2.400122989496062e-18,
    -4.206528381212926e-18, -1.4372612606419694e-18, -1.428060908530981e-19, 2.789050185189543e-18,
    -6.7623839302257225e-18, -5.734258255213129e-18, 4.1757668052469737e-19, -5.225910044227964e-18,
    -5.67597234333803e-19, -6.397206825454352e-18, -2.437756489338437e-18, 5.902726997559944e-19,
    -2.793400309870084e-18, -3.557201030201394e-18, -3.2336543040676024e-18, 6.1967820424576244e-18,
    -2.2854262059928317e-18, 1.923631394063239e-18, 6.425190602170025e-18, -5.010008209075467e-18,
    2.2284983518708047e-18, -5.843160594769723e-18, 3.6774962797526885e-18, 4.724369468865331e-18,
    -2.7645876350134914e-18, 6.0764173343960166e-18, 1.956040145471356e-18, -6.407569142898887e-18,
    -3.416395861455172e-18, 4.497860221606965e-18, 8.789017545763444e-19, -1.3381048478481635e-18,
    6.7967151635116e-18, -5.640239892088281e-18, 3.4042160074288817e-18, -1.6280453770116334e-18,
    -2.7731997830403537e-18, -3.297136231559589e-18, -2.209492550143716e-18, 4.8905167871568595e-18,
    3.3785064809843427e-18, 5.1958914387921e-18, -7.377833715577769e-19, -3.156259612360476e-18,
    3.2863406596468746e-18,
])


def _erfcx_taylor_coefficients() -> tuple[np.ndarray, ...]:
    """Rows c_0 .. c_DEGREE of the Taylor polynomials about the nodes, each a contiguous array over the nodes."""
    a = np.arange(_ERFCX_NODES.size) / _ERFCX_STEP
    c = [_ERFCX_NODES, 2 * a * (_ERFCX_NODES + _ERFCX_NODES_LO) - TWO_OVER_SQRT_PI]
    for n in range(2, _ERFCX_DEGREE + 1):
        c.append((2 * a * c[n - 1] + 2 * c[n - 2]) / n)
    return tuple(c)


_ERFCX_COEFFICIENTS = _erfcx_taylor_coefficients()


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


def _gelu(x: np.ndarray, value: bool, deriv: bool):
    kernels = _kernels_for(x)
    if kernels is not None:  # float64: the compiled kernel hands x <= _GELU_FAR_LEFT to _gelu_far_left itself
        kernel = kernels.gelu_float32 if x.dtype == np.float32 else kernels.gelu_float64
        return _compiled_pair(kernel, x, value, deriv)[:2]
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
    if far:
        left = x < -19.0  # a superset of t < -600 (x < -19.9); the NumPy path is as accurate there
        v, d = _gelu_tanh_float64(x[left], value, deriv)
        if value:
            out_value[left] = v
        if deriv:
            out_deriv[left] = d
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
