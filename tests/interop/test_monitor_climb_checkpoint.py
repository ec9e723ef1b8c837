"""A divergence whose climb began on a known step names the checkpoint to go back to (issue 17, W45 walkthrough,
finding 4: lr 30 at step 150, NaN at 157, 'the loss grew first, from 0.261 ... between steps 150 and 156', and the
remedy said only 'a checkpoint saved before the problem began'). Reference: the test's own losses, each step's."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def test_the_remedy_names_the_step_before_the_update_that_threw_the_weights():
    torch.manual_seed(0)
    x, w = torch.randn(512, 10), torch.randn(10, 3)
    y = (x @ w).argmax(1)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    own = {}
    g = torch.Generator().manual_seed(1)
    with Monitor(model, every=5, chance_loss=math.log(3)) as mon:
        for step in range(1, 200):
            if step == 150:  # this step's update is made at lr 30
                for group in opt.param_groups:
                    group["lr"] = 30.0
            i = torch.randint(0, 512, (64,), generator=g)
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            own[step] = loss.item()
            opt.step()
            opt.zero_grad()
    r = mon.report().reading
    assert r.status.value == "diverged", r.words
    # the premise: step 150's loss is the level's, step 151's (of the weights step 150's update made) is far above
    assert own[150] < 0.5 * math.log(3) and own[151] > 10 * own[150]
    assert r.remedy.endswith("or from a checkpoint saved before training step 150, where the loss began to climb."), \
        r.remedy
