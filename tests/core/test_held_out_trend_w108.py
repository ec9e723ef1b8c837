"""Held-out losses rising short of the rise that reads not generalising (W108 walkthrough finding 5: 1.101, 1.110,
1.118, 1.138, 1.133, 1.171 read 'healthy' with their median alone). The healthy words now say the rise, where the
losses' order is one noise gives at most 1% of the time and the rise is beyond their noise. References: the orders
counted by brute force over every permutation, and Monte Carlo series of pure noise."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from actlab.reading_held_out import TREND_ORDER, _orders_within, trend
from actlab.readings import LayerSummary, RunSummary, Status, diagnose

CHANCE = math.log(10)
WALKER = [1.101, 1.110, 1.118, 1.138, 1.133, 1.171]


def _summary(losses, every=46):
    given = tuple((every * i, float(v)) for i, v in enumerate(losses, 1))
    return RunSummary((LayerSummary("relu", 64, 0.4),), 1.0, loss=0.9, chance_loss=CHANCE, steps=given[-1][0] + 1,
                      recent_losses=(0.9,) * 10, loss_batches=10, test_loss=given[-1][1], test_chance_loss=CHANCE,
                      test_loss_step=given[-1][0], held_out=given)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7])
def test_the_share_of_orders_is_the_count_over_every_permutation(n):
    counts = [0] * (n * (n - 1) // 2 + 1)
    for p in itertools.permutations(range(n)):
        counts[sum(p[j] < p[i] for i in range(n) for j in range(i + 1, n))] += 1
    for k in range(len(counts)):
        assert _orders_within(n, k) == pytest.approx(sum(counts[:k + 1]) / math.factorial(n))


def test_the_walkthroughs_series_is_said_beside_a_healthy_reading():
    assert trend(_summary(WALKER)) == (1.101, 1.171, 4, 5)
    r = diagnose(_summary(WALKER))
    assert r.status is Status.HEALTHY  # 6% above its lowest: no rise that reads not generalising
    assert ("have a median of 1.13 (the latest, 1.17), 51% below chance; over them it has risen, from 1.1 to 1.17, "
            "up at 4 of the 5 steps from one to the next: a sign of overfitting to watch") in r.words, r.words


@pytest.mark.parametrize("losses", [WALKER[::-1], [1.10, 1.12, 1.11, 1.13, 1.12, 1.14], WALKER[:4],
                                    [1.101, 1.103, 1.104, 1.106, 1.108, 1.109]],
                         ids=["falling", "two-out-of-order", "four-given", "under-5%"])
def test_a_series_that_does_not_rise_so_is_not_said(losses):
    assert trend(_summary(losses)) is None
    assert "over them it has risen" not in diagnose(_summary(losses)).words


@pytest.mark.parametrize("n", [5, 6, 7])
@pytest.mark.parametrize("sd", [0.01, 0.05, 0.3])
def test_noise_alone_is_said_to_rise_at_most_about_one_time_in_a_hundred(n, sd):
    rng = np.random.default_rng(n * 100 + int(sd * 100))
    draws = 3000
    said = sum(trend(_summary(np.exp(rng.normal(0, sd, n)))) is not None for _ in range(draws))
    # at most TREND_ORDER by construction; 3 binomial standard deviations above it
    assert said / draws <= TREND_ORDER + 3 * math.sqrt(TREND_ORDER * (1 - TREND_ORDER) / draws), said
