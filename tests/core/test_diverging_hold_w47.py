"""W47 walkthrough, finding 1: a learning-rate range test's batches sat about 1,000 times chance, and the status
went diverged, no_gradient, no_gradient, ..., diverged, diverged, no_gradient, diverged over steps 137 to 145 as one
batch or the next crossed the line. A divergence read holds while the latest loss stays within DIVERGING_HOLD of the
line, once an earlier one of the recent losses crossed it and their later half is no lower than the earlier; a loss
far back under it, or one falling back from a blow-up, ends it (test_readings_r14.py keeps the falling rows).
And a run that had learned says where from, not 'every run begins near chance'."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_loss import DIVERGING_HOLD, DIVERGING_LOSS
from actlab.readings import LayerSummary, RunSummary, Status, diagnose

CHANCE = math.log(10)
LINE = DIVERGING_LOSS * CHANCE
LAYERS = (LayerSummary("relu", 64, 0.4, label="module '1' (ReLU)", weights="'0.weight'"),)


def _summary(losses, **kw):
    steps = tuple(range(137 - len(losses) + 1, 138))
    return RunSummary(LAYERS, 1.0, loss=losses[-1], chance_loss=CHANCE, steps=137, recent_losses=tuple(losses),
                      recent_loss_steps=steps, loss_batches=len(losses), **kw)


@given(st.lists(st.floats(0.3, 1.2), min_size=3, max_size=8), st.floats(1.0 / DIVERGING_HOLD + 1e-6, 0.999))
def test_one_batch_under_the_line_does_not_end_a_divergence(shares, last):
    losses = [s * LINE * 0.2 for s in sorted(shares)] + [1.5 * LINE, last * LINE]  # rising, crossed, one under
    assert diagnose(_summary(losses)).status is Status.DIVERGED


@given(st.lists(st.floats(0.01, 0.2), min_size=3, max_size=8), st.floats(1e-6, 0.9 / DIVERGING_HOLD))
def test_a_loss_far_back_under_the_line_ends_it(shares, last):
    losses = [s * LINE for s in shares] + [1.5 * LINE, last * LINE]
    assert diagnose(_summary(losses)).status is not Status.DIVERGED


def test_a_run_that_had_learned_says_where_from():
    losses = [1.2 * LINE, 0.9 * LINE, 1.1 * LINE, 0.95 * LINE, 1.3 * LINE]  # no climb in the window: level
    r = diagnose(_summary(losses, lowest_judged_loss=2.06, lowest_judged_step=82, lowest_judged_bound=2.1))
    assert r.status is Status.DIVERGED
    assert "every run begins near chance" not in r.words
    assert f"up from a mean of 2.06 at training step 82, {1 - 2.06 / CHANCE:.0%} below chance, its lowest" in r.words


def test_a_run_that_stayed_past_the_line_after_learning_says_where_from_too():
    losses = [2.0 * LINE, 2.1 * LINE, 1.9 * LINE, 2.05 * LINE, 2.0 * LINE, 1.95 * LINE]  # stayed past the line
    r = diagnose(_summary(losses, lowest_judged_loss=2.06, lowest_judged_step=82, lowest_judged_bound=2.1))
    assert r.status is Status.DIVERGED and "stayed above 1,000 times chance" in r.words, r.words
    assert "every run begins near chance" not in r.words
    assert "; it is up from a mean of 2.06 at training step 82" in r.words, r.words
    fresh = diagnose(_summary(losses))  # never learned: the words for a run that begins
    assert "every run begins near chance" in fresh.words
