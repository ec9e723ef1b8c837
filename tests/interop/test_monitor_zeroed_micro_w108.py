"""Gradients zeroed between the micro-batches of one step (W108 walkthrough finding 3): opt.zero_grad() before each
of 4 micro-batches' backward left the optimiser the last micro-batch's gradient alone, and the monitor read 'healthy'
with the note that .grad holds their sum. The reference: what .grad holds at opt.step(), against each micro-batch's
own gradient from torch.autograd.grad on a copy of the step's weights."""

from __future__ import annotations

import copy

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

NOTE = "the gradients were zeroed between the backward calls of step "


def _run(zeroing: str, steps: int = 6):
    """4 micro-batches a step under Monitor(every=1): ``zeroing`` 'once' (after opt.step()), 'each' (zero_grad()
    before each micro-batch's backward), 'each_zero_' (the same with set_to_none=False), or 'sam' (SAM's two passes:
    the weights moved between them, then zeroed). Returns the notes and, per step, whether the first weight's .grad at
    opt.step() is the last micro-batch's gradient alone and whether it is the sum of the four."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), 0.05)
    mon = Monitor(model, every=1)
    w, seen = model[0].weight, []
    for _ in range(steps):
        micro = [(torch.randn(8, 6), torch.randint(0, 3, (8,))) for _ in range(4)]
        twin = copy.deepcopy(model)  # the weights of this step, for the reference outside the block
        with mon.step() as s:
            for k, (x, y) in enumerate(micro):
                if zeroing.startswith("each"):
                    opt.zero_grad(set_to_none=zeroing == "each")
                if zeroing == "sam" and k == 1:  # SAM: the weights moved to the perturbed point, then zeroed
                    with torch.no_grad():
                        for p in model.parameters():
                            p.add_(1e-3 * p.grad.sign())
                    opt.zero_grad()
                loss = F.cross_entropy(model(x), y) / 4
                loss.backward()
            s.loss = loss
        own = [torch.autograd.grad(F.cross_entropy(twin(x), y) / 4, twin[0].weight)[0] for x, y in micro]
        seen.append((torch.allclose(w.grad, own[-1]), torch.allclose(w.grad, sum(own))))
        opt.step()
        opt.zero_grad()
    return mon.report().notes, seen


@pytest.mark.parametrize("zeroing", ["each", "each_zero_"])
def test_gradients_zeroed_before_each_micro_batch_are_said(zeroing):
    notes, seen = _run(zeroing)
    assert all(last and not total for last, total in seen)  # the premise: the optimiser got the last one alone
    said = [n for n in notes if n.startswith(NOTE)]
    assert len(said) == 1, notes
    assert said[0].startswith(NOTE + "1 (4 forwards): '0.weight' and '2.weight' held an earlier backward's gradient")
    assert "the optimiser steps with the last micro-batch's gradient alone" in said[0]


def test_accumulated_micro_batches_are_not_said_zeroed():
    notes, seen = _run("once")
    assert all(total and not last for last, total in seen)  # the premise: the sum of the four
    assert not any(n.startswith(NOTE) for n in notes), notes


def test_sams_second_pass_after_the_weights_moved_is_not_said_zeroed():
    notes, _ = _run("sam")
    assert not any(n.startswith(NOTE) for n in notes), notes


def test_a_replaced_gradient_is_not_kept_alive_by_the_monitor():
    """The comparison holds each .grad weakly: a gradient zeroed to None after the step is freed at once, not kept to
    the next sampled step (a model's worth of gradient memory on a GPU)."""
    import gc
    import weakref

    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), 0.01)
    mon = Monitor(model, every=10)
    with mon.step() as s:
        for _ in range(2):
            loss = F.cross_entropy(model(torch.randn(8, 6)), torch.randint(0, 3, (8,)))
            loss.backward()
        s.loss = loss
    last = weakref.ref(model[0].weight.grad)
    opt.step()
    opt.zero_grad()  # set_to_none: the step's .grad is dropped here
    gc.collect()
    assert last() is None
