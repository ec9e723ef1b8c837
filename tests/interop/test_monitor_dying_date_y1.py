"""A dying layer keeps the step its units went off after that step leaves the dead window (issue 17, W29 walkthrough
finding 4): 40 of 64 units killed at step 200 read '(the latest of them first off on training step 200 ...)' and
'a checkpoint saved before training step 199' until the window rolled past, then no step and 'saved before the problem
began'. The monitor keeps every sampled step's training step (SampledSteps). References: the kill's own step, the
sampled steps around it, and a forward hook's record of each unit's activity."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop._monitor_base import SampledSteps  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_the_step_the_units_went_off_is_kept_after_the_window_passes_it():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x = torch.randn(1024, 20)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    mon = Monitor(model, every=10, window=8, chance_loss=math.log(3))  # samples steps 1, 11, ..., 151, 161, ...
    active = []
    model[3].register_forward_hook(lambda m, i, o: active.append((o > 0).any(0)))
    for step in range(1, 301):
        if step == 156:
            with torch.no_grad():
                model[2].bias[:20] = -100.0
        i = torch.randint(0, 1024, (64,))
        monitored_step(mon, model, x[i], y[i], opt)
    # the premise: the 20 are off on every step since the kill, and 161 is 14 samples back, past the window of 8
    assert not torch.stack(active[155:]).any(0)[:20].any()
    assert sum(1 for t in range(1, 301, 10) if t >= 161) > 8
    r = mon.report()
    words = r.reading.words
    assert "dying layer: 20 of 32 units of module '3'" in words, words
    assert ("off on every sampled batch from training step 161 on; on at training step 151, the sampled step "
            "before") in words
    assert r.reading.remedy.endswith("a checkpoint saved before training step 151."), r.reading.remedy


def test_sampled_steps_are_kept_as_runs_and_bounded():
    kept = SampledSteps()
    steps = [1, 11, 21, 31, 36, 41, 46, 47, 100]  # a fixed interval, a shorter one, a lone step
    for t in steps:
        kept.append(t)
    assert [kept.at(g) for g in range(1, len(steps) + 1)] == steps
    assert kept.at(0) is None and kept.at(len(steps) + 1) is None
    many = SampledSteps()
    irregular = [t * t for t in range(1, 3 * SampledSteps.MAX_RUNS)]  # no two gaps alike: a run each
    for t in irregular:
        many.append(t)
    assert len(many._runs) <= SampledSteps.MAX_RUNS
    assert many.at(len(irregular)) == irregular[-1] and many.at(1) is None  # the newest kept, the oldest dropped
