"""Issue 17 (W52 walkthrough, finding 1): an MLP under SGD with momentum, its learning rate raised from 0.05 to 0.6
at step 600. The losses rose over a few steps, not in one jump, and the remedies named checkpoints saved after the
raise: 'before training step 604' and 605 (whole-data loss 0.551 and 0.535, against 0.356 before step 600), and the
dying layer's 'before step 617' to 634 (0.59 to 0.86). The checkpoint's window is now cut where the rise began (a
change point in the losses held), and a dying layer's checkpoint comes from the run's low where the loss rose from
it. Reference: every checkpoint's own loss on all 4,096 points."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4096, 10, generator=g)
    w, w2 = torch.randn(10, 4, generator=g) * 1.5, torch.randn(10, 4, generator=g)
    return x, (x @ w + torch.sin(x @ w2) * 2).argmax(1)


@pytest.mark.parametrize("every", [1, "auto"])
def test_a_moderate_learning_rate_raise_names_a_checkpoint_from_before_it(every):
    torch.set_num_threads(1)
    x, y = _data()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    g = torch.Generator().manual_seed(1)
    whole, named = {}, {}
    with Monitor(model, every=every, chance_loss=math.log(4)) as mon:
        for t in range(1, 801):
            if t == 600:
                for group in opt.param_groups:
                    group["lr"] = 0.6
            with torch.no_grad():  # the weights a checkpoint saved before step t holds, on every point
                whole[t] = F.cross_entropy(model(x), y).item()
            i = torch.randint(0, 4096, (64,), generator=g)
            before = mon.sampled_steps
            with mon.step() as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
            if mon.sampled_steps > before and t > 600:
                for m in re.findall(r"saved before (?:training )?step ([\d,]+)", mon.report().reading.remedy):
                    named.setdefault(int(m.replace(",", "")), t)
    best = min(whole[t] for t in range(1, 601))
    assert whole[700] > 1.5 * best  # the premise: the raise undid the learning
    assert named, "no checkpoint named after the raise"
    for at, first in named.items():
        assert at <= 600 and whole[at] <= 1.05 * best, (at, whole[at], best, first)
