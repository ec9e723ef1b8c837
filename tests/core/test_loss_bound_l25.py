"""L25: the upper bound a monitor's 'clearly below chance' rests on, checked against independent computations.

The bound of a mean of batch losses (reading_loss.noise_bound) is the lower of two, each at NOISE_QUANTILE: the
log-normal mean's generalised pivotal bound and the mean plus Student's t times its standard error (taken at chance's
level below chance). Here: each piece against its own reference (the pivot by adaptive quadrature,
tests/lognormal_bound.py; Student's t from scipy.stats), the rate at which losses drawn around chance read below it
(Monte Carlo with a Wilson interval, against the 1% the readings state), and properties that must hold for any window.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from actlab.reading_loss import NOISE_QUANTILE, log_bound, noise_bound
from lognormal_bound import lognormal_mean_bound


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = hits / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


@pytest.mark.parametrize("n,sigma", [(3, 0.05), (3, 0.3), (5, 0.1), (5, 0.5), (5, 1.0), (10, 0.02), (10, 0.3),
                                     (10, 0.8), (10, 1.5), (30, 0.4), (50, 0.7)])
def test_the_log_scale_bound_is_the_pivots_quantile(n, sigma):
    rng = np.random.default_rng(n * 100 + int(sigma * 100))
    values = rng.lognormal(0.0, sigma, n).tolist()
    assert math.log(log_bound(tuple(values))) == pytest.approx(math.log(lognormal_mean_bound(values)), abs=2e-3)


@pytest.mark.parametrize("seed", range(6))
def test_the_upper_bound_is_the_lower_of_the_two(seed):
    rng = np.random.default_rng(seed)
    chance = 2.3
    values = (rng.uniform(0.2, 1.2) * chance * rng.gamma(4.0, 0.25, 10)).tolist()
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(10) * (chance / mean if mean < chance else 1.0)
    linear = mean + stats.t.ppf(NOISE_QUANTILE, 9) * se
    want = min(lognormal_mean_bound(values), linear)
    assert noise_bound(values, chance) == pytest.approx(want, rel=2e-3)
    # the lower bound: the mean less Student's t times its own standard error
    lower = mean - stats.t.ppf(NOISE_QUANTILE, 9) * statistics.stdev(values) / math.sqrt(10)
    assert noise_bound(values, chance, upper=False) == pytest.approx(lower, rel=1e-9)


def test_losses_not_all_above_zero_use_the_linear_bound():
    values = [-0.4, 0.3, 0.1, -0.2, 0.5]  # a Gaussian NLL may go below 0: no log scale
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    assert noise_bound(values, 1.0) == pytest.approx(mean + stats.t.ppf(NOISE_QUANTILE, 4) * sd / math.sqrt(5))


def test_one_loss_claims_nothing():
    assert noise_bound([0.01], 1.0) == math.inf and noise_bound([0.01], 1.0, upper=False) == -math.inf


@pytest.mark.parametrize("kind,cv,size", [("lognormal", 0.1, 10), ("lognormal", 0.5, 10), ("lognormal", 1.0, 10),
                                          ("lognormal", 2.0, 10), ("gamma", 0.1, 10), ("gamma", 0.5, 10),
                                          ("gamma", 1.0, 10), ("gamma", 2.0, 10), ("lognormal", 0.5, 50),
                                          ("lognormal", 1.0, 50), ("gamma", 1.0, 50), ("gamma", 2.0, 50)])
def test_losses_drawn_around_chance_rarely_read_below_it(kind, cv, size):
    """Windows of 10 (or 50, the monitor's judged window) batch losses whose mean is chance: how often the bound is
    below chance. By Bonferroni at most 2 x (1 - NOISE_QUANTILE) = 1% where both bounds are exact; measured 0.08-1.05%
    here (log-normal windows of 50 at a CV of 2, 2.3%, are left out: the Student t bound is not exact for them, as
    docs/monitor.md says). The log-normal bound alone is exact for log-normal losses: 0.5% (its interval must reach
    down to 0.5%)."""
    rng = np.random.default_rng(int(cv * 10) + (0 if kind == "lognormal" else 100))
    n = 3000
    if kind == "lognormal":
        sigma = math.sqrt(math.log1p(cv * cv))
        windows = rng.lognormal(-sigma * sigma / 2, sigma, (n, size))
    else:
        k = 1 / cv ** 2
        windows = rng.gamma(k, 1 / k, (n, size))
    chance = 1.0
    below = sum(noise_bound(w.tolist(), chance) < chance for w in windows)
    assert wilson(below, n)[0] < 2 * (1 - NOISE_QUANTILE), below
    if kind == "lognormal":
        alone = sum(log_bound(tuple(w.tolist())) < chance for w in windows)
        assert wilson(alone, n)[0] < 1 - NOISE_QUANTILE < wilson(alone, n)[1] * 3, alone


@pytest.mark.parametrize("cv,most", [(0.1, 0.0), (0.25, 0.005), (0.5, 0.45)])
def test_a_mean_at_half_of_chance_reads_below_it(cv, most):
    """The other error: a window whose losses were drawn around half of chance read 'not below chance'. Batch losses
    of a classifier (a mean over its batch) spread with a CV of 0.1-0.3: measured 0% at 0.1, 0.1% at 0.25; at a CV
    of 0.5 ten losses cannot tell half of chance from chance at this level most of the time (38% not below)."""
    rng = np.random.default_rng(int(cv * 100))
    sigma = math.sqrt(math.log1p(cv * cv))
    n = 2000
    windows = 0.5 * rng.lognormal(-sigma * sigma / 2, sigma, (n, 10))
    starting = sum(noise_bound(w.tolist(), 1.0) >= 1.0 for w in windows)
    assert wilson(starting, n)[1] <= most + 0.01, starting  # measured 0%, 0.1-0.125%, 38%


positive = st.floats(1e-6, 1e6, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(positive, min_size=2, max_size=10), st.floats(1e-3, 1e3))
def test_a_window_is_never_bounded_below_its_own_mean(values, chance):
    """So a window whose losses average chance or more never reads below chance, whatever their spread: nothing
    that did not learn on these batches is called learning."""
    mean = statistics.fmean(values)
    assert noise_bound(values, chance) >= mean * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(st.floats(1e-6, 1e6), st.integers(2, 10))
def test_a_constant_loss_is_bounded_by_itself(loss, n):
    """lr=0, or a loss that never moves: the bound is the loss, so a constant loss at chance never reads below."""
    assert noise_bound([loss] * n, loss) == pytest.approx(loss, rel=1e-12)
    assert not noise_bound([loss] * n, loss) < loss


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.3, 0.6), min_size=10, max_size=10), st.floats(1e-3, 1e3))
def test_ten_losses_all_well_below_chance_read_below_it(fractions, chance):
    """Ten batch losses each between 30% and 60% of chance (a run that has plainly learned): below chance."""
    assert noise_bound([f * chance for f in fractions], chance) < chance
