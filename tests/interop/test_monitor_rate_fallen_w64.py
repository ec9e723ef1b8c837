"""A learning rate decayed to nothing (issue 17, W64 walkthrough finding 3): StepLR(step_size=10, gamma=0.5) stepped
on every batch instead of every epoch took the rate from 0.05 to 9.8e-05 by step 100, and the run read 'healthy' until
'weights not changing' at step 401, the rates it had read never quoted. Now a rate under a thousandth of its highest
for 50 training steps or more is said right after the status. References: the rates the script's optimiser used, step
by step."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

SAID = re.compile(r"the learning rate has been under a thousandth of its highest since training step (\d+) \((\S+) "
                  r"now, (\S+) at training step (\d+)\)(, and every other group's too)?: updates that small barely "
                  r"move the weights")


def _run(steps, schedule, groups=1):
    torch.manual_seed(0)
    x, w = torch.randn(4096, 20), torch.randn(20, 5)
    y = (x @ w).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))
    params = [{"params": model[0].parameters()}, {"params": model[2].parameters()}] if groups == 2 else \
        model.parameters()
    opt = torch.optim.SGD(params, lr=0.05)
    sched = schedule(opt)
    mon = Monitor(model, every=10, chance_loss=math.log(5))
    used = {}  # training step -> the rate its optimiser step used, per group
    reports = {}
    for step in range(1, steps + 1):
        i = torch.randint(0, 4096, (64,))
        monitored_step(mon, model, x[i], y[i], opt)
        used[step] = [g["lr"] for g in opt.param_groups]  # (the rate that step's opt.step() used)
        if sched is not None:
            sched.step()
        reports[step] = mon.report().reading if step % 20 == 0 else None
    mon.close()
    return reports, used


def test_a_step_schedule_stepped_every_batch_is_said_fifty_steps_after_it_fell():
    reports, used = _run(200, lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5))
    fell = next(t for t in sorted(used) if used[t][0] < 1e-3 * 0.05)  # the script's own rates
    assert fell == 101
    for step in (120, 140):  # under 50 steps since
        assert not SAID.search(reports[step].words), reports[step].words
    for step in (160, 200):
        r = reports[step]
        m = SAID.search(r.words)
        assert m and m[5] is None, r.words
        assert int(m[1]) == fell and float(m[3]) == 0.05 and int(m[4]) == 1
        assert float(m[2]) == float(f"{used[step][0]:.3g}")
        assert r.remedy.startswith("If a scheduler sets the rate, check how often scheduler.step() is called")


@pytest.mark.parametrize("schedule", [
    None,  # constant
    lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=200),  # to 0 at the run's last step
    lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.1),  # a thousandth from step 151 on
])
def test_a_rate_not_fallen_for_fifty_steps_is_not_said(schedule):
    reports, used = _run(200, schedule or (lambda opt: None))
    assert not SAID.search(reports[200].words), reports[200].words


def test_one_group_still_training_keeps_it_unsaid():
    def decay_first(opt):  # the first group's rate halved every step, the second's kept
        return torch.optim.lr_scheduler.LambdaLR(opt, [lambda k: 0.5 ** k, lambda k: 1.0])
    reports, used = _run(120, decay_first, groups=2)
    assert used[120][0] < 1e-3 * 0.05 and used[120][1] == 0.05
    assert not SAID.search(reports[120].words), reports[120].words


def test_weights_that_stopped_under_a_fallen_rate_are_told_the_rate_not_the_optimiser():
    """W65 walkthrough finding 3: StepLR(step_size=30, gamma=0.1) stepped per batch; from step 401 'weights not
    changing ... (the weights that are stepped learn) ... If a scheduler brought the learning rate to 0 (a cosine or
    linear decay ends there)', the rate at 5e-21, never 0, every weight in the optimiser."""
    reports, used = _run(500, lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1))
    assert 0 < used[500][0] < 1e-15  # the premise: tiny, not 0
    r = reports[500]
    assert r.status.value == "weights_still", r.words
    assert SAID.search(r.words) and "(from the steps before the rate fell)" in r.words, r.words
    assert "the weights that are stepped learn" not in r.words
    assert r.remedy.startswith("If a scheduler sets the rate, check how often scheduler.step() is called"), r.remedy
    assert "cosine or linear decay" not in r.remedy and r.remedy.count("If a scheduler sets the rate") == 1
