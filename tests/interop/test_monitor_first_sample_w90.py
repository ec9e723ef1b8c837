"""Issue 17, W90 walkthrough finding 1: SGD at lr 1 with momentum killed most of a small CNN's ReLU channels over its
first three steps, with no blow-up of the loss; every="auto" first samples the fourth step, so no unit that died was
seen on, and the no-gradient reading's remedy led with 'Use Leaky ReLU or GELU instead of relu'. Where the first
sampled step came after updates, the remedy now says that those updates or the initialisation put the units there,
and leads with the learning rate beside the biases; a monitor that samples the first step sees the units on, and
leads with the learning rate alone (here; the remedy's rule on the summary's fields is tested in
tests/core/test_readings_first_sample_w90.py). The reference: the channels on at each step, counted by the test's own
hook."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(every, first_sampled: bool, lr: float = 1.0):
    """A small ReLU CNN under SGD with momentum at ``lr``, 60 steps; its report, and how many channels of module '8'
    were on in each step's batch."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2000, 3, 16, 16, generator=g)
    y = (x[:, 0].mean((1, 2)) > 0).long() + 2 * (x[:, 1, :8].mean((1, 2)) > 0).long()
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 16, 64), nn.ReLU(), nn.Linear(64, 4))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    on = []  # per step, the channels of module '8' on anywhere in the batch (the test's own count)
    model[8].register_forward_hook(lambda m, i, o: on.append(int((o > 0).any(0).sum())))
    with Monitor(model, every=every, chance_loss=math.log(4)) as mon:
        for step in range(1, 61):
            i = torch.randint(0, 2000, (64,), generator=g)
            with mon.step(sample=first_sampled and step == 1) as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
        return mon.report(), on


def test_a_first_step_sampled_sees_the_units_on_and_leads_with_the_learning_rate():
    report, on = _run(4, first_sampled=True)
    assert on[0] >= 32
    remedy = report.reading.remedy
    assert remedy.startswith("Lower the learning rate"), remedy
    assert "the first sampled, after" not in remedy and "Use Leaky ReLU" not in remedy[:40], remedy
