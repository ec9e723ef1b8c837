"""Issue 17 (W85 walkthrough finding 10): Adam at lr 0 read 'weights not changing ... is the optimiser stepping
(opt.step()), does it hold these parameters, is its learning rate 0?' while the monitor had read a rate of 0 at every
optimiser step. The rates read now say it. Reference: the rates the test set, and the weights it compares itself."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(rates):
    torch.manual_seed(0)
    x, y = torch.randn(512, 8), torch.randint(0, 3, (512,))
    model = nn.Sequential(nn.Linear(8, 32), nn.SiLU(), nn.Linear(32, 32), nn.SiLU(), nn.Linear(32, 3))
    groups = [{"params": model[0].parameters(), "lr": rates[0]},
              {"params": [*model[2].parameters(), *model[4].parameters()], "lr": rates[-1]}]
    opt = torch.optim.Adam(groups if len(rates) == 2 else model.parameters(), lr=rates[0])
    start = [p.detach().clone() for p in model.parameters()]
    mon = Monitor(model, every=5, chance_loss=math.log(3))
    for t in range(1, 202):
        i = torch.randint(0, 512, (64,), generator=torch.Generator().manual_seed(t))
        monitored_step(mon, model, x[i], y[i], opt)
    kept = [torch.equal(a, p) for a, p in zip(start, model.parameters(), strict=True)]
    return mon.report().reading, kept


@pytest.mark.parametrize(("rates", "said"), [
    ((0.0,), "the optimiser's learning rate is 0"),
    ((0.0, 0.0), "each of the 2 parameter groups' rates is 0"),
])
def test_rates_read_at_0_are_said_as_the_cause(rates, said):
    r, kept = _run(rates)
    assert all(kept)  # the premise: no weight moved
    assert r.status.value == "not_learning", r.words
    assert "although they get gradients (the largest" in r.words
    assert f": {said}, read at every optimiser step from training step 1" in r.words, r.words
    assert "is its learning rate 0?" not in r.words
    assert r.remedy.startswith("Set the learning rate above 0"), r.remedy


def test_one_group_at_0_beside_one_that_trains_is_not_said_so():
    r, kept = _run((0.0, 1e-2))
    assert kept[:2] == [True, True] and not all(kept[2:])  # the premise: the first layer alone stood still
    assert "read at every optimiser step" not in r.words, r.words
