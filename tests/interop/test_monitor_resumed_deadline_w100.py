"""W100 walkthrough finding 3: a model pre-trained for 600 steps, fine-tuned on labels shuffled apart from their inputs
under Monitor(first_step=601), read 'not learning: after 611 updates the loss is above chance' after 11 fine-tuning
updates, then 'starting' again at 691: the steps before the monitor began counted toward the wait a run gets before
it is judged. The wait now counts the monitor's own updates. References: the test's own step counts."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import FAR_JUDGE_STEPS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_resumed_run_is_judged_after_its_own_updates_not_the_steps_before_it():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4000, 20, generator=g)
    y = (x @ torch.randn(20, 5, generator=g)).argmax(1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    for _ in range(600):  # pre-trained, unmonitored
        i = torch.randint(0, 4000, (64,), generator=g)
        nn.functional.cross_entropy(model(x[i]), y[i]).backward()
        opt.step()
        opt.zero_grad()
    shuffled = y[torch.randperm(4000, generator=g)]
    statuses, losses = [], []
    with Monitor(model, every=10, chance_loss=math.log(5), first_step=601) as mon:
        for t in range(601, 601 + FAR_JUDGE_STEPS + 50):
            i = torch.randint(0, 4000, (64,), generator=g)
            losses.append(monitored_step(mon, model, x[i], shuffled[i], opt).item())
            if t - 600 < FAR_JUDGE_STEPS:
                report = mon.report()
                statuses.append((t, report.status))
                if t == 611:
                    words = report.reading.words
    # the premise: its first losses far above chance (confidently wrong on the shuffled labels)
    assert losses[0] > 2 * math.log(5), losses[:5]
    assert "not_learning" not in [s for _, s in statuses], statuses
    # its own updates counted where the words wait (W101 walkthrough finding 7: '(601 updates so far)' one update in)
    assert words.startswith("starting") and words.endswith("(11 updates so far since training step 601)"), words
