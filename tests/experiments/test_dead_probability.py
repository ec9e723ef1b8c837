"""The dead-unit panel's numbers: 1 - (1 - 2^-N)^L, the Wilson interval and a fresh Monte Carlo draw per count."""

from __future__ import annotations

import mpmath as mp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from actlab.experiments.dying_relu import dead_probability, monte_carlo, wilson_interval

Z = mp.mpf("1.959964")


def _wilson_mp(k: int, n: int) -> tuple:
    """The textbook form, (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), at 50 digits."""
    with mp.workdps(50):
        p = mp.mpf(k) / n
        centre = p + Z**2 / (2 * n)
        half = Z * mp.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
        return (centre - half) / (1 + Z**2 / n), (centre + half) / (1 + Z**2 / n)


@given(n=st.integers(1, 50_000), data=st.data())
def test_wilson_interval_matches_the_textbook_form(n, data):
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(k, n)
    want_low, want_high = _wilson_mp(k, n)
    assert low == pytest.approx(float(want_low), rel=1e-12, abs=1e-40)  # abs: 50-digit round-off at k = 0
    assert high == pytest.approx(float(want_high), rel=1e-12)


@pytest.mark.parametrize("n", [1, 7, 100, 5000, 20_000])
def test_an_all_or_nothing_count_reaches_the_ends_exactly(n):
    """Closed form: at k = n the upper end is (n + z²/2 + z²/2) / (n + z²) = 1, at k = 0 the lower end is 0."""
    assert wilson_interval(n, n)[1] == 1.0
    assert wilson_interval(0, n)[0] == 0.0
    assert abs(_wilson_mp(n, n)[1] - 1) < mp.mpf(10) ** -45  # the same, to 50-digit round-off


@pytest.mark.parametrize("depth", [53, 54, 60, 100, 200])
def test_one_unit_per_layer_and_many_layers_agree_with_the_formula(depth):
    """Every such net has a dead layer (P = 1 - 2^-L); the page said "outside the interval" from 53 layers on,
    because the upper end rounded to 0.9999999999999998."""
    row = monte_carlo(1, depth, trials=2000, seed=3)
    assert row.estimate == 1.0 and row.ci_high == 1.0
    assert row.agrees and row.to_dict()["agrees"] is True


@given(width=st.integers(1, 64), depth=st.integers(1, 200))
def test_dead_probability_matches_mpmath(width, depth):
    with mp.workdps(60):
        want = 1 - (1 - mp.mpf(2) ** -width) ** depth
    assert dead_probability(width, depth) == pytest.approx(float(want), rel=1e-13)


def test_each_count_without_a_seed_draws_new_networks_and_reports_its_seed():
    seeds = {monte_carlo(4, 10, trials=200).seed for _ in range(5)}
    assert len(seeds) == 5  # five fresh 32-bit seeds; a repeat has probability about 1e-9


def test_a_given_seed_repeats_the_count_exactly():
    first, again = monte_carlo(4, 10, trials=500, seed=1234), monte_carlo(4, 10, trials=500, seed=1234)
    assert first == again and first.seed == 1234
