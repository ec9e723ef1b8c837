"""Issue 17, R14: readings that say where the signal stops, and remedies that fit the face.

References are the engine's own arrays (its signal norms, a forward pass counting units whose derivative is 0 on
every training point) and the numbers each test builds, not the readings' strings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.cli.train import RESTART as CLI_RESTART  # the words actlab train's remedies end with
from actlab.reading_loss import RISING_FACTOR, UNLEARNED
from actlab.reading_record import percent_below
from actlab.readings import (
    ENGINE_LEVERS,
    TORCH_LEVERS,
    VANISHING_RATIO,
    LayerSummary,
    LossSteps,
    RunSummary,
    Status,
    diagnose,
    sci,
)
from actlab.session import RunConfig, build_trainer
from actlab.training import RESTART
from core._built_states import dead_stop_run

TORCH_RESTART = "restart from freshly initialised weights or from a checkpoint saved before the problem began"


# --- item 1: dead units, not a chain of small derivatives ---------------------------------------------------------

@pytest.fixture(scope="module")
def w16_run():
    return dead_stop_run()


def _dead_counts(t) -> list[int]:
    """Units whose derivative is 0 on every training point, counted from a forward pass of the engine."""
    _, trace = t.net.forward(t.x_train)
    return [int(np.all(act.derivative(z) == 0, axis=0).sum()) for act, z in zip(t.net.activations, trace.zs,
                                                                                strict=False)]


def test_w16_relu_net_names_the_layer_where_dead_units_stop_the_signal(w16_run):
    t, frame = w16_run
    r = frame.reading
    signals = [l.signal_norm for l in r.layers] + [r.last_signal_norm]
    drops = [signals[i] / signals[i + 1] for i in range(len(r.layers))]
    stop = int(np.argmin(drops))  # the layer across which the signal falls most
    dead = _dead_counts(t)
    assert dead[stop] > 0 and drops[stop] < VANISHING_RATIO, (dead, drops)  # the premise W16 saw
    d = frame.diagnosis
    assert not any(f.status == Status.VANISHING for f in d.findings), d.words
    finding = next(f for f in d.findings if f.status == Status.DEAD_LAYER)
    assert finding.evidence["stop_layer"] == stop + 1
    assert f"it stops at layer {stop + 1}" in finding.words
    assert f"{dead[stop]} of its {r.layers[stop].width} units are dead" in finding.words
    for i, n in enumerate(dead):
        if n and i != stop:
            assert f"{n} of {r.layers[i].width} in layer {i + 1}" in finding.words
    assert finding.words in d.words  # the headline carries it ('... also dead units stop the gradient ...')
    assert "Leaky ReLU" in d.remedy and "small again" not in d.remedy


def test_w16_dw_ratio_over_a_near_zero_output_dw_is_said_to_mean_nothing(w16_run):
    _, frame = w16_run
    r = frame.reading
    assert r.last_grad_norm < VANISHING_RATIO * r.last_signal_norm  # the premise: the output's inputs are ~0
    finding = next(f for f in frame.diagnosis.findings if f.status == Status.DEAD_LAYER)
    assert finding.evidence["first_to_last_ratio"] == pytest.approx(r.layers[0].grad_ratio_to_last, rel=1e-12)
    assert f"‖dL/dW‖ of {sci(r.last_grad_norm)}" in finding.words and "read the ‖dL/dz‖ column" in finding.words
    assert set(finding.quotes) == {"dz", "dW"}


def test_a_deep_sigmoid_stack_with_no_dead_units_still_reads_vanishing():
    t = build_trainer(RunConfig(dataset="circle", layers=(8,) * 10, activations=("sigmoid",), lr=0.1, seed=1))
    frame = next(iter(t.frames(1)))
    assert sum(_dead_counts(t)) == 0
    assert frame.reading.layers[0].signal_ratio_to_last < VANISHING_RATIO
    assert frame.diagnosis.status == Status.VANISHING, frame.diagnosis.words


@st.composite
def dead_stopped(draw):
    """A ReLU stack whose dead-unit layers alone take the signal below VANISHING_RATIO; no layer is all dead."""
    n = draw(st.integers(2, 8))
    widths = [draw(st.integers(2, 64)) for _ in range(n)]
    dead = [draw(st.integers(0, w - 1)) for w in widths]
    k = draw(st.integers(0, n - 1))
    dead[k] = max(dead[k], 1)
    factors = [draw(st.floats(0.3, 3.0)) for _ in range(n)]
    factors[k] = draw(st.floats(1e-12, VANISHING_RATIO / 3.0 ** n))  # one drop outweighs any growth elsewhere
    signals = [1.0]
    for f in reversed(factors):
        signals.insert(0, signals[0] * f)
    # each weight gradient as large as its signal: the weight ratios vanish with it, as they would in a stack
    layers = tuple(LayerSummary("relu", w, signals[i], d, d, signals[i])
                   for i, (w, d) in enumerate(zip(widths, dead, strict=True)))
    return RunSummary(layers, signals[-1], output_signal_norm=signals[-1])


@settings(max_examples=200, deadline=None)
@given(dead_stopped())
def test_a_run_whose_signal_is_stopped_by_dead_units_never_reads_plain_vanishing(s):
    r = diagnose(s)
    assert not any(f.status == Status.VANISHING for f in r.findings), r.words
    assert r.status == Status.DEAD_LAYER and "vanishing" not in r.words


@settings(max_examples=100, deadline=None)
@given(dead_stopped())
def test_the_same_signal_with_no_dead_units_reads_vanishing(s):
    alive = RunSummary(tuple(LayerSummary(l.activation, l.width, l.grad_norm, 0, 0, l.signal_norm) for l in s.layers),
                       s.output_grad_norm, output_signal_norm=s.output_signal_norm)
    assert diagnose(alive).status == Status.VANISHING


# --- item 2: the Monitor never sees the inputs -----------------------------------------------------------------------

def _vanishing(**kw) -> RunSummary:
    layers = tuple(LayerSummary("sigmoid", 8, 1e-6 * 0.1 ** i) for i in range(4))[::-1]
    return RunSummary(layers, 1.0, **kw)


def test_the_monitor_is_asked_to_check_the_inputs_not_told_they_are_unscaled():
    r = diagnose(_vanishing(levers=TORCH_LEVERS, restart=TORCH_RESTART))
    assert r.status == Status.VANISHING
    assert "check that the inputs are scaled" in r.remedy and "; scale the inputs" not in r.remedy


def test_a_face_that_measured_its_inputs_keeps_the_plain_advice():
    r = diagnose(_vanishing(levers=ENGINE_LEVERS | TORCH_LEVERS, input_rms=50.0))
    assert "scale the inputs to mean 0 and variance 1" in r.remedy and "check that" not in r.remedy


def test_inputs_measured_scaled_get_no_advice_to_scale_them():
    """A root mean square of 1 is what standardising gives: no face tells the learner to do what is done (the
    Monitor measures its inputs since the W57 walkthrough)."""
    for rms in (0.2, 1.0, 3.0):
        r = diagnose(_vanishing(levers=ENGINE_LEVERS | TORCH_LEVERS, input_rms=rms))
        assert "scale" not in r.remedy and "check that" not in r.remedy, r.remedy


# --- items 3 and 4: a learned run, the learning rate per face --------------------------------------------------------

def _lost(**kw) -> RunSummary:
    losses = (3.1, 2.9, 3.0, 3.2, 2.8, 3.1)
    return RunSummary((LayerSummary("tanh", 8, 0.5),), 0.5, loss=3.1, chance_loss=1.0, steps=400,
                      recent_losses=losses, recent_loss_steps=tuple(range(100, 700, 100)), lowest_judged_loss=0.05,
                      lowest_judged_step=100, **{"loss_steps": LossSteps.FRAMES, **kw})


def test_a_fixed_rate_run_is_not_promised_smaller_steps():
    r = diagnose(_lost(restart=CLI_RESTART, learning_rate=3.0, rate_fixed=True))  # as actlab train fills it
    assert r.words.startswith(UNLEARNED)
    assert "small again" not in r.remedy and "schedule" not in r.remedy
    assert "lower the learning rate" in r.remedy and CLI_RESTART in r.remedy


def test_a_trainer_may_lower_its_rate_and_go_on():
    r = diagnose(_lost(restart=RESTART, learning_rate=3.0))
    assert "small again" in r.remedy and "schedule" not in r.remedy and "set so from the start" in r.remedy


def test_a_script_keeps_the_schedule_words():
    r = diagnose(_lost(restart=TORCH_RESTART, levers=TORCH_LEVERS, loss_steps=LossSteps.SAMPLED))
    assert "schedule" in r.remedy and "small again" in r.remedy


@pytest.fixture(scope="module")
def stopped_after_learning():
    t = build_trainer(RunConfig(dataset="circle", layers=(8, 8), activations=("tanh",), lr=0.1, seed=1))
    learned = list(t.frames(60))[-1]
    t.set_lr(0)
    return learned, list(t.frames(10))[-1]


def test_a_run_stopped_on_purpose_after_it_learned_is_no_failure(stopped_after_learning):
    learned, frame = stopped_after_learning
    assert learned.train_loss < 0.9 * learned.chance_loss  # the premise: it had learned
    assert frame.train_loss == learned.train_loss  # lr 0: the engine changed nothing
    d = frame.diagnosis
    assert not d.is_failure and d.status == Status.HEALTHY, d.words
    assert "learning rate is 0" in d.words
    assert f"{percent_below(frame.train_loss, frame.chance_loss)} below chance" in d.words


def test_a_run_at_rate_0_that_never_learned_is_still_a_failure():
    t = build_trainer(RunConfig(dataset="circle", layers=(8, 8), activations=("tanh",), lr=0.0, seed=1))
    frame = list(t.frames(2))[-1]
    assert frame.train_loss > 0.9 * frame.chance_loss
    assert frame.diagnosis.is_failure and "learning rate is 0" in frame.diagnosis.words


# --- item 5: a rise from the minimum, not the first loss against the last --------------------------------------------

# (recent losses as multiples of chance, whether the run reads diverging): each row's reason beside it
DIVERGING_ROWS = [
    ([3000, 100, 50, 1500], True),  # down to 50, then up 30-fold past the limit: R14's case
    ([5000, 400, 1020], True),  # up 2.6-fold from its lowest, past the limit
    ([5000, 980, 1020], False),  # falling from 5000; 980 to 1020 is noise, not a rise
    ([3000, 900, 1100], False),  # the same, 1.2-fold
    ([3000, 2000, 1500], True),  # stayed above the limit throughout
    ([3000, 2000, 1500, 900], False),  # fell below the limit
    ([10, 50, 2000], True),  # the first against the last: kept
    ([990, 1010], True),  # the first against the last: kept
]


@pytest.mark.parametrize(("multiples", "diverging"), DIVERGING_ROWS)
def test_diverging_reads_the_shape_of_the_recent_losses(multiples, diverging):
    chance = 0.7
    losses = tuple(m * chance for m in multiples)
    s = RunSummary((LayerSummary("relu", 8, 1.0),), 1.0, loss=losses[-1], chance_loss=chance, steps=40,
                   recent_losses=losses, recent_loss_steps=tuple(range(10, 10 * len(losses) + 1, 10)))
    r = diagnose(s)
    assert (r.words.startswith("diverging")) is diverging, r.words
    low = min(losses[:-1])
    if diverging and losses[-1] < losses[0] and min(losses) <= 1e3 * chance:
        assert losses[-1] > RISING_FACTOR * low
        assert f"rose from {low:.3g}" in r.words


# --- item 6: one copy of the ratio format --------------------------------------------------------------------------

def test_the_reading_carries_each_layer_ratio_written_as_its_words_write_it(w16_run):
    _, frame = w16_run
    d = frame.diagnosis.to_dict()
    layers = frame.reading.layers
    assert d["ratios"][:-1] == [{"dW": sci(l.grad_ratio_to_last), "dz": sci(l.signal_ratio_to_last)} for l in layers]
    assert d["ratios"][-1] == {"dW": "1", "dz": "1"}
    head = d["words"]
    assert f"passed back to layer 1 is {d['ratios'][0]['dz']} of" in head  # the quoted cells, character for character
    assert f"(layer 1's is {d['ratios'][0]['dW']})" in head


def test_a_ratio_with_nothing_to_divide_by_is_written_as_a_dash():
    r = diagnose(RunSummary((LayerSummary("tanh", 4, 0.3),), 0.0))
    assert r.ratios == (("—", "—"), ("—", "—"))


# --- item 1, the dW ratios' divisor: an output ||dW|| near 0 because its inputs are ----------------------------------

def _tiny_output_dw(layer_dw: float) -> RunSummary:
    """An output layer whose ||dW|| is 1e-9 while its ||dL/dz|| is 0.01 (its inputs near 0 where its error is); the
    signal passed back to layer 1 is half the output's, and no unit is dead."""
    return RunSummary((LayerSummary("tanh", 8, layer_dw, signal_norm=0.005),), 1e-9, output_signal_norm=0.01)


def test_a_huge_dw_ratio_over_a_near_zero_divisor_is_not_read_as_exploding():
    s = _tiny_output_dw(1e-4)  # 1e5 times the output's ||dW||
    r = diagnose(s)
    assert not any(f.status == Status.EXPLODING for f in r.findings), r.words
    assert f"‖dL/dW‖ of {sci(1e-9)}" in r.words and f"is {sci(0.005 / 0.01)} of the one at the output layer" in r.words


def test_a_dw_ratio_over_a_norm_that_is_not_near_zero_still_reads_exploding():
    s = RunSummary((LayerSummary("tanh", 8, 1e-4, signal_norm=0.005),), 1e-9, output_signal_norm=1e-7)
    assert diagnose(s).status == Status.EXPLODING


def test_a_long_chain_of_mild_falls_reads_vanishing_though_every_layer_has_a_dead_unit():
    # a deep ReLU stack under Xavier weights keeps about 0.8 of its signal a layer (30 x 32, xavier_normal, seed 3:
    # median 0.79, lowest 0.59, dead units in 28 layers); at 0.7 a layer, 0.7^30 = 2.3e-5 with no single stop
    signals = [0.7 ** (30 - i) for i in range(31)]
    layers = tuple(LayerSummary("relu", 16, signals[i], 1, 1, signals[i]) for i in range(30))
    r = diagnose(RunSummary(layers, 1.0, output_signal_norm=1.0))
    assert signals[0] < VANISHING_RATIO
    assert r.status == Status.VANISHING and not any(f.status == Status.DEAD_LAYER for f in r.findings), r.words
