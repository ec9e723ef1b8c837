"""Issue 17, W105 walkthrough finding 1, in the core rule: inputs past the standardised scale (SCALED_INPUT_RMS) with
half or more of the first layer's units dead read as unscaled inputs, with the dead count and the standardising
remedy; at the standardised scale, or with the first layer alive, the dead layer keeps its own reading."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_record import SCALED_INPUT_RMS
from actlab.readings import LayerSummary, RunSummary, Status, diagnose


@settings(max_examples=80, deadline=None)
@given(st.floats(0.5, 99.0), st.integers(0, 16), st.integers(0, 16))
def test_a_dead_first_layer_beside_unscaled_inputs_reads_as_the_inputs(rms, dead_first, dead_second):
    layers = (LayerSummary("relu", 16, 0.01 if dead_first < 16 else 0.0, dead=dead_first),
              LayerSummary("relu", 16, 0.5, dead=dead_second))
    s = RunSummary(layers, 1.0, loss=math.log(4), chance_loss=math.log(4), steps=300, input_rms=rms)
    r = diagnose(s)
    said = any(f.status == Status.UNSCALED_INPUTS for f in r.findings)
    assert said == (rms > SCALED_INPUT_RMS and 2 * dead_first >= 16), (rms, dead_first, r.words)
    if said:
        f = next(f for f in r.findings if f.status == Status.UNSCALED_INPUTS)
        assert f"{dead_first} of the 16 units of layer 1 are dead" in f.words, f.words
        assert f.remedy.startswith("Standardise each input column"), f.remedy


def test_unscaled_inputs_before_a_relu_are_not_said_to_saturate_it():
    """W105 walkthrough finding 14: inputs of root mean square 192 before a ReLU layer read 'the first layer's inputs
    to its activation are huge (saturated, or enormous steps)'; a ReLU has no tail to saturate in."""
    for activation, said in (("relu", "are huge (enormous steps)"),
                             ("tanh", "are huge (saturated, or enormous steps)")):
        s = RunSummary((LayerSummary(activation, 16, 0.5), LayerSummary(activation, 16, 0.5)), 1.0, loss=1.0,
                       chance_loss=math.log(4), steps=300, input_rms=192.0)
        f = next(f for f in diagnose(s).findings if f.status == Status.UNSCALED_INPUTS)
        assert said in f.words, f.words
