"""Compiled (numba) value-and-derivative kernels for sigmoid, tanh, leaky ReLU, SiLU / swish / quick GELU, GELU and
gelu_tanh, and the network engine's fused steps (bias and tanh in the forward pass, da f'(z) and db in the backward).

Imported only through ``_compiled.kernels()``, never by ``import actlab``: importing numba and compiling
cost seconds, so this module loads on the first call that can use it (and numba's on-disk cache makes
later processes load the compiled code instead of compiling it again).

Every kernel is one loop over the elements with no call into the C library: the exponential is
``_exp`` below (Tang's table method: 2**(j/64) from a table, a degree-6 polynomial, and 2**n built from
the bits of the rounded argument), so LLVM turns the loop into SIMD code (4 float64 lanes on AVX2). The
one call is glibc's erfc in the float64 GELU kernel, in a second, scalar pass over the few blocks that
hold an x below -11.3. The formulas
are those of the NumPy kernels in functions.py, element by element, and are held to the same ULP bounds
(tests/activations/test_accuracy.py runs with this path on and off). No fastmath, except contraction in the tanh
kernels (see _TANH_FLAGS): the double-double steps (two_prod_const) need every product rounded as written.

Each kernel writes both the value and the derivative (a loop with a store under a run-time flag was not
vectorised, and the derivative's few extra operations cost less than that). error_model="numpy": a division
by zero gives inf or NaN instead of raising, which lets LLVM vectorise the divisions (none can be by zero here).
Single-threaded: the callers (the network engine, the benchmark against one-thread PyTorch) are.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from . import _erfcx_table as T
from ._numerics import split_const, two_prod

# exp(x) = 2**(k/64) exp(r) with k = round(64 x / ln 2) and r = x - k ln(2)/64, |r| <= ln(2)/128 (Tang's method, as
# in ARM's optimized-routines): 2**(j/64), j = k mod 64, comes from a table as a sum hi + lo (rounded from mpmath,
# tests/activations/test_compiled.py checks them), 2**(k div 64) is built from integer bits, and exp(r) - 1 is a
# degree-6 Taylor polynomial (truncation below 3e-20 relative). The result is hi + (lo + hi (exp(r) - 1)) rounded
# once, then scaled: within about 0.51 ULP. ln(2)/64 = _LN2_64_HI + _LN2_64_LO, the head with 32 significant bits,
# so k _LN2_64_HI is exact for |k| < 2**21.
_INV_LN2_64 = 92.33248261689366  # 64 / ln 2
_LN2_64_HI = 0.01083042469326756
_LN2_64_LO = 2.9815858269852933e-12
_SHIFT = 6755399441055744.0  # 1.5 * 2**52: y + _SHIFT rounds y to an integer held in the low bits
_SHIFT_BITS = 0x4338000000000000  # the bit pattern of _SHIFT
_EXP_HI = 710.0  # exp overflows to inf above 709.78
_EXP_LO = -746.0  # and rounds to 0 below -745.13
_C2, _C3, _C4, _C5, _C6 = 0.5, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0
_EXP2_HI = np.array((
    1.0, 1.0108892860517005, 1.0218971486541166, 1.0330248790212284,
    1.0442737824274138, 1.0556451783605572, 1.0671404006768237, 1.0787607977571199,
    1.0905077326652577, 1.102382583307841, 1.1143867425958924, 1.1265216186082418,
    1.1387886347566916, 1.1511892299529827, 1.1637248587775775, 1.1763969916502812,
    1.189207115002721, 1.202156731452703, 1.215247359980469, 1.22848053610687,
    1.241857812073484, 1.255380757024691, 1.2690509571917332, 1.2828700160787783,
    1.2968395546510096, 1.3109612115247644, 1.3252366431597413, 1.339667524053303,
    1.3542555469368927, 1.3690024229745905, 1.383909881963832, 1.3989796725383112,
    1.4142135623730951, 1.42961333839197, 1.4451808069770467, 1.460917794180647,
    1.4768261459394993, 1.4929077282912648, 1.5091644275934228, 1.5255981507445384,
    1.5422108254079407, 1.559004400237837, 1.5759808451078865, 1.593142151342267,
    1.6104903319492543, 1.6280274218573478, 1.645755478153965, 1.6636765803267364,
    1.681792830507429, 1.7001063537185235, 1.718619298122478, 1.7373338352737062,
    1.7562521603732995, 1.7753764925265212, 1.7947090750031072, 1.8142521755003989,
    1.8340080864093424, 1.8539791250833855, 1.8741676341103, 1.8945759815869656,
    1.9152065613971474, 1.9360617934922943, 1.9571441241754002, 1.978456026387951,
))
_EXP2_LO = np.array((
    0.0, -1.5234778603368577e-17, 5.109225028973444e-17, 7.600838874027088e-18,
    8.551889705537965e-17, 1.759325738772092e-18, -7.899853966841582e-17, -6.656660436056593e-17,
    -3.046782079812471e-17, 5.2660368715706944e-17, 1.0410278456845571e-16, 5.165856758795457e-17,
    8.912812676025408e-17, 3.250710218863827e-17, 3.8292048369240935e-17, 5.554203254218079e-17,
    3.982015231465646e-17, 6.644981499252301e-17, -7.712630692681488e-17, -1.89878163130253e-17,
    4.658027591836937e-17, -6.7113898212968784e-18, 2.667932131342186e-18, 1.713594918243561e-17,
    2.5382502794888315e-17, -7.181536135519454e-17, -2.8587312100388614e-17, 8.927282594831732e-17,
    7.70094837980299e-17, 9.593797919118849e-17, -6.770511658794786e-17, -9.614213209051323e-17,
    -9.667293313452913e-17, -1.2031642489053655e-17, -3.0237581349939873e-17, -5.600377186075216e-17,
    -3.483994556892796e-17, 1.4192920154284036e-17, -1.016455327754295e-16, -1.1024941712342561e-16,
    7.949834809697621e-17, 3.7812070533575275e-17, -1.0136916471278304e-17, -1.0094406542311964e-16,
    2.4707192569797888e-17, -6.712955084707084e-17, -1.0125679913674773e-16, 5.8909926967131e-17,
    8.199010020581497e-17, -8.0237193703977e-18, -1.851380418263111e-17, 3.164389299292957e-17,
    2.960140695448873e-17, 6.429731796556572e-17, 1.8227458427912087e-17, -9.969531538920349e-17,
    3.283107224245627e-17, 9.761887490727594e-17, -6.122763413004143e-17, 3.4034035352165297e-17,
    -1.0619946056195963e-16, 1.0332385960676326e-16, 8.960767791036668e-17, 4.0388753109278167e-17,
))


_F64_MAX = 1.7976931348623157e308
# Dekker's exact product, the NumPy module's own function compiled for scalars (its splitter a constant)
_two_prod = njit(inline="always", cache=True, error_model="numpy")(two_prod)


@njit(inline="always", cache=True, error_model="numpy")
def _exp_plus(x, dx):
    """exp(x + dx) for a correction |dx| <= 2**-40 |x| (the rounding error of x), dx added to the reduced argument
    r (|r| <= ln(2)/128): rounded once, so within about 0.51 ULP, where exp(x) (1 + dx) would round twice. With
    dx = 0 it is _exp: see there for the range; a dx is meant for x above -709 (the GELU kernel's use)."""
    x = _EXP_HI if x > _EXP_HI else x
    x = _EXP_LO if x < _EXP_LO else x
    t = x * _INV_LN2_64 + _SHIFT
    kf = t - _SHIFT
    r = ((x - kf * _LN2_64_HI) - kf * _LN2_64_LO) + dx
    p = ((((_C6 * r + _C5) * r + _C4) * r + _C3) * r + _C2) * (r * r) + r
    k = np.float64(t).view(np.int64) - _SHIFT_BITS
    j = k & 63
    m = k >> 6
    hi = _EXP2_HI[j]
    y = hi + (_EXP2_LO[j] + hi * p)
    m1 = m >> 1
    s1 = np.int64((m1 + 1023) << 52).view(np.float64)
    s2 = np.int64((m - m1 + 1023) << 52).view(np.float64)
    return y * s1 * s2


@njit(inline="always", cache=True, error_model="numpy")
def _exp(x):
    """exp(x) for float64 x, within about 0.51 ULP; inf above 709.78, 0 below -745.13 (subnormal results rounded
    once), NaN for NaN. Branch-free: the clamps are selects, and the power of two is two factors 2**m1 2**m2 built
    from integer bits, so that m from -1077 to 1025 needs no special case for subnormal results or overflow."""
    return _exp_plus(x, 0.0)  # r + 0.0 is r (a zero's sign does not reach the result)


@njit(inline="always", cache=True, error_model="numpy")
def _exp_and_expm1(x):
    """(exp(x), exp(x) - 1) for float64 x, each within about 0.6 ULP: _exp's steps, with the table's head scaled,
    a = 2**(k/64), kept apart from the small rest c, so that exp(x) - 1 = (a - 1) + c loses nothing (a - 1 is
    exact for a in [1/2, 2], and near x = 0, k = 0 and the result is the polynomial's exp(r) - 1 itself)."""
    x = _EXP_HI if x > _EXP_HI else x
    x = _EXP_LO if x < _EXP_LO else x
    t = x * _INV_LN2_64 + _SHIFT
    kf = t - _SHIFT
    r = (x - kf * _LN2_64_HI) - kf * _LN2_64_LO
    p = ((((_C6 * r + _C5) * r + _C4) * r + _C3) * r + _C2) * (r * r) + r
    k = np.float64(t).view(np.int64) - _SHIFT_BITS
    j = k & 63
    m = k >> 6
    hi = _EXP2_HI[j]
    m1 = m >> 1
    s1 = np.int64((m1 + 1023) << 52).view(np.float64)
    s2 = np.int64((m - m1 + 1023) << 52).view(np.float64)
    a = hi * s1 * s2
    c = (_EXP2_LO[j] + hi * p) * s1 * s2
    return a + c, (a - 1.0) + c


@njit(inline="always", cache=True, error_model="numpy")
def _no_neg_inf(x):
    """-inf -> the most negative float64 (so x * 0 = -0.0); NaN passes."""
    return -_F64_MAX if x < -_F64_MAX else x


@njit(inline="always", cache=True, error_model="numpy")
def _clip(x, lo, hi):
    """min(max(x, lo), hi) with NaN passing."""
    x = hi if x > hi else x
    return lo if x < lo else x


@njit(cache=True, error_model="numpy")
def exp_array(x, out):
    """out[i] = _exp(x[i]) (float64): for the tests of _exp itself."""
    for i in range(x.size):
        out[i] = _exp(x[i])


@njit(cache=True, error_model="numpy")
def sigmoid_value(x, out_value):
    """sigma(x) alone (the network's forward pass, which takes sigma' from the output)."""
    for i in range(x.size):
        xi = np.float64(x[i])
        e = _exp(-abs(xi))
        out_value[i] = (1.0 if xi >= 0 else e) * (1.0 / (1.0 + e))  # as in sigmoid() below, bit for bit


@njit(cache=True, error_model="numpy")
def sigmoid(x, out_value, out_deriv):
    """sigma(x) and sigma'(x) from e = exp(-|x|) (functions._sigmoid_and_slope): sigma = max(e, [x >= 0]) / (1 + e)
    and sigma' = e / (1 + e)**2, neither of which overflows; below -745 e and both results are 0."""
    for i in range(x.size):
        xi = np.float64(x[i])
        e = _exp(-abs(xi))
        rq = 1.0 / (1.0 + e)  # one division serves both (float64 sigma' stays within 3 ULP this way)
        out_value[i] = (1.0 if xi >= 0 else e) * rq
        out_deriv[i] = (e * rq) * rq


@njit(inline="always", cache=True, error_model="numpy")
def _tanh_abs(a, e, m):
    """tanh(a) for a = |x| from e = exp(-2a) and m = e - 1: below a = 0.55, -m / (2 + m) (no cancellation) with the
    rounding of 2 + m put back; above, 1 - 2e / (1 + e), whose one rounding near 1 is half an ULP (the first form's
    2 + m, in [1, 2), would cost an ULP of the result there). Large a gives 1 exactly, NaN stays NaN."""
    d = 2.0 + m
    d_err = (2.0 - d) + m  # d + d_err = 2 + m exactly (Fast2Sum, |m| <= 1): the rounding of d would cost 2 ULP
    small = -m / d
    small = small - (small * d_err) / d
    big = 1.0 - 2.0 * e / (1.0 + e)
    return big if a > 0.55 else small


# The tanh kernels allow LLVM to contract a product and a sum into one fused multiply-add (fastmath "contract" only):
# they hold no error-free product that needs its rounding, the polynomial and the table step only gain from it, and the
# loop is a fifth faster (200 -> 160 us for 65536 float64 on Sapphire Rapids). The grid's worst errors are unchanged
# (2 ULP value, 4 derivative). Every tanh kernel computes an element through _tanh_one with the same flags, so all
# give the same bits.
_TANH_FLAGS = {"contract"}


@njit(inline="always", cache=True, error_model="numpy", fastmath=_TANH_FLAGS)
def _tanh_one(xi):
    """tanh(xi) from _tanh_abs, the sign of xi put back with copysign (which keeps -0.0)."""
    a = abs(xi)
    e, m = _exp_and_expm1(-2.0 * a)
    return math.copysign(_tanh_abs(a, e, m), xi)


@njit(cache=True, error_model="numpy", fastmath=_TANH_FLAGS)
def tanh_value(x, out_value):
    """tanh(x) (float64)."""
    for i in range(x.size):
        out_value[i] = _tanh_one(np.float64(x[i]))


@njit(cache=True, error_model="numpy", fastmath=_TANH_FLAGS)
def add_bias_tanh(z, bias, out):
    """The network's hidden tanh layer after its product: z += bias (row by row, in place, as np.add) and out =
    tanh(z) in one pass, the same bits as tanh_value. z and out: (N, H) C-contiguous float64; bias: (H,)."""
    n, h = z.shape
    for i in range(n):
        for j in range(h):
            zi = z[i, j] + bias[j]
            z[i, j] = zi
            out[i, j] = _tanh_one(zi)


@njit(cache=True, error_model="numpy", fastmath=_TANH_FLAGS)
def tanh(x, out_value, out_deriv):
    """tanh(x) as tanh_value, and tanh'(x) = sech(x)**2 = 4e / (1 + e)**2 with e = exp(-2|x|) (functions.tanh_deriv's
    formula)."""
    for i in range(x.size):
        xi = np.float64(x[i])
        a = abs(xi)
        e, m = _exp_and_expm1(-2.0 * a)
        out_value[i] = math.copysign(_tanh_abs(a, e, m), xi)  # _tanh_one's steps, e shared with the derivative
        q = 1.0 + e
        out_deriv[i] = 4.0 * e / (q * q)


def _is_float32(x):
    """Whether x is a float32 array, as a constant of each compiled version of the calling kernel."""
    return x.dtype == np.float32


@overload(_is_float32, inline="always")
def _is_float32_compiled(x):
    single = x.dtype == types.float32
    return lambda x: single


def _one(x):
    """1 in the type of the float x, as a constant of each compiled version of the calling kernel."""
    return 1.0


@overload(_one, inline="always")
def _one_compiled(x):
    if x == types.float32:
        return lambda x: np.float32(1.0)
    return lambda x: 1.0


@njit(cache=True, error_model="numpy")
def swish(x, beta, beta_lo, correct, out_value, out_deriv):
    """x sigma(b x) and sigma(b x) + b x sigma'(b x), b = beta + beta_lo, from e = exp(-|p|) with p = fl(beta x).

    As functions._sigmoid_scaled: sigma = max(e, [p >= 0]) / (1 + e) never overflows, and with ``correct`` the
    rounding error err of beta x (two_prod_const, Dekker) is put back to first order: sigma(p + err) =
    sigma(p) + sigma'(p) err, sigma'(p + err) = sigma'(p) + sigma''(p) err. Without it (float32 input, or
    beta = 1) p = beta x in float64. x is clipped to +-1e4 where sigma has long saturated, so that no
    inf * 0 arises; the value's factor x keeps its size (-inf as the most negative float, giving -0.0).
    Returns how many elements have p < -700, whose float64 results the caller replaces
    (functions._mend_swish_far_left: sigma(p) nears the subnormal range there while x sigma(p) need not).
    """
    far = 0
    # for float32 x the loop has no correction (float32 callers pass correct=False; as a run-time flag it left its steps
    # in the vectorised loop as selects) and one division
    single = _is_float32(x)
    for i in range(x.size):
        xi = np.float64(x[i])
        xc = _clip(xi, -1e4, 1e4)
        p = xc * beta
        err = 0.0
        if correct and not single:
            p, err = _two_prod(xc, beta)
            err += xc * beta_lo
        e = _exp(-abs(p))
        q = 1.0 + e
        if single:  # one division serves sigma(p) and sigma(-p): its extra rounding (1e-16) cannot show in float32
            rq = 1.0 / q
            s = (1.0 if p >= 0 else e) * rq
            s_neg = (e if p >= 0 else 1.0) * rq
        else:
            s = (1.0 if p >= 0 else e) / q
            s_neg = (e if p >= 0 else 1.0) / q
        ds = s * s_neg
        if correct and not single:
            d2s = ds * (s_neg - s)
            s = s + ds * err
            ds = ds + d2s * err
        far += p < -700.0
        out_value[i] = _no_neg_inf(xi) * s
        out_deriv[i] = s + ds * (beta * xc)
    return far


@njit(cache=True, error_model="numpy")
def leaky_relu(x, slope, keep, out_value, out_deriv):
    """functions.leaky_relu and leaky_relu_deriv in one pass, bit for bit: max(x, slope x) with NaN passing (as
    np.maximum), and [x > 0] keep + slope with NaN at NaN. slope and keep = 1 - slope come in x's type, as NumPy rounds
    the Python floats for a float32 array."""
    for i in range(x.size):
        xi = x[i]
        xs = xi * slope
        out_value[i] = xi if (xi >= xs or xi != xi) else xs
        one = _one(xi)
        d = (one if xi > 0 else one - one) * keep + slope
        out_deriv[i] = xi if xi != xi else d


# --- the network's backward step: dz = da f'(z) with f' from the output a, and db = dz summed over the batch ----------
# network._SLOPE_FROM_OUTPUT_INTO writes f'(z) into an array and multiplies da by it (two or three NumPy passes), and
# the next layer's backward sums the rows with np.add.reduce(dz, axis=0); these do all of it in one pass, element by
# element with the same roundings in the same order (NumPy's reduction over the rows of a C-contiguous array starts
# from 0 and adds row after row), so da and db get the same bits. Compiled for float32 and float64 (_one: a Python 1.0
# would make float32 arithmetic float64). a, da: (N, H) C-contiguous; db: (H,).


@njit(inline="always", cache=True, error_model="numpy")
def _tanh_slope(ai):
    return _one(ai) - ai * ai


@njit(inline="always", cache=True, error_model="numpy")
def _sigmoid_slope(ai):
    return ai * (_one(ai) - ai)


@njit(inline="always", cache=True, error_model="numpy")
def _relu_slope(ai):
    one = _one(ai)
    return one if ai > 0 else one - one  # [a > 0] as 1 or +0 (da * 0 stays NaN where da is NaN or infinite)


@njit(inline="always", cache=True, error_model="numpy")
def _times_slope_and_sum(slope, a, da, db):
    n, h = a.shape
    for j in range(h):
        db[j] = 0
    for i in range(n):
        for j in range(h):
            v = da[i, j] * slope(a[i, j])
            da[i, j] = v
            db[j] = db[j] + v


@njit(cache=True, error_model="numpy")
def times_tanh_slope(a, da, db):
    """da *= 1 - a**2 (tanh' from its output a), db = da summed over the rows."""
    _times_slope_and_sum(_tanh_slope, a, da, db)


@njit(cache=True, error_model="numpy")
def times_sigmoid_slope(a, da, db):
    """da *= a (1 - a) (sigma' from its output a), db = da summed over the rows."""
    _times_slope_and_sum(_sigmoid_slope, a, da, db)


@njit(cache=True, error_model="numpy")
def times_relu_slope(a, da, db):
    """da *= [a > 0] (ReLU' from its output a, 0 at the kink), db = da summed over the rows."""
    _times_slope_and_sum(_relu_slope, a, da, db)


# The float32 GELU's rational Mills ratio (functions._MILLS_P, _MILLS_Q: relative error 7.1e-9 on [0, 16]).
_P0, _P1, _P2, _P3, _P4 = 1.000009244111688, 9.791719699772631, 43.89480675736834, 104.47534944917703, \
    118.42325670747398
_Q0, _Q1, _Q2, _Q3, _Q4 = 9.792242978222989, 44.88214693056556, 114.44251237310716, 158.74990149015545, \
    94.48808749776258
_LN_SQRT_2PI = 0.9189385332046728


@njit(cache=True, error_model="numpy")
def gelu_float32(x, out_value, out_deriv):
    """functions._gelu_block_float32 element by element: phi(x) from one exponential (x**2 / 2 exact in float64),
    the tail T = phi R(min(|x|, 16)), Phi = 1 - T for x >= 0 and T below, value x Phi and derivative Phi + x phi,
    each rounded once to float32. Beyond |x| ~ 39 phi is 0; x is clipped to +-1e4 in x phi (no inf * 0)."""
    for i in range(x.size):
        xi = np.float64(x[i])
        phi = _exp(xi * xi * -0.5 - _LN_SQRT_2PI)
        a = abs(xi)
        a = 16.0 if a > 16.0 else a
        num = (((_P0 * a + _P1) * a + _P2) * a + _P3) * a + _P4
        den = ((((a + _Q0) * a + _Q1) * a + _Q2) * a + _Q3) * a + _Q4
        tail = phi * (num / den)
        cdf = 1.0 - tail if xi >= 0 else tail
        out_value[i] = _no_neg_inf(xi) * cdf
        out_deriv[i] = cdf + _clip(xi, -1e4, 1e4) * phi


_GT_C1 = 1.5957691216057308  # 2 sqrt(2/pi)
_GT_C3 = 0.07135481627260025  # 2 sqrt(2/pi) 0.044715


@njit(cache=True, error_model="numpy")
def gelu_tanh_float32(x, out_value, out_deriv):
    """functions._gelu_tanh_block_float32 element by element: x sigma(t), t = x (c1 + c3 x**2) in float64, sigma
    and sigma' from e = exp(-|t|); derivative sigma(t) + x sigma'(t) dt/dx with x clipped to +-1e4 there."""
    for i in range(x.size):
        xi = np.float64(x[i])
        sq = xi * xi
        t = (sq * _GT_C3 + _GT_C1) * xi
        e = _exp(-abs(t))
        rq = 1.0 / (1.0 + e)
        s = (1.0 if t >= 0 else e) * rq
        out_value[i] = _no_neg_inf(xi) * s
        xc = _clip(xi, -1e4, 1e4)
        out_deriv[i] = s + ((e * rq) * rq) * ((xc * xc) * (3 * _GT_C3) + _GT_C1) * xc


_GT_C1_HEAD, _GT_C1_TAIL = 1.5957691216062813, -5.505482686972437e-13
_GT_C3_HEAD, _GT_C3_TAIL = 0.07135772705078125, -2.9107781810012236e-06
_SPLIT_13_BITS = 2.0**40 + 1


@njit(cache=True, error_model="numpy")
def gelu_tanh_float64(x, out_value, out_deriv):
    """functions._gelu_tanh_float64 element by element (t + t_err = 2u to about 1e-17 absolute from the 13-bit
    split of x, sigma(t + t_err) and sigma'(t + t_err) to first order), and returns how many elements have
    t < -600 (x below about -19.9), whose results the caller must replace: there sigma(t) nears float64's
    subnormal range while x sigma(t) need not, and functions._gelu_tanh_float64 writes them another way."""
    far = 0
    for i in range(x.size):
        xi = x[i]
        xc = _clip(xi, -30.0, 30.0)
        h = xc * _SPLIT_13_BITS
        h = h - (h - xc)
        lo = xc - h
        h2 = h * h
        h3 = h2 * h
        sq = xc * xc
        d3 = (((xc * h) + sq) + h2) * lo
        small = lo * _GT_C1_HEAD + _GT_C1_TAIL * xc + _GT_C3_HEAD * d3 + (d3 + h3) * _GT_C3_TAIL
        a1 = h * _GT_C1_HEAD
        a2 = h3 * _GT_C3_HEAD
        head = a1 + a2
        bb = head - a1
        head_err = (a1 - (head - bb)) + (a2 - bb)
        t = head + small
        t_err = (small - (t - head)) + head_err
        e = _exp(-abs(t))
        q = 1.0 + e
        s = (1.0 if t >= 0 else e) / q
        s_neg = (e if t >= 0 else 1.0) / q
        ds = s * s_neg
        gate = s + ds * t_err
        far += t < -600.0
        out_value[i] = _no_neg_inf(xi) * gate
        dsc = ds + ds * (s_neg - s) * t_err
        out_deriv[i] = gate + dsc * xc * (sq * (3 * _GT_C3) + _GT_C1)
    return far


# --- exact GELU, float64 ---------------------------------------------------------------------------------------------
# functions._normal_cdf_pdf element by element: z + dz = -x / sqrt 2 split exactly, exp(-z**2) from an exact square,
# the tail T = erfc(|z + dz|) / 2 = exp(-z**2) (erfcx(|z|) - 2/sqrt(pi) sign(z) dz) / 2, Phi = |[z <= 0] - T| and
# phi = exp(-(z + dz)**2) / sqrt(2 pi). erfcx(a) on [0, 8] comes from _erfcx_table (the NumPy path's: a degree-8
# Taylor polynomial about a_k = k / 32, within about 1.2 ULP): nine gathers and multiply-adds and no call into the C
# library, so the loop is SIMD code. The few elements with z > 8 (x below -11.3) take glibc's erfc(z) (within 2.7 ULP
# there, against mpmath) in a scalar pass over their block only; those at or below functions._GELU_FAR_LEFT (-37,
# where exp(-z**2) nears the subnormal range) are counted, and functions._gelu writes them (_gelu_far_left).
_SQRT_HALF = 0.7071067811865476
_SQRT_HALF_LO = -4.833646656726457e-17  # 1/sqrt(2) - _SQRT_HALF
_SQRT_HALF_HEAD, _SQRT_HALF_TAIL = split_const(_SQRT_HALF)
_TWO_OVER_SQRT_PI = 1.1283791670955126
_INV_SQRT_2PI = 0.3989422804014327
_SPLITTER = 134217729.0  # 2**27 + 1 (Veltkamp)
_ERFCX_STEP = 32.0  # the table's nodes are k / 32, k = 0 .. 256, its polynomials of degree 8
_ERFCX_LAST = 8.0
_GELU_BLOCK = 256  # elements per block: a block with an element beyond _ERFCX_LAST is passed over again
_GELU_FAR_LEFT = -37.0  # functions._GELU_FAR_LEFT


def _gelu_table() -> np.ndarray:
    """The erfcx table (_erfcx_table) as one (10, 257) array: row n the Taylor coefficient of h**n about each node
    (n = 0 .. 8), row 9 the nodes' own rounding errors. Refuses a table of another shape (ImportError: _compiled then
    reports the compiled kernels unavailable, and the tests fail in CI)."""
    if (T._ERFCX_STEP, T._ERFCX_LAST, T._ERFCX_DEGREE) != (_ERFCX_STEP, _ERFCX_LAST, 8):
        raise ImportError("the erfcx table's nodes or degree changed (_erfcx_table.py); update gelu_float64")
    return np.ascontiguousarray(np.stack([*T._ERFCX_COEFFICIENTS, T._ERFCX_NODES_LO]))


# A global array is compiled into the kernel as a constant: that lets LLVM vectorise the gathers (a table passed as
# an argument might alias the outputs, and the loop stayed scalar, 25 against 9 ns per element). numba's on-disk
# cache is keyed to this file alone, so _check_gelu_table() below recompiles when the cached table is not this one.
_GELU_TABLE = _gelu_table()


@njit(inline="always", cache=True, error_model="numpy")
def _gelu64_parts(xi):
    """(x clipped to +-40, z, dz, exp(-z**2)) with z + dz = -x / sqrt 2 to about 2**-104 relative (as
    _numerics.two_prod_const) and exp(-z**2) from the exact square z**2 = zz + zz_err (as _numerics.two_square),
    rounded once (_exp_plus)."""
    xc = _clip(xi, -40.0, 40.0)  # Phi is 0 or 1 in float64 beyond
    z = xc * -_SQRT_HALF
    t = _SPLITTER * xc
    x_hi = t - (t - xc)
    x_lo = xc - x_hi
    dz = ((x_hi * -_SQRT_HALF_HEAD - z) + x_hi * -_SQRT_HALF_TAIL + x_lo * -_SQRT_HALF_HEAD) + x_lo * -_SQRT_HALF_TAIL
    dz += xc * -_SQRT_HALF_LO
    zz = z * z
    t = _SPLITTER * z
    z_hi = t - (t - z)
    z_lo = z - z_hi
    zz_err = ((z_hi * z_hi - zz) + 2.0 * z_hi * z_lo) + z_lo * z_lo
    gauss = _exp_plus(-zz, -zz_err)  # exp(-z**2), the square's rounding error put back
    return xc, z, dz, gauss


@njit(inline="always", cache=True, error_model="numpy")
def _gelu64_write(xi, xc, z, dz, gauss, tail, i, out_value, out_deriv):
    """Phi = |[z <= 0] - T| and phi from exp(-z**2); writes x Phi and Phi + x phi at i."""
    cdf = abs((1.0 if z <= 0 else 0.0) - tail)
    pdf = _INV_SQRT_2PI * gauss * (1.0 - 2.0 * z * dz)
    out_value[i] = _no_neg_inf(xi) * cdf
    out_deriv[i] = cdf + xc * pdf


@njit(cache=True, error_model="numpy")
def gelu_float64(x, out_value, out_deriv):
    """x Phi(x) and Phi(x) + x phi(x) for float64 x (see above). Returns how many elements are at or below
    _GELU_FAR_LEFT, whose results the caller must replace."""
    far = 0
    n = x.size
    for start in range(0, n, _GELU_BLOCK):
        stop = min(start + _GELU_BLOCK, n)
        beyond = 0
        for i in range(start, stop):
            xi = x[i]
            xc, z, dz, gauss = _gelu64_parts(xi)
            beyond += z > _ERFCX_LAST  # x < -11.3; below z = -8, T < 1e-29 and Phi is 1 from any table value
            a = abs(z)
            a = _ERFCX_LAST if not a < _ERFCX_LAST else a  # NaN takes the last node, and gives NaN through h
            node = math.floor(a * _ERFCX_STEP + 0.5)
            k = np.int64(node)
            h = a - node * (1.0 / _ERFCX_STEP)  # exact
            p = _GELU_TABLE[8, k]
            p = p * h + _GELU_TABLE[7, k]
            p = p * h + _GELU_TABLE[6, k]
            p = p * h + _GELU_TABLE[5, k]
            p = p * h + _GELU_TABLE[4, k]
            p = p * h + _GELU_TABLE[3, k]
            p = p * h + _GELU_TABLE[2, k]
            p = p * h + _GELU_TABLE[1, k]
            p = p * h + _GELU_TABLE[9, k]  # the node's rounding error
            p -= _TWO_OVER_SQRT_PI * (dz if z >= 0 else -dz)  # erfc(|z + dz|) exp(z**2) to first order in dz
            p = p + _GELU_TABLE[0, k]  # then the node: one rounding for erfcx(|z|) and dz's term
            tail = 0.5 * gauss * p
            far += xi <= _GELU_FAR_LEFT
            _gelu64_write(xi, xc, z, dz, gauss, tail, i, out_value, out_deriv)
        if beyond:
            for i in range(start, stop):
                xi = x[i]
                xc, z, dz, gauss = _gelu64_parts(xi)
                if z > _ERFCX_LAST:  # erfc(z + dz) = erfc(z) - 2/sqrt(pi) exp(-z**2) dz to first order
                    tail = 0.5 * (math.erfc(z) - _TWO_OVER_SQRT_PI * gauss * dz)
                    _gelu64_write(xi, xc, z, dz, gauss, tail, i, out_value, out_deriv)
    return far


@njit(cache=True, error_model="numpy")
def _compiled_gelu_table():
    """The table as compiled into this module's kernels (a copy)."""
    return _GELU_TABLE.copy()


def _check_gelu_table() -> None:
    """Recompile the GELU kernel (without the on-disk cache) when the cached code holds another table than
    _erfcx_table's: numba's cache notices a change of this file only."""
    global gelu_float64, _compiled_gelu_table
    if not np.array_equal(_compiled_gelu_table(), _GELU_TABLE):
        gelu_float64 = njit(error_model="numpy")(gelu_float64.py_func)
        _compiled_gelu_table = njit(error_model="numpy")(_compiled_gelu_table.py_func)


_check_gelu_table()

