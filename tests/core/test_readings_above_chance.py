"""A run still worse than the constant guess after the judging window (W13: the playground at lr 10, loss 0.904 against
chance 0.5) is said to be above chance, with how many times, and pointed at the learning rate: 'the loss is not 10%
below chance' understated a loss 1.8 times chance. A loss between 90% and 110% of chance (a flat run, a hair either
side) keeps the old words."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actlab.readings import JUDGE_AFTER_STEPS, TORCH_LEVERS, LayerSummary, RunSummary, Status, diagnose


def not_learning(loss: float, chance: float, **kw) -> tuple[str, str]:
    s = RunSummary((LayerSummary("tanh", 8, 0.5, label="layer 1"),), 1.0, loss=loss, chance_loss=chance,
                   steps=JUDGE_AFTER_STEPS + 6625, epochs=305, **kw)
    r = diagnose(s)
    finding = next(f for f in r.findings if f.status is Status.NOT_LEARNING)
    return finding.words, finding.remedy


def test_w13s_playground_loss_above_chance_is_said_with_its_ratio_and_the_learning_rate():
    words, remedy = not_learning(0.904, 0.5)
    assert "the loss is above chance, 1.8 times it" in words, words
    assert "not 10% below" not in words
    assert "lower the learning rate" in remedy


@pytest.mark.parametrize("loss", [0.4975, 0.5, 0.5002, 0.54])
def test_a_loss_near_chance_keeps_the_not_10_percent_below_words(loss):
    words, remedy = not_learning(loss, 0.5)
    assert "the loss is not 10% below chance" in words and "above chance" not in words
    assert remedy.startswith("If the loss is flat")


def test_a_loss_below_chance_short_of_the_line_says_how_far_below():
    """W36 walkthrough finding 2: 8% below chance, the words say so, and that the best possible loss may be there."""
    words, remedy = not_learning(0.46, 0.5)
    assert "the loss is 8.0% below chance, short of the 10% the reading takes as learning" in words, words
    assert "the best possible loss can sit this close to chance" in remedy, remedy


def test_heavy_label_smoothing_is_named_with_its_floor():
    """W47 walkthrough, finding 4: smoothing 0.8 over 10 classes, the loss 5.1% below chance and 90% of the way to its
    floor, read 'not learning' with no word of smoothing. The floor the remedy names is the smoothed targets' entropy,
    computed here independently."""
    c, eps = 10, 0.8
    hit, miss = 1 - eps + eps / c, eps / c
    floor = -(hit * math.log(hit) + (c - 1) * miss * math.log(miss))
    words, remedy = not_learning(0.949 * math.log(c), math.log(c), levers=TORCH_LEVERS)  # a script's own targets
    assert "5.1% below chance" in words
    assert f"with 0.8 over 10 classes the best possible cross-entropy is {1 - floor / math.log(c):.1%} below ln 10" \
        in remedy, remedy
    assert "give s.loss the cross-entropy against the unsmoothed labels" in remedy
    _, lab = not_learning(0.949 * math.log(c), math.log(c))  # actlab's own runs smooth no labels: not said there
    assert "smooth" not in lab and "s.loss" not in lab and "the best possible loss can sit this close" in lab


@given(st.floats(0.01, 100.0), st.floats(1.1001, 999.0))
def test_every_loss_above_chance_is_said_to_be_above_it(chance, times):
    words, _ = not_learning(chance * times, chance)
    assert "above chance" in words and "not 10% below" not in words
