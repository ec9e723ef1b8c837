"""Issue 17 (W13 item 3): a network whose gradient vanishes and whose loss sits at chance reads both in its headline.

Before, the headline said only 'vanishing: ...' (the not-learning finding, after 1,000 updates, came second, and
before then nothing said where the loss stood). Now the headline of a cause whose words say nothing of the loss
(vanishing, exploding, dead layer, saturated output, unscaled inputs) adds that the network is not learning, or, too
early to judge, that the loss has not yet moved from chance. The reference is the summary's own loss against chance,
compared by the test.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from actlab.readings import JUDGE_AFTER_STEPS, LayerSummary, RunSummary, Status, diagnose

CHANCE = math.log(2)


def deep_sigmoid(loss, steps, ratio=1.8e-4, **kw):
    # /tmp/r7/repro3.py: 12 sigmoid layers, SGD at 0.05, every=10: '0.weight' gets 1.8e-4 of the output layer's
    layers = tuple(LayerSummary("sigmoid", 32, ratio * 0.1, label=f"module '{2 * i + 1}' (Sigmoid)",
                                weights=f"'{2 * i}.weight'") for i in range(12))
    return RunSummary(layers, 0.1, loss=loss, chance_loss=CHANCE, steps=steps, **kw)


def test_after_the_judging_window_the_vanishing_headline_says_the_network_is_not_learning():
    r = diagnose(deep_sigmoid(0.693, 1191, loss_batches=10))
    assert r.status is Status.VANISHING
    assert r.words.startswith("vanishing: '0.weight' gets 1.8e-4 of the output layer's gradient; and the network is "
                              "not learning: after 1,191 updates the loss is not 10% below chance")
    assert Status.NOT_LEARNING in {f.status for f in r.findings}  # still listed for the faces that list findings
    assert "ReLU, GELU or SiLU instead of sigmoid" in r.remedy  # the remedy is the cause's


def test_before_the_judging_window_it_says_the_loss_has_not_yet_moved():
    r = diagnose(deep_sigmoid(0.693, 291))
    assert r.status is Status.VANISHING
    assert "; the loss has not yet moved from chance after 291 updates (loss 0.693; chance" in r.words
    assert "not learning" not in r.words  # no verdict before the window


def test_a_vanishing_network_that_learns_gets_no_such_words():
    r = diagnose(deep_sigmoid(0.2, 5000))
    assert r.status is Status.VANISHING and "chance" not in r.words


def test_at_the_first_step_the_loss_is_not_yet_worth_a_word():
    # the monitor's first sampled step: its loss was computed before any update
    for steps in (0, 1):
        r = diagnose(deep_sigmoid(0.693, steps))
        assert r.words == "vanishing: '0.weight' gets 1.8e-4 of the output layer's gradient"


def test_a_loss_above_chance_is_said_as_times_chance():
    r = diagnose(deep_sigmoid(2.0, 300))
    assert "; the loss is 2.9 times chance after 300 updates" in r.words


CAUSES = {Status.UNSCALED_INPUTS, Status.OUTPUT_SATURATED, Status.DEAD_LAYER, Status.EXPLODING, Status.VANISHING}


@given(ratio=st.one_of(st.floats(1e-12, 1e-3), st.floats(1e-3, 1e3), st.floats(1e3, 1e9)),
       dead=st.integers(0, 8), stuck=st.one_of(st.none(), st.floats(0, 1)),
       rms=st.one_of(st.none(), st.floats(0.1, 1e4)),
       times=st.floats(1 - 0.0999, 20.0), steps=st.integers(0, 5000))
def test_no_headline_hides_a_loss_that_never_moved_below_chance(ratio, dead, stuck, rms, times, steps):
    layers = (LayerSummary("relu", 8, ratio * 0.5, dead=dead, saturated=dead), LayerSummary("relu", 8, 0.5))
    s = RunSummary(layers, 0.5, loss=times * CHANCE, chance_loss=CHANCE, steps=steps, output_stuck_fraction=stuck,
                   input_rms=rms)
    r = diagnose(s)
    assert r.status is not Status.HEALTHY, r.words  # the loss never moved 10% below chance
    if r.status in CAUSES and steps >= 2:  # the headline says where the loss stands (after an update or none: not yet)
        assert "chance" in r.words, r.words
        assert ("not learning" in r.words) == (steps >= JUDGE_AFTER_STEPS), r.words


def test_a_loss_that_had_come_down_and_is_back_near_chance_is_not_said_never_to_have_moved():
    """W35 walkthrough finding 6: a transformer at lr 3e-2 read healthy at steps 104-109, its mean 18% below chance,
    and then 'vanishing: ...; the loss has not yet moved from chance after 118 updates', which points at a learning
    rate too low. The low the run kept (lowest_judged_loss, clearly below chance) is said instead."""
    r = diagnose(deep_sigmoid(0.68, 118, lowest_judged_loss=0.57, lowest_judged_bound=0.62, lowest_judged_step=104))
    assert r.status is Status.VANISHING
    assert "not yet moved" not in r.words, r.words
    assert (f"; the loss had come down to 0.57 at training step 104 (a sampled one), {1 - 0.57 / CHANCE:.0%} below "
            "chance, and is back "
            "near chance after 118 updates (loss 0.68; chance") in r.words, r.words
    # a low within its noise (its bound above chance) is no evidence that it moved: the words stay as they were
    r = diagnose(deep_sigmoid(0.68, 118, lowest_judged_loss=0.57, lowest_judged_bound=0.75, lowest_judged_step=104))
    assert "; the loss has not yet moved from chance after 118 updates" in r.words, r.words


@given(loss=st.floats(0.05, 0.62), steps=st.integers(2, JUDGE_AFTER_STEPS - 1))
def test_a_mean_below_chance_is_never_said_not_to_have_moved(loss, steps):
    """Below 90% of chance, within its batches' noise of chance (two batches, one near 0 and one near twice the
    mean), the words say how far below and that the noise is too wide to tell, never 'not yet moved' (W35)."""
    judged = ((steps - 1, loss * 0.02), (steps, loss * 1.98))  # their mean is `loss`
    r = diagnose(deep_sigmoid(loss, steps, judged_losses=judged))
    assert r.status is Status.VANISHING
    assert "not yet moved" not in r.words, r.words
    if "chance" in r.words:  # (a mean within its noise of chance: otherwise the loss has moved, and says nothing)
        assert f"; the loss is {1 - loss / CHANCE:.0%} below chance after {steps:,} updates" in r.words, r.words
        assert "are too few to tell that from chance: with 2," in r.words, r.words  # (2 batches: too few, W46)
