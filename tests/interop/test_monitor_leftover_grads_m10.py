"""Gradients left in .grad from earlier steps are said once in the notes (W12 finding 13): without zero_grad(),
|dL/dW| reads the sum since the last zero_grad() while |dL/da| stays this step's."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

WORDS = "gradients accumulate across steps"


def _setup():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    return model, x, y


def _notes(mon: Monitor) -> list[str]:
    return [n for n in mon.report().notes if WORDS in n]


def test_no_zero_grad_is_noted_once_and_names_the_figures():
    model, x, y = _setup()
    mon = Monitor(model, every=1)
    grads, act = [], []
    for _ in range(4):  # the same batch: |dL/dW| grows step by step, |dL/da| does not
        with mon.step():
            nn.functional.cross_entropy(model(x), y).backward()
        r = mon.report()
        grads.append(r.layers[0].weight_grad_norm)
        act.append(r.layers[0].act_grad_norm)
    assert grads[3] == pytest.approx(4 * grads[0], rel=1e-4) and act[3] == pytest.approx(act[0], rel=1e-5)
    notes = _notes(mon)
    assert len(notes) == 1
    assert notes[0].startswith("gradients accumulate across steps: when step 2's forward began, every weight "
                               "('0.weight', ...) already held a nonzero gradient")
    assert "zero_grad() is missing" in notes[0] and "|dL/dW| and W/out" in notes[0] and "|dL/da|" in notes[0]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_each_step_gives_no_note(set_to_none):
    model, x, y = _setup()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=1)
    for _ in range(4):
        with mon.step():
            nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        opt.zero_grad(set_to_none=set_to_none)
    assert _notes(mon) == []


def test_micro_batches_inside_one_step_give_no_note_and_are_read_as_before():
    model, x, y = _setup()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=1)
    for _ in range(3):
        with mon.step():
            for half in (slice(0, 8), slice(8, 16)):  # documented: accumulation over micro-batches in one step
                nn.functional.cross_entropy(model(x[half]), y[half]).backward()
        opt.step()
        opt.zero_grad()
    assert _notes(mon) == []
    assert any("forward ran 2 times in one step" in n for n in mon.report().notes)


def test_accumulation_over_steps_on_purpose_is_noted_on_a_sampled_step_that_follows_one():
    model, x, y = _setup()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=2)  # steps 1, 3, 5, ... sampled (0-based 0, 2, 4)
    for i in range(8):
        with mon.step():
            nn.functional.cross_entropy(model(x), y).backward()
        if i % 4 == 3:  # the optimiser steps every 4 steps
            opt.step()
            opt.zero_grad()
    notes = _notes(mon)
    # seen at the end of step 2, the unsampled step after the first sample, whose .grad was step 1's added to once
    # (W29: the step after each of the first sampled steps is checked), before step 3's forward could see it
    assert len(notes) == 1 and "at the end of step 2, every weight ('0.weight', ...) still held step 1's" in notes[0]


def test_one_weight_with_a_leftover_gradient_is_named():
    model, x, y = _setup()
    mon = Monitor(model, every=1)
    with mon.step():
        nn.functional.cross_entropy(model(x), y).backward()
    model[0].weight.grad = None  # only the output layer keeps its gradient
    with mon.step():
        nn.functional.cross_entropy(model(x), y).backward()
    assert "when step 2's forward began, '2.weight' already held" in _notes(mon)[0]
