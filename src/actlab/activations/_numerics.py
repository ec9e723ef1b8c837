"""Input checking and exact-product helpers shared by the activation formulas.

The formulas in functions.py must be accurate to a few ULP over the whole float range. Two
tools make that possible without extended precision:

- ``as_real_array`` turns any accepted input into a float array (and rejects what is not a
  real number with a message that says what was given);
- ``two_prod_const`` splits ``x * c`` into the rounded product and its exact rounding error
  (Dekker's algorithm), so ``exp(c * x)`` can be corrected to first order in that error.
"""

from __future__ import annotations

import numpy as np

# Veltkamp splitting constant for float64: 2**27 + 1.
_SPLITTER = 134217729.0
# Inputs larger than this cannot be split without overflow; every caller clips to a much
# smaller range before splitting, because the functions saturate long before it.
SPLIT_LIMIT = 1e300


def as_real_array(x: object, *, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float ndarray; integers, booleans and Python scalars become float64.

    float16, float32 and float64 arrays keep their dtype. Strings, None, complex numbers and
    object arrays raise TypeError naming what was given and what is accepted.
    """
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(
            f"{name} must be a real number or an array of real numbers; got {type(x).__name__} {x!r:.40}"
        )
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a real number or a rectangular array of real numbers: {exc}") from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "biu":
        return arr.astype(np.float64)
    if kind == "c":
        raise TypeError(f"{name} must be real; got complex values (dtype {arr.dtype}). Pass the real part explicitly.")
    raise TypeError(
        f"{name} must be a real number or an array of real numbers (int or float); got dtype {arr.dtype}"
    )


def split_const(c: float) -> tuple[float, float]:
    """Veltkamp split of a float64 constant into two halves of 26 significant bits each."""
    t = _SPLITTER * c
    hi = t - (t - c)
    return hi, c - hi


def two_prod_const(x: np.ndarray, c: float, c_lo: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Return (p, e) with p = fl(x * c) and p + e = x * (c + c_lo) to about 2**-104 relative.

    ``x`` must be float64 with |x| below SPLIT_LIMIT; ``c_lo`` is the tail of an irrational
    constant (for example 1/sqrt(2) - fl(1/sqrt(2))).
    """
    p = x * c
    t = _SPLITTER * x
    x_hi = t - (t - x)
    x_lo = x - x_hi
    c_hi, c_tail = split_const(c)
    e = ((x_hi * c_hi - p) + x_hi * c_tail + x_lo * c_hi) + x_lo * c_tail
    return p, e + x * c_lo


def two_square(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (p, e) with p = fl(x * x) and p + e = x * x exactly (|x| below SPLIT_LIMIT)."""
    p = x * x
    t = _SPLITTER * x
    x_hi = t - (t - x)
    x_lo = x - x_hi
    e = ((x_hi * x_hi - p) + 2.0 * x_hi * x_lo) + x_lo * x_lo
    return p, e


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (p, e) with p = fl(a * b) and p + e = a * b exactly (Dekker; |a|, |b| below SPLIT_LIMIT)."""
    p = a * b
    t = _SPLITTER * a
    a_hi = t - (t - a)
    a_lo = a - a_hi
    t = _SPLITTER * b
    b_hi = t - (t - b)
    b_lo = b - b_hi
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e
