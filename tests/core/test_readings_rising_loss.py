"""A starting run whose loss climbs above chance over the recent sampled losses (W13: a ReLU MLP at lr 5, chance 0.69,
losses 0.70, 1.26, 2.81, ... 17.7, read 'starting' with no remedy) is still 'starting' (not yet DIVERGING_LOSS times
chance) but says the loss is climbing and names the learning rate; a loss above chance that is falling, or a run with
no recent losses (actlab's engine), keeps the plain words."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from actlab.readings import DIVERGING_LOSS, RISING_FACTOR, LayerSummary, RunSummary, Status, diagnose


def reading(losses, chance=0.693):
    s = RunSummary((LayerSummary("relu", 64, 0.8, label="'1'", weights="'0.weight'"),), 1.0, loss=losses[-1],
                   chance_loss=chance, steps=31, recent_losses=tuple(losses) if losses is not None else None)
    return diagnose(s)


def test_w13s_climbing_loss_says_so_and_names_the_learning_rate():
    r = reading([0.70, 1.26, 2.81, 5.0, 9.3, 17.7])
    assert r.status is Status.STARTING, r.words
    assert "it has risen from 0.7 to 17.7 over the last 6 sampled losses" in r.words
    assert "lower the learning rate" in r.remedy


def test_a_loss_above_chance_that_falls_keeps_the_plain_words():
    r = reading([17.7, 9.3, 5.0, 2.81])
    assert r.status is Status.STARTING and "risen" not in r.words and r.remedy == ""


def test_no_recent_losses_keeps_the_plain_words():
    s = RunSummary((LayerSummary("relu", 64, 0.8, label="'1'", weights="'0.weight'"),), 1.0, loss=5.0,
                   chance_loss=0.693, steps=31)
    r = diagnose(s)
    assert r.status is Status.STARTING and "risen" not in r.words


# R10: a climb is judged on the medians of the window's halves, so a steady climb of RISING_FACTOR ** 2 over the window
# is said for any length of window (tests/core/test_rising_rule_r10.py)
@given(st.floats(1.2, 0.99 * DIVERGING_LOSS), st.floats(RISING_FACTOR ** 2, 50.0))
def test_every_climb_above_chance_short_of_a_divergence_is_said(end_times_chance, climb):
    chance = 0.693
    end = end_times_chance * chance
    losses = [end / climb, end / climb ** 0.5, end]
    r = reading(losses, chance)
    assert r.status in (Status.STARTING, Status.DIVERGED), r.words
    if r.status is Status.STARTING:
        assert "risen" in r.words and "lower the learning rate" in r.remedy
