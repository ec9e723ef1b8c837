"""The dead-unit panel's numbers: 1 - (1 - 2^-N)^L, the interval's exact ends and a fresh Monte Carlo draw per count."""

from __future__ import annotations

import mpmath as mp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from actlab.experiments.dying_relu import clopper_pearson, dead_probability, monte_carlo


@pytest.mark.parametrize("n", [1, 7, 100, 5000, 20_000])
def test_an_all_or_nothing_count_reaches_the_ends_exactly(n):
    """At k = n the upper end is 1 and at k = 0 the lower end is 0, exactly (no 0.9999999999999998 below a formula
    value of 1); the other ends are the closed forms (alpha/2)^(1/n) and 1 - (alpha/2)^(1/n)."""
    assert clopper_pearson(n, n)[1] == 1.0
    assert clopper_pearson(0, n)[0] == 0.0
    assert clopper_pearson(n, n)[0] == pytest.approx(0.025 ** (1 / n), rel=1e-12)
    assert clopper_pearson(0, n)[1] == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-9)


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
