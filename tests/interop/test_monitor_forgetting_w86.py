"""Issue 17, W86 walkthrough finding 3: fine-tuning on a second task with the first task's held-out loss given, that
loss rose from its first read on (the first task forgotten) and read only 'the network fits its training points at
the cost of new ones'. A held-out loss back up from a low that was its first read now says so, and the remedy adds
what holds forgetting back. Reference: the test's own held-out losses."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _data(n, seed, shift):
    """Task A's teacher, or (shift > 0) task B's: A's read-out moved by shift times a random matrix of its size."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 12, generator=g)
    out = torch.randn(12, 4, generator=torch.Generator().manual_seed(8))
    out = out + shift * torch.randn(12, 4, generator=torch.Generator().manual_seed(9))
    return x, (torch.tanh(x @ torch.randn(12, 12, generator=torch.Generator().manual_seed(7))) @ out).argmax(1)


def _run(held_task: str):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    xa, ya = _data(2048, 1, 0)
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    for t in range(300):  # pretraining on task A, unmonitored
        i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
        opt.zero_grad()
        F.cross_entropy(model(xa[i]), ya[i]).backward()
        opt.step()
    xb, yb = _data(256, 2, 1.5)  # task B: a related teacher, few points (it overfits in time)
    held = {"A": _data(512, 3, 0), "B": _data(512, 4, 1.5)}[held_task]
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    given = []
    with Monitor(model, every=5, chance_loss=math.log(4)) as mon:
        for t in range(1, 601):
            i = torch.randint(0, 256, (32,), generator=torch.Generator().manual_seed(1000 + t))
            monitored_step(mon, model, xb[i], yb[i], opt)
            if t % 10 == 0:
                with torch.no_grad():
                    given.append((t, F.cross_entropy(model(held[0]), held[1]).item()))
                mon.held_out(given[-1][1])
    return mon.report().reading, given


def test_an_earlier_task_s_held_out_loss_rising_from_its_first_read_names_forgetting():
    r, given = _run("A")
    assert min(given, key=lambda g: g[1]) == given[0] and given[-1][1] > 1.5 * given[0][1]  # the premise
    assert r.status.value == "not_generalising", r.words
    assert (f"; it was lowest at its first read, after training step {given[0][0]}, and rose from there, as an earlier "
            "task's held-out loss rises while a fine-tuning forgets that task") in r.words, r.words
    assert "that task is being forgotten: lower the learning rate" in r.remedy, r.remedy


def test_a_held_out_loss_that_came_down_first_says_nothing_of_forgetting():
    r, given = _run("B")
    assert min(given, key=lambda g: g[1]) != given[0]  # the premise: it came down before it rose
    assert "forget" not in r.words and "forgotten" not in (r.remedy or ""), r.words
