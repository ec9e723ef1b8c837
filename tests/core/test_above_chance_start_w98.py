"""W98 walkthrough findings 4 and 6: a loss above chance after 1,000 updates that no step took there was told to
change its learning rate. L1 on targets of pure noise about 50 began at 6 times chance, came down to 1.1 times it and
read 'the outputs began far from the targets and have not come to them' with 'raise the learning rate'; a
class-weighted cross-entropy on labels of pure noise, under the classes' entropy as chance_loss, stayed at ln 4 from
its first step and was told to lower it. References: the summaries' own figures."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.readings import LayerSummary, RunSummary, Status, diagnose

LAYER = (LayerSummary("relu", 64, 0.5, signal_norm=0.5, label="module '1' (ReLU)", weights="'0.weight'"),)


def _summary(first: float, loss: float, chance: float) -> RunSummary:
    window = tuple((t, loss * (1.02 if t % 2 else 0.98)) for t in range(1451, 1501))
    return RunSummary(LAYER, 1.0, loss=loss, chance_loss=chance, steps=1500, first_loss=(1, first),
                      judged_losses=window, output_signal_norm=0.5)


def test_a_loss_that_came_down_from_far_above_chance_to_near_it_says_so():
    chance = 8.0
    r = diagnose(_summary(6.1 * chance, 1.12 * chance, chance))
    assert r.status == Status.NOT_LEARNING, r.words
    assert "its first loss, 48.8 at training step 1, was 6.1 times chance, and the loss came down from it to near " \
           "chance and no further" in r.words, r.words
    assert "have not come to them" not in r.words and "raise the learning rate" not in r.remedy, r.remedy
    assert r.remedy.startswith("A loss that came down to chance and stays there"), r.remedy


def test_a_loss_that_began_above_chance_and_stayed_leads_with_chance_loss():
    chance = 0.92  # the classes' entropy, where the class-weighted loss's chance is near ln 4
    r = diagnose(_summary(math.log(4), 1.01 * math.log(4), chance))
    assert r.status == Status.NOT_LEARNING, r.words
    assert "its first loss, 1.39 at training step 1, was already 1.5 times chance, and the loss has stayed there" in \
        r.words, r.words
    assert r.remedy.startswith("A loss that began above chance and has not moved was not taken there by steps too "
                               "large: check chance_loss"), r.remedy
    assert "lower the learning rate" not in r.remedy


@settings(max_examples=200, deadline=None)
@given(st.floats(1.15, 1.95), st.floats(1.15, 3.0))
def test_a_loss_that_climbed_from_where_it_began_is_still_told_of_its_steps(start, climb):
    """A first loss within 2 times chance and a loss above it by more than 10%: steps took it up (the learning rate
    leads its remedy)."""
    r = diagnose(_summary(start, start * climb, 1.0))
    assert "lower the learning rate" in r.remedy or "Lower the learning rate" in r.remedy, (r.words, r.remedy)
