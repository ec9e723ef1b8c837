"""W96 walkthrough finding 5: a focal loss over 10 classes, (1 - p)^2 times each example's cross-entropy, begins near
(1 - 1/10)^2 ln 10, 19% under ln 10; on labels of pure noise it stayed there and read 'healthy ... the loss is 19%
below chance' against chance_loss ln 10. A fresh run whose first losses' mean sits below the learning line beyond
its noise began there: learning is read once the loss comes 10% down from that mean. References: the summary's own
figures, and the line's arithmetic."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_headline import FIRST_LOSSES, NOISE_SE, began_at
from actlab.readings import LayerSummary, RunSummary, Status, diagnose

LAYER = (LayerSummary("relu", 64, 0.5, signal_norm=0.5, label="module '1' (ReLU)", weights="'0.weight'"),)


def _summary(early: tuple[int, float, float] | None, loss: float, chance: float, first: float | None = None,
             step: int = 1) -> RunSummary:
    window = tuple((t, loss + (0.001 if t % 2 else -0.001) * loss) for t in range(1451, 1501))
    first = (early[1] if early else loss) if first is None else first
    return RunSummary(LAYER, 1.0, loss=loss, chance_loss=chance, steps=1500, first_loss=(step, first),
                      first_losses=early, judged_losses=window, output_signal_norm=0.5)


def test_a_focal_loss_that_stays_where_it_began_is_not_healthy():
    chance = math.log(10)
    start = (1 - 1 / 10) ** 2 * chance  # where a fresh focal loss begins: 1.87, 19% under ln 10
    r = diagnose(_summary((FIRST_LOSSES, start, 0.005), 0.99 * start, chance))
    assert r.status == Status.NOT_LEARNING, r.words
    assert ("but it began there: the mean of its first 10 losses, 1.87, was already 19% below it, and it has not come "
            "10% down from there") in r.words, r.words
    assert "for a focal loss" in r.remedy
    # come 10% down from that mean: learning
    learned = diagnose(_summary((FIRST_LOSSES, start, 0.005), 0.5 * start, chance))
    assert learned.status == Status.HEALTHY and "the mean of its first 10 losses, 1.87" in learned.words, learned.words


@settings(max_examples=200, deadline=None)
@given(st.floats(0.3, 0.89), st.floats(0.9, 1.3), st.floats(1e-4, 0.2), st.floats(0.01, 100))
def test_no_run_that_stayed_where_its_first_losses_began_below_the_line_reads_healthy(share, kept, se, chance):
    """Whatever the scale: a fresh run whose first losses' mean is below the learning line beyond NOISE_SE standard
    errors, and whose loss has not come 10% down from it, never reads healthy; one within its noise of the line is
    judged against chance as before."""
    mean = share * chance
    r = diagnose(_summary((FIRST_LOSSES, mean, se * mean), kept * mean, chance))
    beyond = mean + NOISE_SE * se * mean < 0.9 * chance
    if beyond and mean >= chance / 2:
        assert began_at(_summary((FIRST_LOSSES, mean, se * mean), kept * mean, chance)) == mean
        assert r.status != Status.HEALTHY, r.words
    if not beyond and mean >= chance / 2 and kept * mean < 0.85 * chance:
        assert r.status == Status.HEALTHY, r.words


def test_a_resumed_run_or_too_few_losses_keep_the_rule_off():
    chance = math.log(10)
    start = 0.8 * chance
    assert began_at(_summary((FIRST_LOSSES, start, 0.001), start, chance, step=301)) is None  # (Monitor(first_step))
    assert began_at(_summary((FIRST_LOSSES - 1, start, 0.001), start, chance)) is None
    assert began_at(_summary(None, start, chance)) is None
