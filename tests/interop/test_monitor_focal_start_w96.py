"""Issue 17, W96 walkthrough finding 5, through the monitor: a focal loss on labels of pure noise, given ln 10 as
chance_loss, stays near where it began, (1 - 1/10)^2 ln 10, 19% under ln 10, and had read 'healthy ... 19% below
chance'. References: the test's own first ten losses, and the closed form of a fresh focal loss's start."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _focal(logits, y, gamma=2.0):
    logp = F.log_softmax(logits, -1).gather(1, y[:, None])[:, 0]
    return (-(1 - logp.exp()) ** gamma * logp).mean()


def _run(noise: bool, steps: int = 300):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    losses = []
    with Monitor(model, every=10, chance_loss=math.log(10)) as mon:
        for t in range(steps):
            g = torch.Generator().manual_seed(t)
            x = torch.randn(128, 20, generator=g)
            y = torch.randint(0, 10, (128,), generator=g) if noise else x[:, :10].argmax(1)
            losses.append(monitored_step(mon, model, x, y, opt, loss_fn=_focal).item())
    return mon.report().reading, losses


def test_a_focal_loss_on_noise_does_not_read_healthy():
    r, losses = _run(noise=True)
    start = sum(losses[:10]) / 10
    assert start == pytest.approx((1 - 1 / 10) ** 2 * math.log(10), rel=0.05)  # the premise: where it begins
    assert sum(losses[-50:]) / 50 > 0.9 * start  # and it stayed there
    assert r.status != Status.HEALTHY, r.words
    m = re.search(r"the mean of its first 10 losses, (\S+), was", r.words)
    assert m and float(m[1]) == pytest.approx(start, rel=5e-3), r.words


def test_a_focal_loss_that_learns_reads_healthy():
    r, losses = _run(noise=False)
    assert sum(losses[-50:]) / 50 < 0.5 * sum(losses[:10]) / 10  # the premise
    assert r.status == Status.HEALTHY, r.words
