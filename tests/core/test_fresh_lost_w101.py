"""fresh_lost (issue 17, W101 walkthrough finding 3): a collapse back to chance that the judged mean still lags.
Reference: the batch losses as the test draws them, and the rule written out."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_loss import LOSS_BATCHES, MOVED_FRACTION, fresh_lost
from actlab.reading_record import RunSummary

CHANCE = math.log(10)
LINE = (1 - MOVED_FRACTION) * CHANCE


def _summary(losses):
    return RunSummary((), 1.0, loss=float(np.mean(losses)), chance_loss=CHANCE,
                      judged_losses=tuple((t + 1, float(v)) for t, v in enumerate(losses)))


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), centre=st.floats(0.1, 0.6), spread=st.floats(0.05, 0.6))
def test_losses_that_stay_learned_are_never_read_as_lost(seed, centre, spread):
    # stationary log-normal batch losses whose median is 60% of chance or less, log spread 0.6 or less: one is past
    # the line with probability 0.25 at most, so the split the rule asks (10 under, then 10 or more past, at the end)
    # comes with probability under 0.25^10 x 0.75^10 (about 5e-8) a draw
    losses = centre * CHANCE * np.exp(np.random.default_rng(seed).normal(0, spread, 50))
    assert fresh_lost(_summary(losses)) is None


@settings(max_examples=200, deadline=None)
@given(before=st.integers(LOSS_BATCHES, 40), after=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_a_split_is_read_from_where_it_is(before, after, seed):
    rng = np.random.default_rng(seed)
    low = rng.uniform(0.1, 0.8, before) * LINE
    high = LINE + rng.uniform(0, 0.5, after)
    found = fresh_lost(_summary(np.concatenate([low, high])))
    if after < LOSS_BATCHES:
        assert found is None, found
    else:
        assert found is not None
        first, count, lo, hi, med = found
        assert (first, count) == (before + 1, after)
        assert (lo, hi) == (float(high.min()), float(high.max()))
        assert math.isclose(med, float(np.median(low[-LOSS_BATCHES:])))
