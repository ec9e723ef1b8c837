"""W94 walkthrough finding 8: an L1 loss on targets shuffled apart from their inputs, given the targets' variance
(3.92) as chance_loss where the best constant guess gets 1.59, began at 1.54 and stayed there. It read 'not learning:
... the loss is 59.7% below chance, beyond the noise of its batches, short of the 10% the reading takes as learning',
which says 59.7 is short of 10. A run that began under half of chance is read as learning once its loss comes 10%
down from that first loss; its words now say so, with the first loss, and the remedy checks chance_loss. Reference:
the summary's own figures."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_loss import CHANCE_EXAMPLES, started_far_remedy
from actlab.readings import LayerSummary, RunSummary, Status, diagnose

LAYER = (LayerSummary("relu", 64, 0.5, signal_norm=0.5, label="module '1' (ReLU)", weights="'0.weight'"),)


def _summary(first: float, loss: float, chance: float) -> RunSummary:
    window = tuple((t, loss + (0.01 if t % 2 else -0.01)) for t in range(1451, 1501))
    return RunSummary(LAYER, 1.0, loss=loss, chance_loss=chance, steps=1500, first_loss=(1, first),
                      judged_losses=window, output_signal_norm=0.5)


def test_the_words_of_a_run_that_began_far_below_chance_agree_with_their_numbers():
    r = diagnose(_summary(1.54, 1.58, 3.92))
    assert r.status == Status.NOT_LEARNING, r.words
    assert "short of the 10%" not in r.words
    assert ("the loss is 60% below chance, but it began there: its first loss, 1.54 at training step 1, was already "
            "61% below it, and it has not come 10% down from that first loss") in r.words, r.words
    assert r.remedy.startswith("Check chance_loss against the loss a fresh model begins at")


@settings(max_examples=80, deadline=None)
@given(st.floats(0.05, 0.45), st.floats(0.92, 1.5), st.floats(0.1, 100))
def test_no_not_learning_words_call_a_fall_past_the_line_short_of_it(first_share, kept, chance):
    """Whatever a run that began under half of chance and kept near its first loss reads, no words say that a loss
    further below chance than the learning line is short of it."""
    first = first_share * chance
    r = diagnose(_summary(first, first * kept, chance))
    said = re.search(r"the loss is ([\d.,]+)% below chance[^;]*short of the ([\d.]+)%", r.words)
    if said:
        assert float(said[1].replace(",", "")) < float(said[2]), r.words
    if r.status == Status.NOT_LEARNING:
        assert f"its first loss, {first:.3g} at training step 1" in r.words, r.words


def test_the_chance_examples_name_an_l1_loss_where_a_start_far_up_asks_for_chance():
    """W94 walkthrough finding 5: house prices under an L1 loss, first loss 5.2 times chance, were told to check
    chance_loss with the squared error's and the cross-entropy's examples alone."""
    s = RunSummary(LAYER, 1.0, loss=1.2e5, chance_loss=4.04e4, steps=1500, first_loss=(1, 2.09e5),
                   output_signal_norm=0.5)
    remedy = started_far_remedy(s)
    assert CHANCE_EXAMPLES in remedy and "mean absolute deviation from their median with an L1 loss" in remedy
