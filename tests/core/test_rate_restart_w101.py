"""A rate back up to one the run had before its low is a schedule's restart, not the likeliest cause of the loss's rise
(issue 17, W101 walkthrough finding 6: SGD under CosineAnnealingWarmRestarts(T_0=200) from 0.2 read 'The learning rate
rose from 0.000207 ... to 0.2 ... the likeliest cause of the loss's rise; keep it nearer 0.000207' after the first
restart). Reference: the rates as the test writes them."""

from __future__ import annotations

import pytest

from actlab.reading_loss import SCHEDULE_RESTART, rate_since_low
from actlab.reading_record import RunSummary


def _summary(changes, low, steps=300):
    return RunSummary((), 1.0, steps=steps, lowest_judged_step=low,
                      learning_rates=(("'0.weight'", 1, steps, tuple(changes)),))


COSINE = [(1, 0.2), (50, 0.1), (100, 0.03), (150, 0.005), (199, 0.0002), (200, 0.2), (250, 0.1)]


def test_a_restart_to_the_rate_it_began_with_is_said_as_one():
    said = rate_since_low(_summary(COSINE, low=195))
    assert said.startswith("The learning rate rose from 0.005, the rate that brought the mean loss to its lowest at "
                           "training step 195, to 0.2 at the optimiser's step of training step 200, and is 0.1 now, no "
                           "higher than 0.2, its rate at training step 1: "), said
    assert said.endswith(SCHEDULE_RESTART) and "likeliest cause" not in said, said


@pytest.mark.parametrize("changes, low", [
    ([(1, 0.01), (10, 0.1), (50, 3.0)], 20),  # a warm-up past anything before the low (OneCycleLR to 3)
    ([(1, 0.2), (100, 0.01), (200, 0.5)], 150),  # back up, and past where it began
    ([(1, 0.05), (200, 0.5)], 150),  # constant, then raised
])
def test_a_rise_past_every_rate_before_the_low_is_still_the_likeliest_cause(changes, low):
    said = rate_since_low(_summary(changes, low))
    assert "the likeliest cause of the loss's rise" in said and SCHEDULE_RESTART not in said, said
