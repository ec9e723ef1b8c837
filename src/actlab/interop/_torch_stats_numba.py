"""Compiled (numba) passes for the torch monitor's per-layer sums on CPU tensors: each reads a (rows, units) array
once and writes every figure the monitor needs from it, where the torch path makes four to five passes over the
tensor (each with its own dispatch, and a scratch tensor for |a| or sign(|f'|)).

Imported only through ``_torch_stats.load()`` (never by ``import actlab`` or ``import actlab.torch``). The per-unit
sums are accumulated down the rows in the array's dtype, as torch's own ``sum(0)`` does (float32 lanes vectorise
twice as wide as float64 ones); the totals add the per-unit sums in float64. Counts follow torch.sign, for which a
NaN counts 0 (a NaN still makes the per-unit sums NaN, which is how the monitor tells a non-finite place). Compiled
eagerly for C-contiguous float32 and float64 arrays, with numba's disk cache: a process loads the machine code
instead of compiling it again. Each branch is its own loop, so that LLVM vectorises the loops across the units.
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, types
from numba.extending import intrinsic

from ._torch_stats import SPREAD_COLUMN_STEP, SPREAD_ROW_STEP

_SIGS3 = ["float64(float32[:, ::1], boolean, float32[::1])", "float64(float64[:, ::1], boolean, float64[::1])"]


@njit(_SIGS3, cache=True, nogil=True, error_model="numpy")
def derivative_sums(d, nonneg, out):
    """f' (rows, H): out[:H] per-unit sums of |f'| (of f' where nonneg: f' >= 0 by the record), out[H] the sum of
    sign(|f'|) (sign(f') where nonneg): the count of nonzero f', a NaN counting 0, as torch.sign has it. Returns it."""
    rows, width = d.shape
    s = np.zeros(width, d.dtype)
    nz = np.zeros(width, d.dtype)
    one = np.ones(1, d.dtype)[0]
    zero = np.zeros(1, d.dtype)[0]
    if nonneg:
        for i in range(rows):
            r = d[i]
            for j in range(width):
                x = r[j]
                s[j] += x
                nz[j] += (one if x > zero else zero) - (one if x < zero else zero)
    else:
        for i in range(rows):
            r = d[i]
            for j in range(width):
                x = abs(r[j])
                s[j] += x
                nz[j] += one if x > zero else zero
    n = 0.0
    for j in range(width):
        out[j] = s[j]
        n += nz[j]
    out[width] = n
    return n


@njit(["float64(float64, float64, int64)"], cache=True, nogil=True, error_model="numpy")
def _centred(shifted: float, squares: float, n: int) -> float:
    """The sum of (a - mean)^2 over n values from their sums taken about a shift k, one of the values: ``shifted``
    the sum of (a - k), ``squares`` of (a - k)^2. The sum of a^2 less n mean^2, as the std was taken before, cancels
    to float32's rounding where the values barely differ (W73 walkthrough finding 6: a tanh layer saturated at
    0.99999976, std 8.8e-8, read 2.4e-4); about a value of their own, the sums hold the differences themselves."""
    if n == 0:
        return 0.0
    if squares - squares != 0.0:  # inf (finite values whose squares pass float32's range: made again) or NaN
        return squares
    v = squares - shifted * shifted / n
    return v if v > 0.0 else 0.0 if v == v else v


_SIGS4 = ["float64(float32[:, ::1], boolean, int64, float64, float32[::1])",
          "float64(float64[:, ::1], boolean, int64, float64, float64[::1])"]


@njit(_SIGS4, cache=True, nogil=True, error_model="numpy")
def output_sums(a, nonneg, dist, mid, out):
    """An activation's output a (rows, H): out[:H] per-unit sums of |a| (of a where nonneg: a >= 0 by the record);
    out[H:2H] the saturation rule's per-unit distance sums (dist 1: |a - mid|; dist 2: a, the "floor" rule; 0: none,
    left as they are); out[2H] the sum of a; out[2H + 1] the sum of (a - mean)^2 (_centred), also returned."""
    rows, width = a.shape
    s = np.zeros(width, a.dtype)
    plain = np.zeros(width, a.dtype)
    sq = np.zeros(width, a.dtype)
    far = np.zeros(width, a.dtype)
    m = np.zeros(2, a.dtype)
    m[0] = mid
    c = m[0]
    if rows and width and a[0, 0] - a[0, 0] == 0:  # (a NaN or an inf there would make every unit's sums NaN)
        m[1] = a[0, 0]
    k = m[1]  # the shift: a value of a itself, so that a saturated layer's sums do not cancel (_centred)
    if dist == 1:
        for i in range(rows):
            r = a[i]
            for j in range(width):
                x = r[j]
                s[j] += abs(x)
                y = x - k
                plain[j] += y
                sq[j] += y * y
                far[j] += abs(x - c)
    elif nonneg:
        for i in range(rows):
            r = a[i]
            for j in range(width):
                y = r[j] - k
                plain[j] += y
                sq[j] += y * y
    else:
        for i in range(rows):
            r = a[i]
            for j in range(width):
                x = r[j]
                s[j] += abs(x)
                y = x - k
                plain[j] += y
                sq[j] += y * y
    total = 0.0
    q = 0.0
    shift = float(k) * rows
    for j in range(width):
        unit = plain[j] + shift  # the unit's sum of a, in float64
        out[j] = unit if nonneg else s[j]
        if dist == 1:
            out[width + j] = far[j]
        elif dist == 2:
            out[width + j] = unit
        total += plain[j]
        q += sq[j]
    q = _centred(total, q, rows * width)
    out[2 * width] = total + shift * width
    out[2 * width + 1] = q
    return q


_SIGS6 = ["float64(float32[:, ::1], float32[:, ::1], boolean, boolean, int64, float64, float32[::1])",
          "float64(float64[:, ::1], float64[:, ::1], boolean, boolean, int64, float64, float64[::1])"]


@njit(_SIGS6, cache=True, nogil=True, error_model="numpy")
def layer_sums(d, a, nonneg_deriv, nonneg, dist, mid, out):
    """derivative_sums and output_sums of one place in one pass down the rows of f' and a (the same shape, (rows, H)),
    with the same figures in the same order of additions: out[:H] and out[H] as derivative_sums writes them (per-unit
    |f'| sums, the nonzero count), out[H + 1:] as output_sums writes them (out[H + 1 + 2H + 1], the sum of
    (a - mean)^2, is also returned). One call and one pass where there were two: the place's f' (a scratch buffer
    torch has just written) is read while it is still in the cache, beside the output."""
    rows, width = d.shape
    ds = np.zeros(width, d.dtype)
    nz = np.zeros(width, d.dtype)
    s = np.zeros(width, a.dtype)
    plain = np.zeros(width, a.dtype)
    sq = np.zeros(width, a.dtype)
    far = np.zeros(width, a.dtype)
    one = np.ones(1, d.dtype)[0]
    zero = np.zeros(1, d.dtype)[0]
    m = np.zeros(2, a.dtype)
    m[0] = mid
    c = m[0]
    if rows and width and a[0, 0] - a[0, 0] == 0:
        m[1] = a[0, 0]
    k = m[1]  # the shift (output_sums, _centred)
    # each combination its own loop, so that LLVM vectorises each across the units
    if nonneg_deriv and dist == 1:
        for i in range(rows):
            r, q = d[i], a[i]
            for j in range(width):
                x = r[j]
                ds[j] += x
                nz[j] += (one if x > zero else zero) - (one if x < zero else zero)
                y = q[j]
                s[j] += abs(y)
                far[j] += abs(y - c)
                y -= k
                plain[j] += y
                sq[j] += y * y
    elif dist == 1:
        for i in range(rows):
            r, q = d[i], a[i]
            for j in range(width):
                x = abs(r[j])
                ds[j] += x
                nz[j] += one if x > zero else zero
                y = q[j]
                s[j] += abs(y)
                far[j] += abs(y - c)
                y -= k
                plain[j] += y
                sq[j] += y * y
    elif nonneg_deriv:
        for i in range(rows):
            r, q = d[i], a[i]
            for j in range(width):
                x = r[j]
                ds[j] += x
                nz[j] += (one if x > zero else zero) - (one if x < zero else zero)
                y = q[j]
                s[j] += abs(y)
                y -= k
                plain[j] += y
                sq[j] += y * y
    else:
        for i in range(rows):
            r, q = d[i], a[i]
            for j in range(width):
                x = abs(r[j])
                ds[j] += x
                nz[j] += one if x > zero else zero
                y = q[j]
                s[j] += abs(y)
                y -= k
                plain[j] += y
                sq[j] += y * y
    n = 0.0
    for j in range(width):
        out[j] = ds[j]
        n += nz[j]
    out[width] = n
    o = width + 1
    total = 0.0
    q2 = 0.0
    shift = float(k) * rows
    for j in range(width):
        unit = plain[j] + shift
        out[o + j] = unit if nonneg else s[j]
        if dist == 1:
            out[o + width + j] = far[j]
        elif dist == 2:
            out[o + width + j] = unit
        total += plain[j]
        q2 += sq[j]
    q2 = _centred(total, q2, rows * width)
    out[o + 2 * width] = total + shift * width
    out[o + 2 * width + 1] = q2
    return q2


@njit(["float64(float32[:, ::1], float32[:, ::1], float32, float32[::1], float32[::1])"], cache=True, nogil=True,
      error_model="numpy", fastmath={"contract"})
def gelu_sums(z, a, tail, points, out):
    """GELU (erf form) on float32: its input z and output a = z Phi(z), (rows, H), read once, with nothing written but
    out: layer_sums' figures (out[:H] per-unit |f'| sums, out[H] the nonzero count, out[H + 1:2H + 1] per-unit |a|
    sums, out[2H + 1] the sum of a, out[2H + 2] the sum of (a - mean)^2, also returned) without torch's gelu_backward
    pass.

    f'(z) = Phi(z) + z phi(z), with Phi(z) = a / z from the forward's own output (0.5 where |z| < 1e-30) and
    phi(z) = exp(-z^2 / 2) / sqrt(2 pi) by a degree-5 polynomial after reducing by powers of two (relative error
    about 3e-7; 0 where -z^2 / 2 < -104, below float32's smallest number). Each f' is within 4e-7 of torch's (near
    f's sign change at z = -0.75, where f' is a difference of two terms near 0.23, torch's erf puts its f' up to 2e-7
    off the float64 value, and this one is nearer; in the tail where torch's rounds to 0 this one keeps a value
    under 3e-8). The nonzero count is torch's: torch's f' is 0 where z <= tail and at the listed points
    (_torch_stats.gelu_zeros measures both on this machine, for torch's vectorised loop; its scalar loop, which
    takes a tensor's last few elements past a whole vector, can differ at those points), and NaN (counted as zero,
    as torch.sign counts it) where z is NaN or infinite."""
    rows, width = z.shape
    ds = np.zeros(width, np.float32)
    nz = np.zeros(width, np.float32)
    s = np.zeros(width, np.float32)
    plain = np.zeros(width, np.float32)
    sq = np.zeros(width, np.float32)
    m = np.empty(width, np.float32)
    e = np.empty(width, np.float32)
    mi = m.view(np.int32)
    b1 = np.empty(width, np.int32)
    b2 = np.empty(width, np.int32)
    f1 = b1.view(np.float32)
    f2 = b2.view(np.float32)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    half = np.float32(0.5)
    lo = np.float32(-104.0)
    log2e = np.float32(1.4426950408889634)
    ln2hi = np.float32(0.693359375)  # ln 2 in two parts (Cody and Waite): n ln2hi is exact
    ln2lo = np.float32(-2.12194440e-4)
    magic = np.float32(12582912.0)  # 1.5 x 2^23: adding it rounds to an integer, held in the low bits
    c2 = np.float32(1 / 2)
    c3 = np.float32(1 / 6)
    c4 = np.float32(1 / 24)
    c5 = np.float32(1 / 120)
    c = np.float32(0.3989422804014327)  # 1 / sqrt(2 pi)
    tiny = np.float32(1e-30)
    top = np.float32(np.inf)
    p0, p1, p2, p3 = points[0], points[1], points[2], points[3]
    at = a[0, 0] if rows and width and a[0, 0] - a[0, 0] == 0 else zero  # the shift (output_sums, _centred)
    for i in range(rows):
        zr = z[i]
        ar = a[i]
        # exp(y), y = -z^2 / 2 >= -104: y = n ln 2 + r, |r| <= ln 2 / 2; exp(r) by its Taylor polynomial and 2^n as
        # 2^(n // 2) 2^(n - n // 2), two normal numbers whose product may be subnormal. Three loops, each vectorised
        for j in range(width):
            x = zr[j]
            y = -half * x * x
            y = y if y > lo else lo
            mm = y * log2e + magic
            n = mm - magic
            r = (y - n * ln2hi) - n * ln2lo
            m[j] = mm
            e[j] = (one + r * (one + r * (c2 + r * (c3 + r * (c4 + r * c5))))) * c
        for j in range(width):
            k = mi[j] - np.int32(0x4B400000)  # n, from the low bits of n + 1.5 x 2^23
            k1 = k >> np.int32(1)
            b1[j] = (k1 + np.int32(127)) << np.int32(23)
            b2[j] = (k - k1 + np.int32(127)) << np.int32(23)
        for j in range(width):
            x = zr[j]
            v = ar[j]
            phi = (e[j] * f1[j]) * f2[j]
            phi = phi if -half * x * x > lo else zero
            cdf = v / x if abs(x) > tiny else half
            ds[j] += abs(cdf + x * phi)
            nz[j] += one if (x > tail) & (x < top) & (x != p0) & (x != p1) & (x != p2) & (x != p3) else zero
            s[j] += abs(v)
            v -= at
            plain[j] += v
            sq[j] += v * v
    count = 0.0
    total = 0.0
    q = 0.0
    for j in range(width):
        out[j] = ds[j]
        count += nz[j]
        out[width + 1 + j] = s[j]
        total += plain[j]
        q += sq[j]
    q = _centred(total, q, rows * width)
    out[width] = count
    out[2 * width + 1] = total + float(at) * rows * width
    out[2 * width + 2] = q
    return q


_SIGS_RELU = ["UniTuple(float64, 2)(float32[:, ::1], float32[:, ::1], float64[::1], float64[::1], float64[::1])",
              "UniTuple(float64, 2)(float64[:, ::1], float64[:, ::1], float64[::1], float64[::1], float64[::1])"]


@njit(_SIGS_RELU, cache=True, nogil=True, error_model="numpy")
def relu_sums(a, g, on_out, sum_out, totals):
    """nn.ReLU's output a (rows, H) and, where g has a's shape, the gradient reaching it (dL/da, (rows, H)), in one
    pass: on_out[:H] the per-unit counts of a > 0 (torch.sign(a).sum(0) for a >= 0; a NaN counts 0), sum_out[:H] the
    per-unit sums of a, totals[0] the sum of a^2, totals[1] the sum of g^2 (0 where g is not read: give a (0, H)
    array). Returns the two sums of squares. Per-unit sums accumulate down the rows in the array's dtype, as torch's
    sum(0) does (a float32 unit's sum of squares past float32's range reads inf, as torch's float32 dot does), and
    are written out in float64, exactly; the totals add them in float64. Where torch made these with four calls over
    a and one over g (sign into a buffer, two sums down the rows, two dot products), each with its own dispatch and
    pass. The outputs are float64 views the monitor lays out as its one transfer does (_Collecting's lane)."""
    rows, width = a.shape
    acc = np.zeros((4, width), a.dtype)  # one array, not four: the loop below vectorised better so (17 -> 13 us)
    on, s, sq, gq = acc[0], acc[1], acc[2], acc[3]
    one = np.ones(1, a.dtype)[0]
    zero = np.zeros(1, a.dtype)[0]
    if g.shape[0] == rows and g.shape[1] == width:
        for i in range(rows):
            r, h = a[i], g[i]
            for j in range(width):
                x = r[j]
                on[j] += one if x > zero else zero
                s[j] += x
                sq[j] += x * x
                y = h[j]
                gq[j] += y * y
    else:
        for i in range(rows):
            r = a[i]
            for j in range(width):
                x = r[j]
                on[j] += one if x > zero else zero
                s[j] += x
                sq[j] += x * x
    q = 0.0
    p = 0.0
    for j in range(width):
        on_out[j] = on[j]
        sum_out[j] = s[j]
        q += sq[j]
        p += gq[j]
    totals[0] = q
    totals[1] = p
    return q, p


@intrinsic
def _float32_at(typingctx, address):
    """The float32 pointer at an address (a tensor's data_ptr()), for carray: relu_lane reads tensors through it."""
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))
    return types.CPointer(types.float32)(types.int64), codegen


@njit(["void(int64[:, ::1], int64, float64[::1])"], cache=True, nogil=True, error_model="numpy")
def relu_lane(places, width, lane):
    """relu_sums for several float32 nn.ReLU places in one call, each writing where the monitor's lane holds it
    (_Collecting._lay_lane): places[p] = (address of the output's data, address of the gradient's (0: not read), rows,
    units, the place's first unit in the lane, its index in it). Both tensors are C-contiguous float32 (rows, units)
    on the CPU, checked by the caller, which holds them during the call. The lane holds every place's per-unit counts
    of a > 0 at [first, first + units), its per-unit sums of a at width + first, and its two sums of squares at
    2 * width + 2 * index. One call where relu_sums took one per place, each with its Python and dispatch costs."""
    for p in range(places.shape[0]):
        rows, units, first, index = places[p, 2], places[p, 3], places[p, 4], places[p, 5]
        a = carray(_float32_at(places[p, 0]), (rows, units))
        acc = np.zeros((4, units), np.float32)
        on, s, sq, gq = acc[0], acc[1], acc[2], acc[3]
        if places[p, 1] != 0:
            g = carray(_float32_at(places[p, 1]), (rows, units))
            for i in range(rows):
                r, h = a[i], g[i]
                for j in range(units):
                    x = r[j]
                    on[j] += np.float32(1.0) if x > np.float32(0.0) else np.float32(0.0)
                    s[j] += x
                    sq[j] += x * x
                    y = h[j]
                    gq[j] += y * y
        else:
            for i in range(rows):
                r = a[i]
                for j in range(units):
                    x = r[j]
                    on[j] += np.float32(1.0) if x > np.float32(0.0) else np.float32(0.0)
                    s[j] += x
                    sq[j] += x * x
        q = 0.0
        t = 0.0
        for j in range(units):
            lane[first + j] = on[j]
            lane[width + first + j] = s[j]
            q += sq[j]
            t += gq[j]
        lane[2 * width + 2 * index] = q
        lane[2 * width + 2 * index + 1] = t


@njit(["boolean(float64[::1], int64[::1], int64)"], cache=True, nogil=True, error_model="numpy")
def mark_if_finite(host, history, g):
    """The dead history's step on a sampled step read through the lane: True, with history[j] = g wherever host[j] > 0
    (j < len(history): the places' f' sums, the counts of active rows), where every number of host is finite; False,
    with history untouched, where one is NaN or infinite. One pass where NumPy took four (isfinite, all, a
    comparison, copyto with a mask)."""
    for x in host:
        if not np.isfinite(x):
            return False
    for j in range(history.shape[0]):
        if host[j] > 0:
            history[j] = g
    return True


_SIGS_SPREAD = ["void(float32[:, ::1], float64[::1])", "void(float64[:, ::1], float64[::1])"]


# (reassoc: the row's weighted sum may be summed in any order, which lets the loop over a row run in SIMD lanes: 12.5
# against 33.8 us on a 128 x 256 float32 batch, measured here; its figures are the same to about 1e-15, and one batch
# always gives the same ones, which the same-batch check compares)
@njit(_SIGS_SPREAD, cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def input_spread(x, out):
    """A batch of inputs x (samples, values), two samples or more, in one pass: out[0] the largest spread of one value
    over the samples (max - min down a column), out[1] the largest |x|, out[2] the first sample's sum, out[3] the
    root mean square of x (its squares summed in float64), out[4] the mark: the sum of x[i, j] (1 + frac(i g))
    (1 + frac(j h)), with g and h two irrational steps (weights that differ from place to place, so that two batches
    with the same sums and energy but their values elsewhere tell apart: W67 walkthrough finding 1). A NaN anywhere
    makes out[0] and out[1] NaN, and a column whose max - min is NaN (+inf down all of it) makes out[0] NaN, as
    torch's amax gives them; out[3] and out[4] are then NaN or inf as the sums make them. Where
    _monitor_inputs._spread took eight torch calls (amax, amin, their difference, abs, three more reductions, a
    norm), each with its dispatch and a pass or a scratch tensor."""
    rows, width = x.shape
    hi = x[0].copy()
    lo = x[0].copy()
    sq = np.zeros(width, np.float64)
    across = np.empty(width, np.float64)
    for j in range(width):
        across[j] = 1.0 + (j * SPREAD_COLUMN_STEP) % 1.0
    mark = 0.0
    nan = 0
    for i in range(rows):
        r = x[i]
        along = 0.0
        bad = 0
        for j in range(width):
            v = r[j]
            h, low = hi[j], lo[j]
            hi[j] = v if v > h else h
            lo[j] = v if v < low else low
            w = np.float64(v)
            sq[j] += w * w
            along += w * across[j]
            bad |= v != v
        nan |= bad
        mark += along * (1.0 + (i * SPREAD_ROW_STEP) % 1.0)
    gap = 0.0
    top = 0.0
    first = 0.0
    total = 0.0
    for j in range(width):
        d = np.float64(hi[j]) - np.float64(lo[j])
        nan_gap = d != d
        gap = np.nan if nan_gap or gap != gap else (d if d > gap else gap)
        m = max(abs(np.float64(hi[j])), abs(np.float64(lo[j])))
        top = m if m > top else top
        first += x[0, j]
        total += sq[j]
    out[0] = np.nan if nan else gap
    out[1] = np.nan if nan else top
    out[2] = first
    out[3] = np.sqrt(total / (rows * width))
    out[4] = mark


@njit(_SIGS_SPREAD, cache=True, nogil=True, error_model="numpy")
def output_spread(z, out):
    """Outputs z (rows, outputs), two outputs or more: out[0] how far apart the rows point (each row's unit vector,
    rows with a NaN, an inf or every output 0 left out; the std of each output over the rows kept, about their mean;
    the mean of those stds times the root of the outputs' count), NaN where no row is kept; out[1] the rows kept. In
    float64 throughout, where _monitor_lossread.output_spread's torch path works in float32 with some fifteen calls
    (about 0.15 ms on a 128 x 10 output, measured here; this pass about 0.005)."""
    rows, width = z.shape
    unit = np.empty((rows, width), np.float64)
    kept = 0
    for i in range(rows):
        r = z[i]
        top = 0.0
        bad = False
        for j in range(width):
            v = abs(np.float64(r[j]))
            bad |= not (v < np.inf)  # (a NaN or an inf)
            top = v if v > top else top
        if bad or top == 0.0:
            continue
        norm = 0.0  # each row by its largest first: its norm cannot overflow
        for j in range(width):
            u = np.float64(r[j]) / top
            unit[kept, j] = u
            norm += u * u
        norm = np.sqrt(norm)
        for j in range(width):
            unit[kept, j] /= norm
        kept += 1
    out[1] = kept
    if kept == 0:
        out[0] = np.nan
        return
    mean = np.zeros(width, np.float64)
    for i in range(kept):
        for j in range(width):
            mean[j] += unit[i, j]
    for j in range(width):
        mean[j] /= kept
    spread = 0.0
    for j in range(width):  # two passes: the deviations from the mean, not E[u^2] - E[u]^2
        s = 0.0
        for i in range(kept):
            d = unit[i, j] - mean[j]
            s += d * d
        spread += np.sqrt(s / kept)
    out[0] = spread / width * np.sqrt(width)
