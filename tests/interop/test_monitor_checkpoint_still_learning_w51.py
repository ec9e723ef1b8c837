"""Issue 17 (W51 walkthrough, finding 5): a run still learning when its learning rate was raised to 1 at step 500 was
told to restart from 'a checkpoint saved before training step 428' (every="auto") or 464 (every=1), whose weights
scored 0.433 and 0.417 on the whole data set, where those before step 499 scored 0.400. The checkpoint is now looked
for in the latest window of losses within the lowest one's noise, held losses of steps not sampled included, and a
window flat or falling to its end names its end. Reference: every checkpoint's own loss on all 4,096 points."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


@pytest.mark.parametrize("every", [1, "auto"])
def test_a_run_still_learning_when_it_blew_up_names_a_checkpoint_as_good_as_its_best(every):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(4096, 20)
    y = (x @ torch.randn(20, 10) + torch.randn(4096, 10)).argmax(1)
    p = torch.bincount(y, minlength=10).float() / 4096
    chance = float(-(p * p.log()).sum())
    model = nn.Sequential(nn.Linear(20, 64), nn.LeakyReLU(0.1), nn.Linear(64, 64), nn.LeakyReLU(0.1),
                          nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(1)
    whole = {}
    with Monitor(model, every=every, chance_loss=chance) as mon:
        for step in range(1, 561):
            if step == 500:
                for group in opt.param_groups:
                    group["lr"] = 1.0
            with torch.no_grad():  # what a checkpoint saved before this step holds, scored on every point
                whole[step] = F.cross_entropy(model(x), y).item()
            i = torch.randint(0, 4096, (64,), generator=g)
            with mon.step() as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
        r = mon.report().reading
    best = min(whole[t] for t in range(1, 501))
    assert whole[560] > 10 * best and math.isfinite(whole[560])  # the premise: the raised rate threw the weights
    named = re.search(r"a checkpoint saved before training step ([\d,]+)", r.remedy)
    assert named, r.remedy
    at = int(named.group(1).replace(",", ""))
    assert at <= 500 and whole[at] <= 1.01 * best, (at, whole[at], best, r.remedy)
