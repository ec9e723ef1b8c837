"""Issue 17 (W46 walkthrough, finding 2): two heads of different depths on one trunk ('cls' a Linear, 'reg' a Linear,
a Tanh and a Linear) took 'reg.2', the last module to run, as the output layer with no note, though the docs say that
of heads side by side it is the one whose weight gets the largest gradient, named in a note. The loss's own autograd
graph now says which weighted modules compute it. References: the test's own .grad norms of each head's weight; a
penalty on a hidden layer's activations or on the weights makes no head of the layer it reaches."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class Deep(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(10, 32), nn.ReLU())
        self.cls = nn.Linear(32, 4)
        self.reg = nn.Sequential(nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h), h


def _step(reg_weight=1.0, extra=None):
    torch.manual_seed(0)
    model = Deep()
    x, yc, yr = torch.randn(64, 10), torch.randint(0, 4, (64,)), torch.randn(64, 1)
    mon = Monitor(model, every=1, chance_loss=2.4)
    with mon.step() as s:
        c, r, h = model(x)
        loss = nn.functional.cross_entropy(c, yc) + reg_weight * nn.functional.mse_loss(r, yr)
        if extra is not None:
            loss = loss + extra(model, h)
        loss.backward()
        s.loss = loss
    own = {"cls": model.cls.weight.grad.norm().item(), "reg.2": model.reg[2].weight.grad.norm().item()}
    return mon.report(), own


@pytest.mark.parametrize("reg_weight", [100.0, 0.01])
def test_of_heads_of_different_depths_the_largest_gradient_is_the_output_layer(reg_weight):
    rep, own = _step(reg_weight)
    expected = max(own, key=own.get)
    assert expected == ("reg.2" if reg_weight > 1 else "cls")  # the premise: the loss weight decides which
    assert rep.output_grad_norm == pytest.approx(own[expected], rel=1e-5)
    note = next(n for n in rep.notes if n.startswith("the loss is computed from 2 heads side by side ('cls' and "
                                                     "'reg.2'"))
    assert f"is '{expected}', the head whose weight gets the largest gradient" in note
    other = "cls" if expected == "reg.2" else "reg.2"
    assert f"'{other}' {own[other]:.3g}" in note
    # each head's |dL/dW| is in that note: neither is listed again as a weight on no row
    assert not any(n.startswith("|dL/dW| of weights on no row") and "'cls.weight'" in n for n in rep.notes)


@pytest.mark.parametrize("extra", [
    lambda m, h: 0.01 * h.abs().mean(),  # an activity penalty on the trunk's output: it reaches the trunk's Linear
    lambda m, h: 1e-4 * sum((p ** 2).sum() for p in m.parameters()),  # weight decay written into the loss
])
def test_a_penalty_makes_no_head_of_what_it_reaches(extra):
    rep, own = _step(100.0, extra)
    note = next(n for n in rep.notes if n.startswith("the loss is computed from"))
    assert note.startswith("the loss is computed from 2 heads side by side ('cls' and 'reg.2'")


def test_one_head_gets_no_note():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 4))
    mon = Monitor(model, every=1)
    with mon.step() as s:
        h = model[1](model[0](torch.randn(64, 10)))
        out = model[4](model[3](model[2](h)))
        # an activity penalty on the first layer
        loss = nn.functional.cross_entropy(out, torch.randint(0, 4, (64,))) + 0.01 * h.abs().mean()
        loss.backward()
        s.loss = loss
    rep = mon.report()
    assert not any(n.startswith("the loss is computed from") for n in rep.notes)
    assert rep.output_grad_norm == pytest.approx(model[4].weight.grad.norm().item(), rel=1e-5)


def test_a_frozen_head_is_said_to_still_send_its_loss_back():
    # W47 walkthrough, finding 5: a head on noise targets frozen mid-run still drove the trunk, and the note said
    # only that the ratios' reference had changed
    torch.manual_seed(0)
    model = Deep()
    x, yc, yr = torch.randn(64, 10), torch.randint(0, 4, (64,)), torch.randn(64, 1)
    mon = Monitor(model, every=1, chance_loss=2.4)
    for step in range(4):
        if step == 2:
            model.reg[2].weight.requires_grad_(False)
            model.reg[2].bias.requires_grad_(False)
        with mon.step() as s:
            c, r, _ = model(x)
            l1, l2 = nn.functional.cross_entropy(c, yc), nn.functional.mse_loss(r, yr)
            trunk_from_reg = torch.autograd.grad(l2, model.trunk[0].weight, retain_graph=True)[0].norm().item()
            loss = l1 + l2
            loss.backward()
            s.loss = loss
        model.zero_grad()
    assert trunk_from_reg > 0  # the premise: the frozen head's loss reaches the trunk
    note = next(n for n in mon.report().notes if n.startswith("the output layer, module 'reg.2' (Linear), is frozen"))
    assert "(where it was frozen mid-run, every ratio moves at that step)" in note
    assert note.endswith("the loss computed from 'reg.2' still sends its gradient back into the layers before it")
