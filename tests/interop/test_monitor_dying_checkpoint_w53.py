"""A dying layer's checkpoint stays before the update that threw the weights once the loss comes back down (issue 17,
W53 walkthrough finding 3): lr 0.6 on steps 400-479 took the loss from 0.41 to 2.07 at step 401 and units stopped
from step 408; the remedy named 'before training step 399' (0.504 on the whole data set) until the loss came back,
and from step 1,182 to the end 'before training step 407' (1.766), after the throw and worse than the run's own end
(0.558). Reference: every checkpoint named, scored on the whole data set, against the best before the throw."""

from __future__ import annotations

import copy
import math
import re

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_base import START_WEIGHTS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

THROW = 300  # the first step whose update uses the high learning rate


def _task():
    """The batch generator, a 4-class task on 2,048 points and the 2-hidden-layer ReLU model both tests train."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(2048, 10, generator=g)
    y = (X @ torch.randn(10, 4, generator=g) + torch.sin(X @ torch.randn(10, 4, generator=g)) * 2).argmax(1)
    torch.manual_seed(0)
    return g, X, y, nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))


@pytest.mark.parametrize(("back", "steps", "high"), [(380, 900, 0.6), (380, 1200, 0.8)])
def test_a_dying_layers_checkpoint_stays_before_the_throw_once_the_loss_is_back_down(back, steps, high):
    g, X, y, model = _task()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    saved, named, statuses = {}, {}, []
    for step in range(1, steps + 1):
        for group in opt.param_groups:
            group["lr"] = high if THROW <= step < back else 0.05
        saved[step] = copy.deepcopy(model.state_dict())
        idx = torch.randint(0, 2048, (64,), generator=g)
        monitored_step(mon, model, X[idx], y[idx], opt)
        r = mon.report().reading
        statuses.append(r.status.value)
        for m in re.findall(r"saved before training step ([\d,]+)", r.remedy):
            named.setdefault(int(m.replace(",", "")), []).append(step)

    def scored(state) -> float:
        m = copy.deepcopy(model)
        m.load_state_dict(state)
        with torch.no_grad():
            return F.cross_entropy(m(X), y).item()

    best = min(scored(saved[t]) for t in range(THROW - 50, THROW + 1))
    # the premise: the throw left a dying layer, read to the end, and the loss came back down after it
    assert statuses[-1] in ("dead_layer", "no_gradient") and named
    assert scored(model.state_dict()) < 2 * best
    for step, at in sorted(named.items()):
        assert step <= THROW, (step, at[0], at[-1])  # no checkpoint that holds an update of the throw
        assert scored(saved[step]) <= 1.05 * best, (step, scored(saved[step]), best)


@pytest.mark.parametrize(("peak", "warm"), [(0.2, 300), (0.3, 200)])
def test_a_dying_layer_names_no_checkpoint_from_before_the_loss_came_down(peak, warm):
    """W53 walkthrough finding 6: Adam warmed up to lr 0.2 killed units from step 11 while the loss fell to step 66,
    and the remedy named 'before training step 6' (2.25 on the whole data set, chance 2.30). A checkpoint the remedy
    names holds the learning (the script's losses of the up to 50 steps before it 10% below chance), or the remedy
    says to start afresh, and why."""
    g, X, y, model = _task()
    opt = torch.optim.Adam(model.parameters(), lr=peak)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warm if s < warm else 1.0)
    chance = math.log(4)
    mon = Monitor(model, every=1, chance_loss=chance)
    losses, fresh = [], 0
    for _ in range(300):
        idx = torch.randint(0, 2048, (64,), generator=g)
        loss = monitored_step(mon, model, X[idx], y[idx], opt)
        schedule.step()
        losses.append(loss.item())
        remedy = mon.report().reading.remedy
        for m in re.findall(r"checkpoint saved before training step ([\d,]+)", remedy):
            n = int(m.replace(",", ""))
            before = losses[max(0, n - 51):n - 1]
            mean = sum(before) / len(before) if before else chance
            if "holds next to none of the learning" in remedy:
                fresh += 1
                assert f"restart from {START_WEIGHTS}: the units began to stop before" in remedy, remedy
                assert mean > 0.85 * chance, (n, mean)
            else:
                assert mean <= 0.9 * chance, (n, mean, remedy)
    assert fresh  # the premise: units began to stop before the loss came down, and a dying layer was read
