"""The W33 walkthrough's run, which two tests replay: a 20-64-64-10 ReLU classifier on noisy blobs under SGD at lr 0.12
with momentum 0.9, batch 32, whose module '3' dies a few units at a time from about step 60. One thread, so that the
trajectory is the same whatever the worker's threads (the order of the sums moves a dying layer)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from actlab.torch import Monitor


def dying_run(every: int, steps: int = 600, *, setup: Callable[[nn.Module], None] | None = None,
              after_backward: Callable[[int, nn.Module], None] | None = None) -> Iterator[tuple[int, object]]:
    """Yields (training step, the monitor's report) after each step; ``setup`` sees the model before training (to
    hook it), ``after_backward`` each step's model after backward, before the optimiser steps."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    centers = torch.randn(10, 20, generator=g) * 1.5
    labels = torch.randint(0, 10, (4096,), generator=g)
    data = centers[labels] + 3.0 * torch.randn(4096, 20, generator=g)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    if setup is not None:
        setup(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.12, momentum=0.9)
    pick = torch.Generator().manual_seed(1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with Monitor(model, chance_loss=math.log(10), every=every) as mon:
            for step in range(1, steps + 1):
                idx = torch.randint(0, 4096, (32,), generator=pick)
                with mon.step() as s:
                    loss = F.cross_entropy(model(data[idx]), labels[idx])
                    loss.backward()
                    s.loss = loss
                if after_backward is not None:
                    after_backward(step, model)
                opt.step()
                opt.zero_grad()
                yield step, mon.report()
    finally:
        torch.set_num_threads(threads)
