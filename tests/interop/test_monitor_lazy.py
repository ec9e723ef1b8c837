"""A model of lazy modules (nn.LazyLinear), their parameters made by the first forward, which is a sampled step's
(issue 17, W44 walkthrough, finding 3: ValueError 'Attempted to use an uninitialized parameter in numel' from inside
the monitor's function watch; one dummy forward before the loop avoided it). Reference: the weights' own .grad."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


@pytest.mark.parametrize("act", [nn.ReLU, nn.GELU])
def test_a_lazy_model_whose_first_forward_is_sampled_is_read(act):
    torch.manual_seed(0)
    model = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(64), act(), nn.LazyLinear(3))
    x, y = torch.randn(64, 7), torch.randint(0, 3, (64,))
    mon = Monitor(model, every=5, chance_loss=math.log(3))
    opt = None
    for step in range(1, 12):
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        own = {n: p.grad.norm().item() for n, p in model.named_parameters()}
        if opt is None:  # made once the parameters exist, as a script with lazy modules does
            opt = torch.optim.SGD(model.parameters(), 0.05)
        opt.step()
        opt.zero_grad()
        if step == 11:  # sampled (every=5: steps 1, 6, 11)
            rows = {l.weights: l.weight_grad_norm for l in mon.report().layers}
            assert rows == pytest.approx({"0.weight": own["0.weight"], "2.weight": own["2.weight"]}, rel=1e-5)
    assert mon.report().step == 11 and mon.sampled_steps == 3


def test_a_lazy_module_that_never_runs_leaves_the_function_watch_on():
    # the watch was off while any parameter stayed lazy: F.gelu in the forward went unread for the whole run
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.spare = nn.Linear(7, 32), nn.Linear(32, 3), nn.LazyLinear(5)

        def forward(self, x):
            return self.b(nn.functional.gelu(self.a(x)))

    torch.manual_seed(0)
    model = Branchy()
    x, y = torch.randn(64, 7), torch.randint(0, 3, (64,))
    mon = Monitor(model, every=1)
    for _ in range(3):
        with mon.step() as s:
            a = nn.functional.gelu(model.a(x))
            a.retain_grad()
            loss = nn.functional.cross_entropy(model.b(a), y)
            loss.backward()
            s.loss = loss
        own = (a.grad.norm().item(), model.a.weight.grad.norm().item())  # autograd's, at the gelu and at 'a'
        model.zero_grad()
    assert torch.nn.parameter.is_lazy(model.spare.weight)  # the premise: it stayed lazy
    (row,) = mon.report().layers
    assert row.activation == "gelu" and row.width == 32
    assert (row.act_grad_norm, row.weight_grad_norm) == pytest.approx(own, rel=1e-5)
