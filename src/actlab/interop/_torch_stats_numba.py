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
from numba import njit

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


_SIGS4 = ["float64(float32[:, ::1], boolean, int64, float64, float32[::1])",
          "float64(float64[:, ::1], boolean, int64, float64, float64[::1])"]


@njit(_SIGS4, cache=True, nogil=True, error_model="numpy")
def output_sums(a, nonneg, dist, mid, out):
    """An activation's output a (rows, H): out[:H] per-unit sums of |a| (of a where nonneg: a >= 0 by the record);
    out[H:2H] the saturation rule's per-unit distance sums (dist 1: |a - mid|; dist 2: a, the "floor" rule; 0: none,
    left as they are); out[2H] the sum of a; out[2H + 1] the sum of a^2, also returned."""
    rows, width = a.shape
    s = np.zeros(width, a.dtype)
    plain = np.zeros(width, a.dtype)
    sq = np.zeros(width, a.dtype)
    far = np.zeros(width, a.dtype)
    m = np.zeros(1, a.dtype)
    m[0] = mid
    c = m[0]
    if dist == 1:
        for i in range(rows):
            r = a[i]
            for j in range(width):
                x = r[j]
                s[j] += abs(x)
                plain[j] += x
                sq[j] += x * x
                far[j] += abs(x - c)
    elif nonneg:
        for i in range(rows):
            r = a[i]
            for j in range(width):
                x = r[j]
                plain[j] += x
                sq[j] += x * x
    else:
        for i in range(rows):
            r = a[i]
            for j in range(width):
                x = r[j]
                s[j] += abs(x)
                plain[j] += x
                sq[j] += x * x
    total = 0.0
    q = 0.0
    for j in range(width):
        out[j] = plain[j] if nonneg else s[j]
        if dist == 1:
            out[width + j] = far[j]
        elif dist == 2:
            out[width + j] = plain[j]
        total += plain[j]
        q += sq[j]
    out[2 * width] = total
    out[2 * width + 1] = q
    return q
