"""The median's lower bound (reading_loss.median_lower) and what it lets a reading say (issue 17, W30 walkthrough
finding 3): after a run had learned to 0.344, a few steps at a learning rate of 3 left one batch at 16.2 (15 times
chance) among losses back near chance, which widened the mean's noise bounds so far that the rise could not be told,
and the reading said 'starting: ... every run begins near chance, so the reading waits'. References: Monte Carlo
coverage of the bound with a Wilson interval, and windows built by the test."""

from __future__ import annotations

import math

import numpy as np

from actlab.reading_loss import NOISE_QUANTILE, median_lower, noise_bound
from actlab.readings import LayerSummary, RunSummary, Status, diagnose


def test_the_median_bound_is_above_the_median_no_more_often_than_its_level_allows():
    rng = np.random.default_rng(7)
    trials, n = 20_000, 50
    draws = rng.lognormal(0.0, 1.0, size=(trials, n))  # the median of lognormal(0, 1) is exactly 1
    over = sum(median_lower(list(row)) > 1.0 for row in draws)
    p = over / trials
    upper = (p + 1.96 ** 2 / (2 * trials) + 1.96 * math.sqrt(p * (1 - p) / trials + 1.96 ** 2 / (4 * trials ** 2))) / (
        1 + 1.96 ** 2 / trials)
    assert upper < 1 - NOISE_QUANTILE + 0.002, (over, trials)
    assert median_lower([1.0, 2.0]) == -math.inf  # two draws bound nothing at 99.5%


def _summary(window, low=0.344, low_bound=0.37, chance=1.1):
    steps = tuple(range(300 - len(window) + 1, 301))
    return RunSummary((LayerSummary("relu", 64, 0.1, 0, 0),), 0.2, float(np.mean(window)), chance, None, 300,
                      loss_batches=len(window), recent_losses=tuple(window[-10:]), recent_loss_steps=steps[-10:],
                      judged_losses=tuple(zip(steps, window, strict=True)), lowest_judged_loss=low,
                      lowest_judged_step=201, lowest_judged_bound=low_bound)


def test_one_wild_batch_no_longer_hides_a_rise_from_a_learned_low():
    rng = np.random.default_rng(3)
    window = list(0.8 * rng.lognormal(-0.02, 0.2, size=49)) + [40.0]  # 36 times chance, under JUMP_FACTOR's 100
    # the premise: the mean's lower bound is under the low's upper bound (the wild batch's doing); the median's is not
    assert noise_bound(window, 1.1, upper=False) < 0.37 < median_lower(window)
    words = diagnose(_summary(window)).words
    assert words.startswith("not learning any more: the mean loss had come down to 0.344"), words


def test_a_learned_run_back_near_chance_is_not_said_to_be_starting():
    # the window's mean near chance, its median near the low and its latest 10 batches not all above chance: no rise
    # can be told, and the run had learned
    # (one in two of them under learning's line, 0.99: W101's rule for a collapse the mean lags, 10 or more in a row
    # past the line right after 10 clearly under it, is not met)
    window = [0.3] * 30 + [1.7, 0.9] * 9 + [1.6, 16.2]
    assert median_lower(window[-10:]) < 1.1 and float(np.mean(window)) > 0.9 * 1.1  # the premise
    r = diagnose(_summary(window))
    assert r.status == Status.STARTING
    assert r.words.startswith("unsettled: ") and "every run begins near chance" not in r.words, r.words
    assert "had come down to 0.344 at training step 201 (a sampled one), 69% below chance" in r.words, r.words


def test_a_climb_late_in_the_window_is_told_from_its_latest_batches():
    # W31: the whole window's bounds sit near its early low batches, while its latest 10 are all above chance (their
    # median beyond their noise, at 99.5%: the smallest of 10 is above the median with chance 1/1024)
    window = [0.3] * 30 + [1.3] * 19 + [16.2]
    assert median_lower(window) < 0.37 and median_lower(window[-10:]) == 1.3 > 1.1  # the premise
    r = diagnose(_summary(window))
    assert r.status == Status.NOT_LEARNING, r.words
    assert r.words.startswith("not learning any more: the mean loss had come down to 0.344"), r.words
    # one batch of the latest 10 at or under chance, and under learning's line (0.99), and the rise is not told by
    # them (at 1.05, past the line, the 20 since the low batches are all back near chance: a collapse, W101)
    window[-5] = 0.95
    assert diagnose(_summary(window)).status == Status.STARTING
    window[-5] = 1.05
    words = diagnose(_summary(window)).words
    assert words.startswith("not learning any more") and "the 20 batch losses since training step" in words, words


def test_a_run_whose_latest_batches_are_all_learned_again_is_coming_back_down():
    # W32: the mean of 50 held up by older batches above chance, the latest 10 all 10% or more below it (at 99.5%, the
    # median of their batches is below the learning line: the largest of 10 is under it with chance 1/1024)
    window = [0.3] * 20 + [2.5] * 20 + [0.5] * 10
    assert float(np.mean(window)) > 0.9 * 1.1  # the premise: the judged mean is not learned
    r = diagnose(_summary(window))
    assert r.status == Status.STARTING, r.words
    assert ("held up by older batches: the latest 10 are all 10% or more below chance (at most 0.5), so it is coming "
            "back down") in r.words, r.words
    assert "not learning" not in r.words
    window[-3] = 1.0  # one of the latest 10 not below the learning line (0.99): no longer said
    assert "coming back down" not in diagnose(_summary(window)).words
