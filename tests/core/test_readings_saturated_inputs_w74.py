"""Inputs under the RMS-100 line that hold the first layer's units in their tails are read as unscaled inputs, and a
pooled saturated count names the layer that holds most of them (issue 17, W74 walkthrough finding 10: inputs offset by
60 saturated 59 of a first Tanh layer's 64 units and read only '60 of 128 hidden units are saturated', no remedy).
References: the summaries' own counts and input root mean square, compared by the tests."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_loss import UNSCALED_INPUT_RMS
from actlab.reading_record import SCALED_INPUT_RMS
from actlab.readings import TORCH_LEVERS, LayerSummary, RunSummary, Status, diagnose

CHANCE = math.log(3)


def _run(rms, first_saturated, act="tanh", width=64, second_saturated=0):
    layers = (LayerSummary(act, width, 0.5, saturated=first_saturated, label=f"module '1' ({act})",
                           weights="'0.weight'"),
              LayerSummary(act, width, 0.5, saturated=second_saturated, label=f"module '3' ({act})",
                           weights="'2.weight'"))
    return RunSummary(layers, 0.5, loss=0.95 * CHANCE, chance_loss=CHANCE, steps=200, input_rms=rms,
                      levers=TORCH_LEVERS)


def test_inputs_of_rms_60_with_the_first_layer_saturated_read_unscaled_with_the_standardising_remedy():
    r = diagnose(_run(60.0, 59))
    assert r.status is Status.UNSCALED_INPUTS
    assert "root mean square is 60, and 59 of the 64 units of module '1' (tanh) are saturated" in r.words
    assert r.remedy.startswith("Standardise each input column to mean 0 and variance 1")


def test_the_pooled_count_names_the_layer_that_holds_most_of_it():
    r = diagnose(_run(1.0, 59))  # scaled inputs: the first layer's saturation is the weights', not the inputs'
    assert r.status is not Status.UNSCALED_INPUTS
    assert "59 of 128 hidden units are saturated" in r.words
    assert "59 of 64 in module '1' (tanh)" in r.words


@given(rms=st.floats(0.0, 1e4), first=st.integers(0, 64), second=st.integers(0, 64),
       act=st.sampled_from(["tanh", "sigmoid", "relu", "gelu"]))
def test_unscaled_is_said_exactly_where_the_inputs_are_past_a_line(rms, first, second, act):
    r = diagnose(_run(rms, first, act, second_saturated=second))
    saturating = act != "relu"  # (GELU's left tail saturates; a ReLU's units are 'rarely active' instead)
    expected = rms > UNSCALED_INPUT_RMS or (rms > SCALED_INPUT_RMS and saturating and first >= 32)
    assert (Status.UNSCALED_INPUTS in {f.status for f in r.findings}) == expected, (rms, first, act, r.words)
    if expected and rms <= UNSCALED_INPUT_RMS:
        assert f"{first} of the 64 units" in r.words
    # under the lines, inputs past a root mean square of 3 are still said, with the advice (W75 finding 3)
    said = "the inputs are not standardised" in r.words
    assert said == (not expected and rms > SCALED_INPUT_RMS and r.status.value in ("healthy", "starting", "flowing")), \
        (rms, r.words)
    if said:
        assert "Standardise each input column" in r.remedy


def test_huge_inputs_into_a_model_with_no_hidden_layer_read_unscaled():
    """The RMS-100 line needs no hidden layer (a linear model): the first layer's count is read only under it."""
    r = diagnose(RunSummary((), 0.5, loss=0.95 * CHANCE, chance_loss=CHANCE, steps=200, input_rms=250.0,
                            levers=TORCH_LEVERS))
    assert r.status is Status.UNSCALED_INPUTS and "root mean square is 250" in r.words
