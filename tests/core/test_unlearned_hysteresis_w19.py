"""Issue 17, W19 finding 11: 'not learning any more' does not flap on a judged loss hovering about learning's line.

A Monitor's run whose judged loss (the mean of its recent sampled losses) came down to 0.944 against a chance loss of
ln 3 = 1.10 (14% below) and then rose to 0.995 (9.4% below) read 'not learning any more: the mean loss had come down
to 0.944 ..., and the loss has risen to 1.01, 0.92 times chance' at step 107 and 'healthy' again at step 125. Learning
is a loss 10% below chance (MOVED_FRACTION); losing it now takes a rise of that much again from the lowest judged loss.
References: the thresholds stated in the test, from the numbers it builds."""

from __future__ import annotations

import math
import statistics

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_loss import MOVED_FRACTION, UNLEARNED
from actlab.readings import LayerSummary, RunSummary, diagnose

LAYERS = (LayerSummary("relu", 64, 0.5, label="module '3' (ReLU)", weights="'2.weight'"),)
CHANCE = math.log(3)


def summary(losses, judged, loss=None):
    return RunSummary(LAYERS, 0.5, loss=statistics.fmean(losses) if loss is None else loss, chance_loss=CHANCE,
                      steps=120, recent_losses=tuple(losses), recent_loss_steps=tuple(range(98, 98 + len(losses))),
                      lowest_judged_loss=judged, lowest_judged_step=98)


def unlearned(r) -> bool:
    return any(f.words.startswith(UNLEARNED) for f in r.findings)


def test_w19_a_judged_loss_hovering_about_the_line_is_not_read_as_lost():
    r = diagnose(summary([0.96, 0.99, 1.01], 0.944, loss=0.995))
    assert 0.995 >= (1 - MOVED_FRACTION) * CHANCE > 0.944  # the premise: it crossed learning's line, back up
    assert not unlearned(r), r.words


def test_a_run_that_learned_far_and_came_back_to_chance_still_reads_not_learning_any_more():
    r = diagnose(summary([1.2, 1.4, 1.3], 0.0005))  # W15's kind: trained to 0.0005, now 1.2 x chance
    assert unlearned(r), r.words


@given(st.floats(0.05, 1 - MOVED_FRACTION - 1e-6), st.floats(0.0, 1.0))
def test_a_rise_of_less_than_the_margin_from_the_lowest_judged_loss_is_never_lost(low, share):
    """Judged losses (in multiples of chance) that rose by under MOVED_FRACTION from their lowest, the recent ones
    below RISING_FACTOR x chance: never 'not learning any more'."""
    judged = low * CHANCE
    now = judged + share * MOVED_FRACTION * CHANCE * 0.999
    r = diagnose(summary([now] * 4, judged))
    assert not unlearned(r), (low, share, r.words)


@given(st.floats(0.0, 0.5), st.floats(1.0, 1.9))
def test_a_rise_past_the_margin_and_back_over_the_line_reads_not_learning_any_more(low, level):
    judged, now = low * CHANCE, level * CHANCE
    assert now - judged >= MOVED_FRACTION * CHANCE and now >= (1 - MOVED_FRACTION) * CHANCE  # the premise
    r = diagnose(summary([now] * 4, judged))
    assert unlearned(r), (low, level, r.words)
