"""A rate a schedule lowered is not said to have risen, and a loss lost at a rate unchanged since the run's low points
at the data (issue 17, W103 walkthrough finding 1: a warm-up from 0.001 to 0.1, then steps down to 0.03 at step
1,201; labels random from step 1,501; the remedy read 'it had risen there from 0.001, 30 times, by training step 1,201
... go back nearer 0.001'). Reference: the rates the scheduler set, read back from the optimiser at each step."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402

BROKEN = 1501  # the first step whose labels are random


@pytest.fixture(scope="module")
def broken_labels():
    x, y = clusters(spread=1.0, n=4096, dim=20, classes=5)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [
        torch.optim.lr_scheduler.LinearLR(opt, 0.01, 1.0, total_iters=200),
        torch.optim.lr_scheduler.StepLR(opt, step_size=1000, gamma=0.3)], milestones=[200])
    mon = Monitor(model, every=10, chance_loss=math.log(5))
    g = torch.Generator().manual_seed(0)
    rates, reports = [], {}
    for step in range(1, 2001):
        idx = torch.randint(0, len(x), (64,), generator=g)
        labels = torch.randint(0, 5, (64,), generator=g) if step >= BROKEN else y[idx]
        rates.append(opt.param_groups[0]["lr"])
        monitored_step(mon, model, x[idx], labels, opt)
        sched.step()
        if step in (BROKEN + 19, 2000):
            reports[step] = mon.report()
    mon.close()
    return reports, rates


def test_a_lowered_rate_is_not_said_risen_and_the_data_is_named(broken_labels):
    reports, rates = broken_labels
    # the premise: the rate peaked well before the break, was lowered, and stayed so from before the break on
    peak = max(rates)
    assert rates.index(peak) < 300 and rates[BROKEN - 1] < peak / 2 and len(set(rates[1300:])) == 1, \
        (peak, rates[BROKEN - 1])
    for step, report in reports.items():
        assert report.status == "not_learning", (step, report.reading.words)
        remedy = report.reading.remedy
        assert "risen there" not in remedy and "go back nearer" not in remedy, (step, remedy)
    # soon after the break, its jump dates it: the rate the same before it, the data is where to look
    remedy = reports[BROKEN + 19].reading.remedy
    assert remedy.startswith(f"The learning rate was {rates[-1]:.3g} at every optimiser step from training step"), \
        remedy
    assert "if the data changed at training step 1,50" in remedy, remedy
