"""The dead-unit count's interval: Clopper-Pearson, so a 95% interval misses at most 1 count in 20 at every
setting of the lesson's sliders (the Wilson interval it replaced missed up to 1 in 6 near p = 0 or 1), and the
five-row table's intervals are widened together so that all five cover the formula 95% of the time."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy.stats import binom

from actlab.experiments.dying_relu import (
    TABLE_CASES,
    clopper_pearson,
    dead_probability,
    dying_relu,
    monte_carlo,
)
from actlab.web.routes.demos import DEAD_PROBABILITY_BUDGET, DEFAULT_TRIALS, _dead_cost


def _tail_ge(k: int, n: int, p) -> mp.mpf:
    """P(X >= k) for X ~ Binomial(n, p), summed term by term at 40 digits."""
    with mp.workdps(40):
        return mp.fsum(mp.binomial(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))


@pytest.mark.parametrize(("k", "n"), [(1, 10), (3, 10), (9, 10), (17, 60), (0, 50), (50, 50), (120, 300)])
@pytest.mark.parametrize("level", [0.95, 0.99])
def test_each_end_puts_half_the_miss_rate_in_its_tail(k, n, level):
    """The defining equations: P(X >= k | low) = (1 - level) / 2 and P(X <= k | high) = (1 - level) / 2."""
    low, high = clopper_pearson(k, n, level)
    half = (1 - level) / 2
    if k == 0:
        assert low == 0.0
    else:
        assert float(_tail_ge(k, n, mp.mpf(low))) == pytest.approx(half, rel=1e-8)
    if k == n:
        assert high == 1.0
    else:
        assert float(1 - _tail_ge(k + 1, n, mp.mpf(high))) == pytest.approx(half, rel=1e-8)


def _coverage(p: float, n: int, level: float) -> float:
    """The exact chance that the interval of a Binomial(n, p) count holds p (terms below 1e-13 left out)."""
    ks = np.arange(n + 1)
    pmf = binom.pmf(ks, n, p)
    held = 0.0
    for k in ks[pmf > 1e-13]:
        low, high = clopper_pearson(int(k), n, level)
        held += pmf[k] * (low <= p <= high)
    return held


# slider settings (N, L) of the lesson's panel: its default, and those where the Wilson interval missed most often
@pytest.mark.parametrize(("width", "depth"), [(4, 10), (2, 10), (1, 15), (2, 36), (3, 77), (12, 1)])
def test_the_panels_interval_misses_at_most_one_count_in_twenty(width, depth):
    trials = min(DEFAULT_TRIALS, DEAD_PROBABILITY_BUDGET // _dead_cost(width, depth))  # as the route picks it
    assert _coverage(dead_probability(width, depth), trials, 0.95) >= 0.95


def test_the_tables_five_intervals_cover_the_formula_together_95_percent_of_the_time():
    rows = dying_relu(trials=200, seed=5, lr=0.5).monte_carlo
    level = rows[0].level
    assert [(r.width, r.depth) for r in rows] == list(TABLE_CASES)
    assert level == pytest.approx(1 - 0.05 / len(TABLE_CASES)) and all(r.level == level for r in rows)
    together = math.prod(_coverage(dead_probability(n, L), 20_000, level) for n, L in TABLE_CASES)
    assert together >= 0.95


def test_a_row_reports_the_level_of_its_interval():
    row = monte_carlo(3, 5, trials=400, seed=2, level=0.9)
    assert row.level == 0.9 and row.to_dict()["level"] == 0.9
    assert (row.ci_low, row.ci_high) == clopper_pearson(round(row.estimate * 400), 400, 0.9)


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 1.5, math.nan])
def test_a_level_outside_zero_to_one_is_refused_by_name(level):
    with pytest.raises(ValueError, match=r"level: .* between 0 and 1"):
        clopper_pearson(3, 10, level)
