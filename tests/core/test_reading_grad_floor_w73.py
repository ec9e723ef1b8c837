"""The round-off floor under which a weight gradient counts as none is taken from the loss the gradients are of
(issue 17, W73 walkthrough finding 4): a ReLU RNN clipped at 154 whose window held a blow-up (a mean loss of 2.85e14)
read, on a step whose own loss was 0.69, 'no gradient ... every weight's gradient is 0 or round-off (every norm below
280)', while its recurrent weight's gradient was 0.47 and the output layer's 0.32. The floor is GRAD_FLOOR times the
latest loss (recent_losses' last) where it is above 1, whatever the window's mean; a gradient truly at round-off under
a large loss of its own still reads as none."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_flow import GRAD_FLOOR, floor_of
from actlab.readings import LayerSummary, RunSummary, Status, diagnose


def _summary(grad: float, out: float, mean: float, latest: float, chance: float = 0.693,
             before: tuple = (1e16, 3.2)) -> RunSummary:
    return RunSummary((LayerSummary("relu", 32, grad, label="hh>add:relu", weights="'hh.weight'"),), out,
                      loss=mean, chance_loss=chance, steps=40, recent_losses=(*before, latest),
                      recent_loss_steps=(20, 39, 40))


def test_gradients_of_a_small_latest_loss_are_not_round_off_of_a_large_window_mean():
    s = _summary(0.47, 0.32, mean=2.85e14, latest=0.69)
    assert floor_of(s) == GRAD_FLOOR  # the latest loss is under 1: the floor itself
    reading = diagnose(s)
    assert all(f.status is not Status.NO_GRADIENT for f in reading.findings), reading.findings[0].words
    assert "round-off" not in reading.findings[0].words


def test_gradients_at_round_off_of_their_own_large_loss_still_read_as_none():
    # a summed loss of 1e10 at its chance (the floor: 1e-12 x 1e10 = 0.01, over both norms)
    s = _summary(1e-3, 2e-3, mean=1e10, latest=1e10, chance=1e10, before=(1e10, 1e10))
    assert floor_of(s) == GRAD_FLOOR * 1e10
    first = diagnose(s).findings[0]
    assert first.status is Status.NO_GRADIENT and "every norm below 0.01" in first.words, first.words


@given(st.floats(1e-6, 1e30), st.floats(1e-6, 1e30))
def test_the_floor_follows_the_latest_finite_loss(mean, latest):
    s = _summary(1.0, 1.0, mean=mean, latest=latest)
    assert floor_of(s) == GRAD_FLOOR * max(latest, 1.0)
    no_latest = RunSummary(s.layers, 1.0, loss=mean, chance_loss=0.693, steps=40)
    assert floor_of(no_latest) == GRAD_FLOOR * max(mean, 1.0)  # none kept: the loss judged
