"""W27 walkthrough: after 'the loss blew up to 6.53e+08 at training step 308', a no-gradient remedy still asked to
'check that the inputs are scaled to mean 0 and variance 1 (they were not measured here)', beside the blow-up that
explains the state. With a blow-up on record the check is left out; without one it stays."""

from __future__ import annotations

import math

from actlab.reading_record import TORCH_LEVERS
from actlab.readings import LayerSummary, RunSummary, Status, diagnose


def _summary(blown_up):
    layers = (LayerSummary("relu", 32, 0.0, dead=32, saturated=32), LayerSummary("relu", 32, 0.0))
    return RunSummary(layers, 0.0, loss=1.5, chance_loss=math.log(4), steps=600, levers=TORCH_LEVERS,
                      blown_up=blown_up)


def test_a_blow_up_on_record_drops_the_input_check():
    r = diagnose(_summary((308, 6.53e8)))
    assert r.status in (Status.NO_GRADIENT, Status.DEAD_LAYER), r.words
    assert r.remedy.startswith("Lower the learning rate (a tenth is a good first try): the loss blew up to 6.53e+08"), \
        r.remedy
    assert "check that the inputs are scaled" not in r.remedy, r.remedy


def test_without_a_blow_up_the_input_check_stays():
    r = diagnose(_summary(None))
    assert "check that the inputs are scaled to mean 0 and variance 1 (they were not measured here)" in r.remedy, \
        r.remedy
