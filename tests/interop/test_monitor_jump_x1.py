"""A healthy run whose learning rate is raised past what it can take (issue 17, W28 second walkthrough, finding 3):
the first batch after the raise, 116 times chance, took the mean of the last 50 batches to 3.1 times chance, and the
reading went from 'healthy' to 'starting: ... above where a run begins ... so the reading waits'. It now reads 'not
learning any more', recalling the low. The reference is the script's own record of each step's loss."""

from __future__ import annotations

import math
import statistics

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def test_a_jump_after_learning_is_not_starting():
    torch.manual_seed(0)
    x_all = torch.randn(2000, 20)
    y_all = (x_all @ torch.randn(20, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = Monitor(model, every=1, chance_loss=math.log(5))
    losses, readings = [], {}
    for step in range(1, 153):
        if step == 151:
            for g in opt.param_groups:
                g["lr"] = 50.0
        i = torch.randint(0, 2000, (64,))
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x_all[i]), y_all[i])
            loss.backward()
            s.loss = loss
        losses.append(loss.item())
        readings[step] = mon.report().reading
        opt.step()
        opt.zero_grad()
    chance = math.log(5)
    assert readings[151].status.value == "healthy"
    assert losses[-1] > 100 * chance and losses[-2] < chance  # the premise: one batch far above, after a low one
    mean = statistics.fmean(losses[-50:])
    assert mean > chance  # the judged mean, the script's own: above chance
    r = readings[152]
    assert r.status.value == "not_learning", r.words
    assert r.words.startswith("not learning any more: the mean loss had come down to "), r.words
    assert f"the loss has risen to {mean:.3g}" in r.words and "starting" not in r.words, r.words
