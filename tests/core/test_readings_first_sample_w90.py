"""Issue 17, W90 walkthrough finding 1: units dead on every sampled batch from a first sampled step that came after
updates (every="auto" first samples the fourth step) may have been pushed off by those updates or left off by the
initialisation. The no-gradient remedy led with 'Use Leaky ReLU or GELU instead of relu' where SGD at lr 1 had killed
them in three steps. It now leads with the learning rate beside the biases and the initialisation, and says why; where
the first step was sampled, or most dead units were seen on, the rule is as before. The reference: the summary's own
fields, each case built to the rule's three branches."""

from __future__ import annotations

import math

import pytest

from actlab.reading_record import TORCH_LEVERS
from actlab.readings import LayerSummary, RunSummary, Status, diagnose


def _summary(first_sampled, seen_on=0):
    layers = (LayerSummary("relu", 32, 0.0, dead=32, saturated=32, label="module '4'", dead_seen_on=seen_on),
              LayerSummary("relu", 64, 0.0, dead=64, saturated=64, label="module '8'", dead_seen_on=seen_on * 2))
    return RunSummary(layers, 0.0, loss=1.41, chance_loss=math.log(4), steps=150, levers=TORCH_LEVERS,
                      first_sampled=first_sampled)


def test_units_off_from_a_first_sample_after_updates_lead_with_the_rate_and_the_initialisation():
    r = diagnose(_summary((4, 3)))
    assert r.status in (Status.NO_GRADIENT, Status.DEAD_LAYER), r.words
    assert r.remedy.startswith("Lower the learning rate, or check the biases and the weights' initialisation: 96 of "
                               "the dead units of module '4' and module '8' were off on every sampled batch from "
                               "training step 4, the first sampled, after 3 updates not sampled, so whether those "
                               "updates pushed them off or the initialisation left them so is not known"), r.remedy


@pytest.mark.parametrize(("first", "seen", "lead"), [
    (None, 0, "Use Leaky ReLU or GELU instead of relu"),  # the first step sampled: the units were off from it
    ((4, 3), 32, "Lower the learning rate: the units of module '4' and module '8' were on earlier in the run"),
])
def test_otherwise_the_remedy_keeps_its_lead(first, seen, lead):
    r = diagnose(_summary(first, seen))
    assert r.remedy.startswith(lead), r.remedy
    assert "the first sampled, after" not in r.remedy


@pytest.mark.parametrize(("first", "rest"), [
    ((4, 3), "the other 36 were off on every sampled batch from training step 4, the first sampled, after 3 updates "
             "not sampled, and what put them off is not known"),
    (None, "the other 36 were off on every sampled batch from the first training step on, before any update changed "
           "a weight, so the initialisation put them there"),
])
def test_dead_units_partly_seen_on_are_counted_apart(first, rest):
    """W105 walkthrough finding 14: Adam at lr 1 read, at step 62, that what put 30 never-seen-on units off is not
    known, and at step 462 that 'the units ... were on earlier in the run and updates pushed them off' of all 64,
    34 of which had been seen on. Here 60 of the 96 dead units were seen on: the remedy counts them, and says of the
    other 36 what is known."""
    r = diagnose(_summary(first, 20))
    assert r.remedy.startswith("Lower the learning rate: 60 of the dead units of module '4' and module '8' were on "
                               "earlier in the run and updates pushed them off (steps too large push a unit below 0 "
                               f"on every input for good); {rest}"), r.remedy
