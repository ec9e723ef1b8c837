"""scikit-learn's 8 x 8 digits (1,797 images, shipped inside the package, no download), split as the papers' runs use.

Stratified split with random_state=0: 500 test, then 1,000 train and 297 validation from the rest. Inputs are
the pixel values over 16 (in [0, 1]), or standardised per feature with the training set's mean and standard
deviation (a constant pixel stays 0). scikit-learn is the optional extra ``actlab[reproduce]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import ConfigError

N_TEST, N_TRAIN, N_VALID = 500, 1000, 297


@dataclass(frozen=True)
class Digits:
    x_train: np.ndarray  # (1000, 64)
    y_train: np.ndarray  # (1000,) class indices 0-9
    x_valid: np.ndarray  # (297, 64)
    y_valid: np.ndarray
    x_test: np.ndarray  # (500, 64)
    y_test: np.ndarray


def load_digits(scaling: str = "unit") -> Digits:
    """The split with inputs X/16 (``scaling="unit"``) or standardised per feature (``"standard"``)."""
    if scaling not in ("unit", "standard"):
        raise ConfigError("scaling", f"'unit' (X/16) or 'standard' (per-feature z-scores); got {scaling!r}")
    x_tr, y_tr, x_va, y_va, x_te, y_te = _split()
    if scaling == "unit":
        return Digits(x_tr / 16, y_tr, x_va / 16, y_va, x_te / 16, y_te)
    mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # a pixel that is always 0 in training stays 0
    return Digits(*((x - mean) / std if i % 2 == 0 else x
                    for i, x in enumerate((x_tr, y_tr, x_va, y_va, x_te, y_te))))


@lru_cache(maxsize=1)
def _split() -> tuple[np.ndarray, ...]:
    try:
        from sklearn.datasets import load_digits as sk_load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise ConfigError("data", "the digits claims need scikit-learn: pip install 'actlab[reproduce]'") from None
    data = sk_load_digits()
    x, y = data.data.astype(np.float64), data.target.astype(np.intp)
    x_rest, x_te, y_rest, y_te = train_test_split(x, y, test_size=N_TEST, stratify=y, random_state=0)
    x_tr, x_va, y_tr, y_va = train_test_split(x_rest, y_rest, train_size=N_TRAIN, stratify=y_rest, random_state=0)
    for a in (x_tr, y_tr, x_va, y_va, x_te, y_te):
        a.setflags(write=False)  # cached and shared: nobody may change it
    return x_tr, y_tr, x_va, y_va, x_te, y_te
