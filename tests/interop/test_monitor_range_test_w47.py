"""Issue 17 (W47 walkthrough, finding 1): a learning-rate range test (lr x 1.15 a step from 1e-5, SGD with
momentum). The loss was lowest near step 80 and climbed from there; the final reading's remedy said 'a checkpoint
saved before training step 157, where the loss began to climb', at a loss over 1,000 times chance, against its own
earlier readings (before step 82-87). A run that had learned and then diverged now names its best point; a climb's
start with unsampled steps after it is said to be the last sampled step before the climb. Reference: the test's own
losses."""

from __future__ import annotations

import math
import re
import statistics

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

C = 10


def _range_test(every):
    torch.manual_seed(0)
    x_all = torch.randn(4096, 20)
    y_all = (x_all @ torch.randn(20, C) + 0.5 * torch.randn(4096, C)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, C))
    opt = torch.optim.SGD(model.parameters(), lr=1e-5, momentum=0.9)
    losses = []
    with Monitor(model, every=every, chance_loss=math.log(C)) as mon:
        for step in range(1, 165):
            for group in opt.param_groups:
                group["lr"] = 1e-5 * 1.15 ** (step - 1)
            i = torch.randint(0, 4096, (128,))
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x_all[i]), y_all[i])
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
    return mon.report(), losses


def test_a_run_that_learned_then_diverged_names_its_best_point():
    rep, losses = _range_test(1)
    low = min(range(len(losses)), key=lambda k: losses[k]) + 1  # the test's own lowest batch loss
    assert losses[low - 1] < 0.6 * math.log(C) and losses[-1] > 1000 * math.log(C)  # the premise
    assert rep.reading.status.value == "diverged"
    m = re.search(r"a checkpoint saved before training step ([\d,]+), where the loss was at its lowest \(the median "
                  r"of the 9 steps (around it|up to it|up to training step [\d,]+)", rep.reading.remedy)
    assert m, rep.reading.remedy
    named = int(m.group(1).replace(",", ""))
    # where the loss was 10% below chance, and before the loss climbed past chance again
    climbed = next(t for t in range(low, len(losses) + 1) if losses[t - 1] > math.log(C))
    assert named <= climbed, (named, climbed)
    around = losses[named - 5:named + 4]  # the 9 steps around it (W48: the middle of the lowest median)
    assert statistics.median(around) < 0.9 * math.log(C)
    assert abs(named - low) <= 10  # near the lowest loss, not in the climb


def test_a_climb_between_samples_is_not_said_to_begin_at_the_sample_before_it():
    rep, losses = _range_test(50)  # sampled at steps 50, 100, 150 and the end of the run
    remedy = rep.reading.remedy
    assert "where the loss began to climb" not in remedy
    m = re.search(r"saved before training step ([\d,]+), (where the (mean )?loss was at its lowest|the last step "
                  r"before the climb whose loss was read \(the next read is step ([\d,]+)\)|where the loss was at its "
                  r"lowest before the climb)", remedy)
    assert m, remedy
    named = int(m.group(1).replace(",", ""))
    assert losses[named - 1] < math.log(C)  # a step before the climb, by the test's own losses
