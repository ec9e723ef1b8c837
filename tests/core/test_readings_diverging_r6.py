"""Issue 17 (W12 item 1): a finite loss that blows up far above chance reads as the failure it is.

Before, a loss 7e13 times chance read "starting", then "vanishing" (ratios of enormous gradients), then "no gradient"
(a floor that grows with the loss). The references here are the runs' own losses against DIVERGING_LOSS x chance,
computed by the test, not by the reading.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.datasets import features, make_dataset
from actlab.network import NetworkConfig
from actlab.optim import OptimConfig
from actlab.readings import (
    DIVERGING_LOSS,
    GRAD_FLOOR,
    LayerSummary,
    RunSummary,
    Status,
    diagnose,
)
from actlab.training import Trainer

NEVER_AFTER = {Status.STARTING, Status.HEALTHY, Status.VANISHING, Status.NO_GRADIENT, Status.FLOWING}


def plane_trainer(act: str, lr: float, hidden=(8, 8)) -> Trainer:
    rng = np.random.default_rng(0)
    d = make_dataset("plane", 200, 0.0, rng=rng)  # a regression head: nothing bounds the loss
    return Trainer(NetworkConfig(2, hidden, (act,), "regression"), OptimConfig("sgd", lr), features(d.points),
                   d.labels, batch_size=10)


@pytest.mark.parametrize(("act", "lr"), [("relu", 10.0), ("tanh", 3.0)])
def test_the_engine_reads_a_blowing_up_loss_as_diverged_from_the_first_step_past_the_limit(act, lr):
    t = plane_trainer(act, lr)
    frames = []
    for _ in range(30):
        t.run_updates(1)
        frames.append(t.frame())
        if t.diverged:
            break
    past = [f for f in frames if math.isfinite(f.train_loss) and f.train_loss > DIVERGING_LOSS * t.chance_loss]
    assert past, [f.train_loss for f in frames]  # the run does blow up (up to 1e40 and beyond)
    first = frames.index(past[0])
    for f in frames[:first]:  # before the limit: not called diverged by the new rule
        assert f.diagnosis.status is not Status.DIVERGED or f.status == "diverged", f.diagnosis.words
    for f in frames[first:]:
        d = f.diagnosis
        assert d.status is Status.DIVERGED and d.is_failure, (f.step, f.train_loss, d.words)
        assert not ({x.status for x in d.findings} & {Status.STARTING, Status.HEALTHY})
        # no ratio of enormous gradients reads as vanishing; a layer whose every unit is off is a second cause, and
        # stays (R9, W14 item 7)
        assert all(x.evidence.get("off_layers") for x in d.findings if x.status is Status.VANISHING), d.words
        # the lab has no clipping setting: its remedy does not offer it (the Monitor's does)
        assert "learning rate" in d.remedy and "clip" not in d.remedy
    assert "diverging: the loss has grown to" in frames[first].diagnosis.words
    assert "times chance" in frames[first].diagnosis.words


def test_a_learning_engine_run_never_reads_diverged():
    rng = np.random.default_rng(1)
    train, test = make_dataset("circle", 500, 0.0, rng=rng).split(0.5, rng)
    t = Trainer(NetworkConfig(2, (4, 2), ("tanh",), "tanh_mse", init="playground"), OptimConfig("sgd", 0.03),
                features(train.points), train.labels, features(test.points), test.labels, batch_size=10, seed=1)
    statuses = [f.diagnosis.status for f in t.frames(60)]
    assert Status.DIVERGED not in statuses and statuses[-1] is Status.HEALTHY


def summary(losses, chance=0.69, norms=(0.1, 0.1), out=0.1, steps=None, act="tanh", **kw) -> RunSummary:
    layers = tuple(LayerSummary(act, 8, g) for g in norms)
    return RunSummary(layers, out, loss=losses[-1] if losses else None, chance_loss=chance,
                      steps=steps if steps is not None else 10 * len(losses), recent_losses=tuple(losses), **kw)


def test_w12s_losses_read_diverged_at_the_step_they_pass_the_limit():
    # t13_explode.py's first losses (every=1, chance 10.2): 1.3e4 at step 7 is the first above 1,000 x chance
    losses = [10.9, 6.67, 8.69, 19.3, 29.7, 734, 1.3e4, 4.01e4, 9.44e5]
    statuses = [diagnose(summary(losses[:k], chance=10.23)).status for k in range(1, len(losses) + 1)]
    assert Status.DIVERGED not in statuses[:6]
    assert statuses[6:] == [Status.DIVERGED] * 3


def test_enormous_gradients_of_a_blown_up_run_read_neither_vanishing_nor_no_gradient():
    # step 24 of t13: output layer 1.8e13, first layer 0 (tanh saturated); step 28: a floor of 1.4e18 above every norm
    losses = [3.9e12 * 10 ** (k / 2) for k in range(10)]
    for norms, out in [((0.0, 5e12), 1.8e13), ((6.9e15, 1e15), 6.9e15)]:
        r = diagnose(summary(losses, chance=10.2, norms=norms, out=out, steps=24))
        assert r.status is Status.DIVERGED
        assert not ({f.status for f in r.findings} & {Status.VANISHING, Status.NO_GRADIENT}), r.to_dict()
        assert "largest weight gradient's norm is" in r.words


def test_a_loss_that_spiked_and_is_falling_again_is_not_diverging():
    # far above chance once, now back near the first of the window: rising is what the reading asks for
    r = diagnose(summary([0.7, 900.0, 50.0, 0.65], chance=0.69))
    assert r.status is not Status.DIVERGED


def test_a_loss_blown_up_to_a_plateau_still_reads_diverged():
    r = diagnose(summary([5e8, 4e8, 4e8, 3.9e8], chance=0.69))
    assert r.status is Status.DIVERGED and "stayed above" in r.words


def test_without_a_chance_loss_a_thousandfold_rise_reads_diverged_and_a_small_one_does_not():
    assert diagnose(summary([0.5, 0.4, 2e3], chance=None)).status is Status.DIVERGED
    assert diagnose(summary([0.5, 0.4, 30.0], chance=None)).status is not Status.DIVERGED


def test_unscaled_inputs_with_no_history_are_not_called_diverging():
    s = RunSummary((LayerSummary("tanh", 8, 0.1),), 0.1, loss=1e4, chance_loss=0.5, steps=3, input_rms=1e4)
    assert diagnose(s).status is Status.UNSCALED_INPUTS


def test_a_genuinely_vanishing_deep_sigmoid_net_still_reads_vanishing():
    s = summary([0.70, 0.69, 0.69], chance=0.69, norms=(1e-9, 1e-6, 1e-3), out=0.1, act="sigmoid")
    assert diagnose(s).status is Status.VANISHING


positive = st.floats(min_value=1e-3, max_value=1e3)


@settings(max_examples=300, deadline=None)
@given(chance=positive, start=st.floats(min_value=0.0, max_value=5.0),
       growth=st.lists(st.floats(min_value=1.0, max_value=1e6), min_size=1, max_size=9),
       factor=st.floats(min_value=1.0001, max_value=1e20),
       norms=st.lists(st.one_of(st.just(0.0), st.floats(min_value=1e-30, max_value=1e30)), min_size=1, max_size=4),
       out=st.one_of(st.just(0.0), st.floats(min_value=1e-30, max_value=1e30)))
def test_no_rising_loss_above_the_limit_reads_healthy_starting_vanishing_or_no_gradient(chance, start, growth, factor,
                                                                                      norms, out):
    # a window that starts anywhere up to 5 x chance and ends factor x DIVERGING_LOSS x chance, above its start
    first = start * chance
    last = max(factor * DIVERGING_LOSS * chance, first * 1.0001)
    middle = [min(first * g, last) for g in growth]
    s = summary([first, *middle, last], chance=chance, norms=tuple(norms), out=out)
    r = diagnose(s)
    assert r.status is Status.DIVERGED and r.is_failure
    statuses = {f.status for f in r.findings}
    assert Status.VANISHING not in statuses and not (statuses & {Status.STARTING, Status.HEALTHY})
    if Status.NO_GRADIENT in statuses:  # only norms that are round-off whatever the loss
        assert all(g < GRAD_FLOOR for g in [*norms, out])


@settings(max_examples=300, deadline=None)
@given(norms=st.lists(st.one_of(st.just(0.0), st.floats(min_value=1e-300, max_value=1e30)), min_size=1, max_size=4),
       out=st.one_of(st.just(0.0), st.floats(min_value=1e-300, max_value=1e30)),
       losses=st.lists(st.floats(min_value=1e-6, max_value=1e40), min_size=1, max_size=10),
       chance=st.one_of(st.none(), positive))
def test_what_is_called_round_off_is_below_the_floor_it_names(norms, out, losses, chance):
    r = diagnose(summary(losses, chance=chance, norms=tuple(norms), out=out))
    for f in r.findings:
        if f.status is Status.NO_GRADIENT:
            assert all(g < f.evidence["grad_floor"] or g == 0 for g in [*norms, out]), f.to_dict()
            assert "every norm below" not in f.words or all(g < f.evidence["grad_floor"] for g in [*norms, out])
