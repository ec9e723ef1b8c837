"""Intel MKL's cblas_dgemm and cblas_sgemm called from numba-compiled code: the binding behind actlab._gemm.

compiled() is called by _gemm.py once it has loaded MKL (its sequential, one-thread layer) and made its symbols
visible to numba's linker; importing this module compiles nothing. The calls below are resolved by name, so numba can
keep the compiled code in its on-disk cache (a ctypes function pointer would be baked into the code and cannot be).
No Python binding to MKL's BLAS is kept up on PyPI (mkl-service sets threads; mkl_fft, mkl_random and mkl_umath
cover other parts; pyMKL was last released in 2016), hence these lines.

Each kernel computes out = a @ b for 2-D operands of one float dtype and returns True; it returns False, having done
nothing, where BLAS cannot be called on the arrays as they are (an operand with neither contiguous rows nor contiguous
columns, an out without contiguous rows or overlapping an operand, mismatched or empty dimensions, a dimension
past 32 bits), and _gemm.py then prepares them.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types

_INT = types.int32  # MKL's LP64 interface (_gemm.py selects it): 32-bit dimensions
_ADDRESS = types.intp  # a data pointer, passed as the address it is (x86-64: the same register and width)


def _cblas_gemm(name: str, real):
    return types.ExternalFunction(name, types.void(_INT, _INT, _INT, _INT, _INT, _INT, real, _ADDRESS, _INT,
                                                   _ADDRESS, _INT, real, _ADDRESS, _INT))


_dgemm = _cblas_gemm("cblas_dgemm", types.float64)
_sgemm = _cblas_gemm("cblas_sgemm", types.float32)
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112  # CBLAS's enumerations
_LARGEST = 2**31 - 1


def _signature(real):
    operand = types.Array(real, 2, "A", readonly=True)  # takes writeable arrays too
    return types.boolean(operand, operand, types.Array(real, 2, "A"))


@numba.njit(cache=True, nogil=True)
def _layout(x):
    """(CBLAS transpose flag, leading dimension) of a 2-D operand stored by rows (NO_TRANS) or by columns
    (TRANS, a transposed view such as w.T); (0, 0) when it is neither."""
    rows, cols = x.shape
    step_rows, step_cols = x.strides
    size = x.itemsize
    if (step_cols == size or cols == 1) and step_rows % size == 0 and step_rows // size >= max(1, cols):
        return NO_TRANS, step_rows // size
    if (step_rows == size or rows == 1) and step_cols % size == 0 and step_cols // size >= max(1, rows):
        return TRANS, step_cols // size
    return 0, 0


@numba.njit(cache=True, nogil=True)
def _end(x, trans, ld):
    """The address just past the last element of a 2-D operand stored as _layout says."""
    rows, cols = x.shape
    if trans == TRANS:
        rows, cols = cols, rows
    return x.ctypes.data + ((rows - 1) * ld + cols) * x.itemsize


@numba.njit(cache=True, nogil=True)
def _callable(a, b, out):
    """(transpose flags and leading dimensions of a, b and out) where BLAS can compute out = a @ b on the arrays as
    they are; None where it cannot."""
    m, k = a.shape
    n = b.shape[1]
    if b.shape[0] != k or out.shape[0] != m or out.shape[1] != n or min(m, n, k) == 0 or max(m, n, k) > _LARGEST:
        return None
    trans_a, lda = _layout(a)
    trans_b, ldb = _layout(b)
    trans_out, ldc = _layout(out)
    if trans_a == 0 or trans_b == 0 or trans_out != NO_TRANS:
        return None
    start, end = out.ctypes.data, _end(out, NO_TRANS, ldc)
    if a.ctypes.data < end and start < _end(a, trans_a, lda) or b.ctypes.data < end and start < _end(b, trans_b, ldb):
        return None  # out overlaps an operand: BLAS would read what it has overwritten
    return trans_a, lda, trans_b, ldb, ldc


def _dgemm_into(a, b, out):
    layout = _callable(a, b, out)
    if layout is None:
        return False
    trans_a, lda, trans_b, ldb, ldc = layout
    _dgemm(ROW_MAJOR, trans_a, trans_b, a.shape[0], b.shape[1], a.shape[1], 1.0, a.ctypes.data, lda,
           b.ctypes.data, ldb, 0.0, out.ctypes.data, ldc)
    return True


def _sgemm_into(a, b, out):
    layout = _callable(a, b, out)
    if layout is None:
        return False
    trans_a, lda, trans_b, ldb, ldc = layout
    _sgemm(ROW_MAJOR, trans_a, trans_b, a.shape[0], b.shape[1], a.shape[1], 1.0, a.ctypes.data, lda,
           b.ctypes.data, ldb, 0.0, out.ctypes.data, ldc)
    return True


def compiled() -> dict:
    """{float64: dgemm, float32: sgemm}, compiled for any 2-D operands (or loaded from numba's cache)."""
    return {np.dtype(np.float64): numba.njit(_signature(types.float64), cache=True, nogil=True)(_dgemm_into),
            np.dtype(np.float32): numba.njit(_signature(types.float32), cache=True, nogil=True)(_sgemm_into)}
