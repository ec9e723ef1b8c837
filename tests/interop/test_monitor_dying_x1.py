"""Units that died at different steps are told apart (issue 17; the last session's open item 4): a layer whose units
went off at two steps read '21 of 32 units ... (the latest of them first off on training step 161 ...)', as if all 21
died there. The words name the step most of them went off on and the span of the others (W30). References: the two
kills' own steps and the sampled steps around them, from a forward hook's record of each unit."""

from __future__ import annotations

import math
import re

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_earlier_deaths_are_said_apart_from_the_latest():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x = torch.randn(1024, 20)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    mon = Monitor(model, every=10, chance_loss=math.log(3))  # samples steps 1, 11, ..., 151, 161, ...
    kills = {56: slice(0, 12), 156: slice(12, 21)}  # 12 units before step 56, 9 more before step 156
    active = []  # the reference: which units of module '3' were on for some point of each step's batch
    model[3].register_forward_hook(lambda m, i, o: active.append((o > 0).any(0)))
    for step in range(1, 251):
        if step in kills:
            with torch.no_grad():
                model[2].bias[kills[step]] = -100.0
        i = torch.randint(0, 1024, (64,))
        monitored_step(mon, model, x[i], y[i], opt)
    sampled = list(range(1, 251, 10))
    # the sampled step after the last sampled step each early-killed unit was on: where the monitor saw it go off
    # (a unit off on a sampled batch or two by chance before its kill goes off earlier, as the monitor saw it)
    first_off = min(next(t for t in sampled if t > max(t for t in sampled if active[t - 1][u])) for u in range(12))
    assert 41 <= first_off <= 61
    r = mon.report()
    words = r.reading.words
    assert "dying layer: 21 of 32 units of module '3'" in words, words
    # W30: the words name the step most of them went off on (a borderline unit's later step moved the date and the
    # checkpoint with it), and the span of the others; the test's own: each killed unit's first sampled step off
    offs = [next(t for t in sampled if t > max(t for t in sampled if active[t - 1][u])) for u in range(21)]
    bulk = min(set(offs), key=lambda t: (-offs.count(t), t))
    assert offs.count(bulk) < 21 and max(offs) == 161
    assert (f"({offs.count(bulk)} of them off on every sampled batch from training step {bulk} on; on at training "
            f"step {bulk - 10}, the sampled step before; the other {21 - offs.count(bulk)} from other sampled "
            "steps") in words
    assert "the latest on training step 161)" in words and (min(offs) == bulk or f"the first on training step "
                                                            f"{min(offs)}" in words), words
    assert re.search(rf"a checkpoint saved before training step {bulk - 10}(\.$| holds next to none)",
                     r.reading.remedy), r.reading.remedy
