"""An independent reference for reading_loss.noise_bound on positive losses: the generalised pivotal bound of a
log-normal mean (Krishnamoorthy & Mathew 2003) by quadrature over the chi-square of the pivot, where the code draws
the pivot at random; each loss floored at LOG_FLOOR x the mean, as the bound's definition says."""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, stats

from actlab.reading_loss import LOG_FLOOR, NOISE_QUANTILE


def _cdf(q: float, s: float, n: int) -> float:
    """P(s a + s^2 b <= q): given U^2 = u, s a + s^2 b is normal with mean s^2 (n - 1) / (2u) and standard
    deviation s sqrt((n - 1) / (n u))."""
    df = n - 1

    def f(u: float) -> float:
        return stats.norm.cdf((q - s * s * df / (2 * u)) / (s * math.sqrt(df / (n * u)))) * stats.chi2.pdf(u, df)

    return integrate.quad(f, 0, np.inf, limit=200)[0]


def lognormal_mean_bound(values: list[float]) -> float:
    """The upper bound at NOISE_QUANTILE of the mean log-normal losses ``values`` were drawn around."""
    n = len(values)
    mean = sum(values) / n
    logs = np.log(np.maximum(np.asarray(values, dtype=float), LOG_FLOOR * mean))
    ybar, s = logs.mean(), logs.std(ddof=1)
    if s == 0:
        return mean
    # n = 2: U^2 has one degree of freedom, and b's upper tail is long (its 99.5% point is near 1.3e4)
    q = optimize.brentq(lambda q: _cdf(q, s, n) - NOISE_QUANTILE, -1e3 * s, 1e3 * s + 1e5 * s * s, xtol=1e-10)
    return math.exp(min(ybar + q, 700.0))
