"""W83 walkthrough finding 3: a learning rate 100 times too high killed a layer whose units had been on, and once the
whole layer was dead the remedy led with 'Use Leaky ReLU or GELU instead of relu', the learning rate third ('a smaller
learning rate keeps units from being pushed there'). At that rate the Leaky ReLU network diverged; a tenth of it
trained. Where most of a dead layer's units were on earlier in the run, the remedy now leads with the learning rate and
says why. References: the test's own forward hook (each unit on or not, at every step), and the same run at a tenth
of the rate."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(lr: float):
    torch.manual_seed(0)
    x = torch.randn(1024, 16)
    y = (x @ torch.randn(16, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 5))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    on = []
    model[3].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    with Monitor(model, every=1, chance_loss=math.log(5)) as mon:
        for t in range(300):
            i = torch.randint(0, 1024, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, x[i], y[i], opt)
        return mon.report(), torch.stack(on)


def test_a_layer_whose_units_were_on_and_were_pushed_off_leads_with_the_learning_rate():
    report, on = _run(1.0)
    last_on = int(on.any(1).nonzero().max())
    assert int(on[0].sum()) > 16 and last_on < len(on) - 20, last_on  # the premise: on at first, all off at the end
    assert report.status in ("dead_layer", "no_gradient"), report.reading.words
    assert report.reading.findings[0].remedy.startswith(
        "Lower the learning rate: the units of module '3' (ReLU) were on earlier in the run and updates pushed them "
        "off (steps too large push a unit below 0 on every input for good); use Leaky ReLU or GELU"), \
        report.reading.findings[0].remedy
    assert "a smaller learning rate keeps units from being pushed there" not in report.reading.findings[0].remedy
    # the remedy followed: a tenth of the rate, and the layer lives
    fixed, fixed_on = _run(0.1)
    assert bool(fixed_on[-100:].any()) and fixed.status not in ("dead_layer", "no_gradient"), fixed.reading.words
