"""W98 walkthrough findings 1 and 2: a weak signal's run, its training loss short of the 10% below chance the reading
takes as learning, read 'not learning' and was told its targets may not follow its inputs, while the held-out losses
it was given sat below chance as far as the best possible model's. Held-out losses below chance beyond their noise
now show the learning the training batches alone do not.

References: the series' own medians (numpy) and a median's standard error from the series' own spread; the property
tests draw held-out losses that do not show it, and no reading of them may say healthy."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_held_out import HELD_OUT_KEPT, held_out_learns, lowest_windows
from actlab.readings import LayerSummary, RunSummary, Status, diagnose

CHANCE = 0.894  # an L1 loss's: the targets' mean absolute deviation from their median


def _summary(held: list[float], train: float, every: int = 100) -> RunSummary:
    """A run of len(held) * every training steps, flat at ``train`` (its batches' noise 30%), given ``held`` as
    held-out losses, one every ``every`` steps."""
    given, lows = [], ()
    for i, v in enumerate(held, 1):
        given.append((i * every, float(v)))
        lows = lowest_windows(lows, given[-HELD_OUT_KEPT:])
    steps = len(held) * every
    wobble = np.random.default_rng(0).normal(1, 0.3, 50)
    window = tuple((steps - 50 + k + 1, float(train * w)) for k, w in enumerate(wobble / wobble.mean()))
    return RunSummary((LayerSummary("relu", 64, 0.4, signal_norm=0.5),), 1.0, loss=train, chance_loss=CHANCE,
                      steps=steps, judged_losses=window, loss_batches=50, output_signal_norm=0.5,
                      test_loss=given[-1][1], test_chance_loss=CHANCE, test_loss_step=given[-1][0],
                      held_out=tuple(given[-64:]), held_out_lowest=lows[0],
                      held_out_wider=tuple(low for low in lows[1:] if low is not None))


def test_a_weak_signal_whose_held_out_losses_sit_below_chance_reads_healthy_and_says_why():
    held = [0.86, 0.83, 0.815, 0.81, 0.806, 0.805, 0.806, 0.804, 0.805, 0.805, 0.805, 0.804, 0.805, 0.805, 0.805]
    r = diagnose(_summary(held, train=0.835))
    median = float(np.median(held[-7:]))
    assert r.status == Status.HEALTHY, r.words
    assert f"have a median of {median:.3g}" in r.words and "10% below chance" in r.words, r.words
    assert "the training loss is short of the 10% below chance the reading takes as learning from the training " \
           "batches alone, but the held-out losses, below chance beyond their noise, show" in r.words, r.words


def test_the_same_run_without_held_out_losses_below_chance_is_not_learning():
    for held in ([0.9] * 15, [0.87, 0.91] * 7, [0.87] * 14 + [0.9]):  # at chance; a swing about it; one above it
        r = diagnose(_summary(held, train=0.835))
        assert r.status == Status.NOT_LEARNING and held_out_learns(_summary(held, train=0.835)) is None, r.words


@settings(max_examples=300, deadline=None)
@given(st.floats(0.0, 0.2), st.floats(0.001, 0.5), st.integers(4, 20), st.integers(0, 2**32 - 1),
       st.floats(0.9, 1.05))
def test_no_held_out_losses_within_their_noise_of_chance_make_a_run_healthy(level, noise, n, seed, train):
    """Held-out losses drawn about ``level`` below chance with a ``noise`` spread, the training loss short of the
    learning line: the run reads healthy only where their latest window's median is 5% or more below chance and below
    it by 2 of its standard errors, and every one of them below chance. Reference: numpy's median, and its standard
    error from the window's own swings computed here."""
    rng = np.random.default_rng(seed)
    held = list(CHANCE * (1 - level) * np.exp(rng.normal(0, noise, n)))
    s = _summary(held, train=train * CHANCE)
    window = np.array(held[-7:])
    swing = np.median(np.abs(np.diff(np.log(window)))) / (0.6745 * math.sqrt(2))
    se = 1.2533 * swing / math.sqrt(len(window))
    shows = (window.max() < CHANCE and math.log(CHANCE / np.median(window)) > max(-math.log(0.95), 2 * se)
             and train < 1)
    assert (held_out_learns(s) is not None) == shows
    if not shows:
        assert diagnose(s).status != Status.HEALTHY


def test_held_out_losses_within_half_a_percent_of_chance_are_said_against_it_not_as_0_percent_below():
    r = diagnose(_summary([0.998 * CHANCE] * 15, train=0.97 * CHANCE))
    assert r.status == Status.NOT_LEARNING, r.words
    assert "have a median of 0.892 (the latest, 0.892), against a chance of 0.894" in r.words, r.words
