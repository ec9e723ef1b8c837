"""Issue 17, W87 walkthrough finding 4: a contrastive loss written by hand, exp(sim / 0.001) over a batch, overflowed
to inf / inf at the first training step, and the remedy led with 'Lower the learning rate ... or clip the gradients'
norm', though no update had run. A loss NaN or infinite at the first step now sends the script to how the loss is
computed. Reference: the test's own loss at step 1."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(temperature: float, steps: int = 3, nan_from: int | None = None):
    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8))
    opt = torch.optim.SGD(encoder.parameters(), lr=0.1)
    x = torch.randn(64, 16)
    seen = []
    with Monitor(encoder, every=1, chance_loss=math.log(63)) as mon:
        for t in range(1, steps + 1):
            with mon.step() as s:
                a = F.normalize(encoder(x + 0.01 * torch.randn_like(x)), dim=1)
                b = F.normalize(encoder(x + 0.01 * torch.randn_like(x)), dim=1)
                e = torch.exp(a @ b.t() / temperature)  # by hand: overflows at a small temperature
                loss = -torch.log(e.diag() / e.sum(1)).mean()
                if nan_from is not None and t >= nan_from:
                    loss = loss * float("nan")
                loss.backward()
                s.loss = loss
            seen.append(loss.item())
            opt.step()
            opt.zero_grad()
    return mon.report().reading, seen


def test_a_loss_nan_at_the_first_step_points_at_its_computation_not_the_learning_rate():
    r, seen = _run(0.001)
    assert math.isnan(seen[0])  # the premise: inf / inf at step 1, before any update
    assert r.status.value == "diverged", r.words
    assert r.remedy.startswith("The loss was NaN or infinite at the first training step, before any update changed "
                               "a weight, so neither the learning rate nor clipping made it"), r.remedy
    assert "torch.logsumexp" in r.remedy and "Lower the learning rate" not in r.remedy


def test_a_loss_that_turns_nan_later_keeps_its_own_remedy():
    r, seen = _run(0.5, steps=6, nan_from=4)
    assert math.isfinite(seen[0]) and math.isnan(seen[3])  # the premise
    assert r.status.value == "diverged", r.words
    assert not r.remedy.startswith("The loss was NaN or infinite at the first training step"), r.remedy
