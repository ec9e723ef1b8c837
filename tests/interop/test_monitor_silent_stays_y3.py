"""A unit counted gone silent stays counted while it stays off (issue 17, W33 walkthrough finding 2): with samples
every 50 steps, units silent at step 212 that were off on the next sampled batch too dropped out of both counts at
step 262, off for 5 sampled batches (not yet dead by their odds, no longer 'silent' by its window): the layer's
stopped units went 47, 49, 31, 36 while the units off on every training step only grew (48, 55, 55), and the watch
page drew a recovery that never happened. Reference: the script's own forward hook on every sampled batch."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def test_the_stopped_count_falls_only_by_units_that_came_back_on():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    centers = torch.randn(10, 20, generator=g) * 1.5
    labels = torch.randint(0, 10, (4096,), generator=g)
    data = centers[labels] + 3.0 * torch.randn(4096, 20, generator=g)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    on = []  # per step: the units of module '3' on for some row of the batch
    model[3].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    opt = torch.optim.SGD(model.parameters(), lr=0.12, momentum=0.9)
    pick = torch.Generator().manual_seed(1)
    stopped = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one trajectory whatever the worker's threads
    with Monitor(model, chance_loss=math.log(10), every=50) as mon:
        for step in range(1, 601):
            idx = torch.randint(0, 4096, (32,), generator=pick)
            with mon.step() as s:
                loss = F.cross_entropy(model(data[idx]), labels[idx])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
            r = mon.report()
            if r.step == step:
                row = next(l for l in r.layers if l.name == "3")
                if row.dead is not None:
                    stopped[step] = (row.dead + row.silent, int(on[step - 1].sum()))
    torch.set_num_threads(threads)
    steps = sorted(stopped)
    assert max(n for n, _ in stopped.values()) >= 40, stopped  # the walkthrough's dying layer
    for a, b in zip(steps, steps[1:], strict=False):
        # a counted unit leaves the count only by being on again: at most as many as were on in the new batch
        assert stopped[b][0] >= stopped[a][0] - stopped[b][1], (a, b, stopped)
