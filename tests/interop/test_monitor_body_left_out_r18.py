"""R18 finding 6, through the Monitor: a body left out of the optimiser under a head that learns read not_learning.
The references: the body's weights compared with copies taken before training, and the losses the loop computed."""

from __future__ import annotations

import copy
import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_forgotten_body_under_a_head_that_learns_reads_its_words_with_a_status_the_loss_allows():
    torch.manual_seed(0)
    x = torch.randn(512, 10)
    y = (x[:, 0] * x[:, 1] + x[:, 2] > 0).long()
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    body = copy.deepcopy([model[0].weight, model[2].weight])
    opt = torch.optim.SGD(model[4].parameters(), lr=0.1)  # the body forgotten: only the head is stepped
    chance = math.log(2)
    mon = Monitor(model, every=1, chance_loss=chance)
    losses = []
    for i in range(400):
        j = (i * 64) % 512
        loss = monitored_step(mon, model, x[j:j + 64], y[j:j + 64])
        losses.append(loss.item())
        opt.step()
        opt.zero_grad()
    assert torch.equal(body[0], model[0].weight) and torch.equal(body[1], model[2].weight)
    mean = sum(losses[-10:]) / 10
    assert mean < 0.9 * chance  # the head learned: over 10% below chance
    r = mon.report().reading
    # no failure (the head learns), and no health either: a script gating on the status sees it (W54 finding 1)
    assert r.status.value == "weights_still" and not r.is_failure, r.words
    assert r.words.startswith("weights not changing: the weights '0.weight' and '2.weight' have not changed"), r.words
    assert f"while the loss is {1 - mean / chance:.0%} below chance" in r.words, r.words
    assert "does it hold these parameters" in r.words and "opt.step()" in r.remedy
