"""A blow-up in a run's first steps (W58 walkthrough finding 6): Adam at lr 1 took a sigmoid head's BCE loss from 0.68
(chance 0.69) to 3.23 and 26.5 on steps 1 to 3, and for 100 steps the reading said 'starting ... above where a run
begins' with no remedy: a blow-up needed the median of the 10 losses before it near chance, and a run 3 steps old has 2.
A run a few steps old now climbs from its first losses where one of them was at chance or below. Reference: the
script's own losses."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

BLOW_UP = 30  # BLOW_UP_LOSS: a blow-up is a loss past 30 times chance


def test_a_blow_up_on_the_third_step_is_read_as_one():
    torch.manual_seed(0)
    x = torch.randn(2000, 8)
    y = ((x @ torch.randn(8, 1) + 0.5 * torch.randn(2000, 1)) > 0).float()
    p = float(y.mean())
    chance = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), 1.0)
    losses, reports = [], {}
    with Monitor(model, chance_loss=chance, every=10) as mon:
        for _ in range(120):
            i = torch.randint(0, 2000, (64,))
            with mon.step() as s:
                loss = nn.BCELoss()(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
            r = mon.report()
            reports[r.step] = r
    peak = next(t for t, v in enumerate(losses, 1) if v > BLOW_UP * chance)
    assert peak <= 5 and losses[0] <= 1.5 * chance, losses[:6]  # the walkthrough's case
    later = [r for t, r in reports.items() if t >= 50]
    assert later and all(r.status != Status.STARTING for r in later), [(r.step, r.status) for r in later]
    for r in later:
        text = r.reading.words + " " + r.reading.remedy
        assert "blew up to" in text and f"at training step {peak}" in text, (r.step, text[:400])
