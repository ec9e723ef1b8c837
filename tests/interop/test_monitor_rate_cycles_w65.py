"""A schedule that restarts (issue 17, W65 walkthrough finding 7): CosineAnnealingLR(T_max=10), meant for epochs and
stepped on every batch, swung the rate between 0.05 and 0 every 20 steps for a whole run, and nothing said so. The
report's notes now say how many times the rate fell near 0 and came back. Reference: the rates the script's
optimiser used, counted the same way (under a hundredth of the highest, then back to half of it or more)."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402


def _run(schedule, steps=200, before=None, scale=1.0):
    """``steps`` monitored steps under ``schedule(opt)``; ``before(step, sched)`` is called before each (1-based), and
    the inputs are multiplied by ``scale``. Returns the notes on restarts and the rate of each step."""
    x, y = clusters()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    sched = schedule(opt)
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    used = []
    g = torch.Generator().manual_seed(1)
    for step in range(1, steps + 1):
        if before is not None:
            before(step, sched)
        i = torch.randint(0, 4096, (64,), generator=g)
        monitored_step(mon, model, x[i] * scale, y[i], opt)
        used.append(opt.param_groups[0]["lr"])
        if sched is not None:
            sched.step()
    notes = [n for n in mon.report().notes if "fell near 0 and came back" in n]
    mon.close()
    return notes, used


def _backs(rates):
    peak, low, backs = max(rates), False, 0
    for lr in rates:
        if lr <= 0.01 * peak:
            low = True
        elif lr >= 0.5 * peak and low:
            backs, low = backs + 1, False
    return backs


def test_a_cosine_stepped_every_batch_is_said_to_restart():
    notes, used = _run(lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10))
    assert len(notes) == 1, notes
    m = re.match(r"the learning rate fell near 0 and came back (\d+) times, about every (\d+) training steps \(from "
                 r"0\.05 to (\S+) and back", notes[0])
    assert m, notes[0]
    assert int(m[1]) == _backs(used) >= 3 and int(m[2]) == 20 and float(m[3]) == float(f"{min(used):.3g}")
    assert "call scheduler.step() once an epoch" in notes[0]


@pytest.mark.parametrize("schedule", [
    lambda opt: None,  # constant
    lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=200),  # one descent over the run
    lambda opt: torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.05, step_size_up=10),  # never near 0
])
def test_a_schedule_that_does_not_fall_near_0_and_come_back_is_not_said(schedule):
    notes, used = _run(schedule)
    assert notes == [] and _backs(used) < 3, (notes, _backs(used))


def test_restarts_to_peaks_that_differ_are_each_counted_w80():
    """W80 walkthrough finding 5: CosineAnnealingWarmRestarts(T_0=100) whose base rate went from 0.05 to 1.5 at the
    fourth cycle read 'came back 3 times ... (from 1.5 to 1.23e-05 and back, the latest by training step 501)' of 5
    restarts (101 to 501): the cycles at 0.05 never reached half of 1.5. Reference: the scheduler restarts every T_0
    steps, by construction."""

    def raise_at_61(step, sched):
        if step == 61:
            sched.base_lrs = [1.5]  # (applied to inputs a hundredth of their scale, so the run stays finite)

    notes, used = _run(lambda opt: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=20), steps=130,
                       before=raise_at_61, scale=0.01)
    restarts = [t for t in range(21, 131, 20)]  # steps 21, 41, ..., 121: the optimiser's rate back at its top
    assert all(used[t - 1] > 10 * used[t - 2] for t in restarts)  # the premise
    assert len(notes) == 1, notes
    m = re.match(r"the learning rate fell near 0 and came back (\d+) times, about every (\d+) training steps \(from "
                 r"highs between 0\.05 and 1\.5 to (\S+) and back, the latest by training step (\d+)\)", notes[0])
    assert m, notes[0]
    assert int(m[1]) == len(restarts) and int(m[2]) == 20 and int(m[4]) == restarts[-1], notes[0]
    assert float(m[3]) == float(f"{min(used):.3g}")
