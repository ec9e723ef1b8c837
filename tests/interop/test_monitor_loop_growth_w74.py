"""A recurrence that grows what it carries is read as the loop it is (issue 17, W74 walkthrough findings 3 to 5): a
ReLU recurrence with its weight 3 times PyTorch's default read 'the gradient passed back to module 'act' is 5.0e6
times the one at the last watched activation (module 'act' (call 50))', the loop's calls merged and set against the
last of themselves, its remedy leading with the output layer's initialisation; its calls counted as layers in the
activations' growth ('over 9 watched layers'). References: |dL/da| and the std of each call's output, computed here by
autograd on a copy of the model with the same batch."""

from __future__ import annotations

import copy
import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(4)


class Loop(nn.Module):
    def __init__(self, gain: float):
        super().__init__()
        self.inp, self.rec = nn.Linear(8, 32), nn.Linear(32, 32, bias=False)
        self.act, self.out = nn.ReLU(), nn.Linear(32, 4)
        with torch.no_grad():
            self.rec.weight.mul_(gain)

    def forward(self, x, keep=None):
        h = torch.zeros(x.shape[0], 32)
        for t in range(x.shape[1]):
            h = self.act(self.inp(x[:, t]) + self.rec(h))
            if keep is not None:
                h.retain_grad()
                keep.append(h)
        return self.out(h)


def _run(gain: float, steps: int, calls: int = 50):
    torch.manual_seed(0)
    model = Loop(gain)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=1, chance_loss=CHANCE)
    reports, first = [], None
    for _ in range(steps):
        x = torch.randn(64, calls, 8)
        y = x[:, -1, :4].argmax(1)
        if first is None:
            first = (copy.deepcopy(model), x, y)
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
        reports.append(mon.report())
    return reports, first


def _reference(first):
    model, x, y = first
    kept = []
    F.cross_entropy(model(x, kept), y).backward()
    return [h.grad.norm().item() for h in kept], [h.detach().std().item() for h in kept]


def test_a_loop_that_grows_its_gradient_reads_exploding_through_time():
    reports, first = _run(3.0, 1)
    r = reports[0].reading
    grads, stds = _reference(first)
    assert grads[0] > 1e3 * grads[-1]  # the premise: the gradient grows back through the calls
    assert r.status is Status.EXPLODING
    found = re.search(r"exploding through time: through the 50 calls of act in one forward, \|dL/da\| grows from "
                      r"([0-9.e+-]+) at the last call to ([0-9.e+-]+) at the first, [0-9.e+-]+ times it; the "
                      r"activations' std grows with it, from ([0-9.e+-]+) at the first call to ([0-9.e+-]+) at the "
                      "last", r.words)
    assert found, r.words
    last, top, s1, s50 = (float(v) for v in found.groups())
    assert last == pytest.approx(grads[-1], rel=5e-3) and top == pytest.approx(grads[0], rel=5e-3)
    assert s1 == pytest.approx(stds[0], rel=5e-3) and s50 == pytest.approx(stds[-1], rel=5e-3)
    assert "the last watched activation (module 'act' (call 50))" not in r.words  # no layer set against itself
    assert r.remedy.startswith("Make the recurrence shrink what it carries: initialise the recurrent weight "
                               "'rec.weight' so that its largest singular value is at most 1"), r.remedy
    assert "watched layers" not in r.words  # the calls are no layers
    assert r.remedy.count("largest singular value") == 1  # the far start's words add no second remedy of the loop


def test_a_loop_that_grows_its_state_call_by_call_reads_so_and_its_calls_are_no_layers():
    """Weight 4 times the default over 9 calls: the state grows about 1.7 times a call, the gradient under 1e3 times;
    it read 'the activations' std grows about 1.7 times per layer ... over 9 watched layers'."""
    reports, first = _run(4.0, 1, calls=9)
    r = reports[0].reading
    grads, stds = _reference(first)
    assert grads[0] < 1e3 * grads[-1] and stds[-1] > 10 * stds[0]  # the premise
    per = (stds[-1] / stds[0]) ** (1 / 8)
    assert r.words.startswith("exploding through time: through the 9 calls of act in one forward, the activations' "
                              f"std grows from {stds[0]:.3g} at the first call to {stds[-1]:.3g} at the last, about "
                              f"{per:.2g} times a call"), r.words
    assert "watched layers" not in r.words and "|dL/da| grows" not in r.words
    assert r.remedy.startswith("Make the recurrence shrink what it carries")


def test_a_loop_that_shrinks_its_gradient_does_not():
    r = _run(1.5, 1)[0][0].reading
    assert "exploding" not in r.words and r.words.startswith("vanishing through time"), r.words


def test_a_far_start_from_a_grown_state_leads_its_remedy_with_the_loop_at_every_step():
    reports, first = _run(2.5, 5, calls=30)
    _, stds = _reference(first)
    assert stds[-1] > 10 * stds[0]  # the premise: the state grew through the calls
    said = (f"A recurrent loop grew the output layer's inputs: at training step 1 the activations' std grew from "
            f"{stds[0]:.3g} at the first of the 30 calls of act to {stds[-1]:.3g} at the last")
    for rep in reports:
        assert "far from the targets" in rep.reading.words, rep.reading.words
        assert rep.reading.remedy.startswith(said), rep.reading.remedy


def test_a_run_that_diverges_after_its_loop_exploded_is_told_to_clip_first(tmp_path):
    """W75 walkthrough finding 5: at step 11 the remedy turned to 'Lower the learning rate', which did not keep the run
    finite at a tenth of it, where clipping at 1 did."""
    torch.manual_seed(0)
    model = Loop(3.0)
    opt = torch.optim.SGD(model.parameters(), lr=5e-3)
    mon = Monitor(model, every=1, chance_loss=CHANCE)
    for _ in range(5):
        x = torch.randn(64, 30, 8)
        with mon.step() as s:
            loss = F.cross_entropy(model(x), x[:, -1, :4].argmax(1))
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
    r = mon.report().reading
    assert r.status is Status.DIVERGED, r.words
    assert "at training step 1 the gradient grew" in r.words and "back through the calls of act" in r.words
    assert r.remedy.startswith("Clip the gradients' norm (torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)")
    assert "'rec.weight'" in r.remedy


def test_a_loop_saturated_at_every_call_is_told_to_scale_its_weight_down():
    """W75 walkthrough finding 6: a tanh recurrence 4 times the default scale, its state at tanh's ends at every call,
    read 'vanishing through time' with a remedy for a weight too small, then 'starting' with none."""
    torch.manual_seed(0)
    model = Loop(4.0)
    model.act = nn.Tanh()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    mon = Monitor(model, every=1, chance_loss=CHANCE)
    kept = []
    for _ in range(8):
        x = torch.randn(64, 60, 8)
        with mon.step() as s:
            loss = F.cross_entropy(model(x), x[:, -1, :4].argmax(1))
            loss.backward()
            s.loss = loss
        kept.clear()  # the reference: each call's outputs, on the same batch and weights
        model(x, kept)
        opt.step()
        opt.zero_grad()
    r = mon.report().reading
    saturated = [int(((1 - h.detach().square()).mean(0) < 0.01).sum()) for h in kept]
    assert min(saturated) >= 16  # the premise: half the units or more at every call
    assert r.words.startswith("saturated through time: "), r.words
    assert "of the 32 units of act are saturated at each of its 60 calls" in r.words
    # (its step-1 explosion leads the remedy with clipping: W76 walkthrough finding 3; then the weight's scale)
    assert "Scale the recurrent weight 'rec.weight' down, so that its largest singular value is at most 1" in r.remedy
