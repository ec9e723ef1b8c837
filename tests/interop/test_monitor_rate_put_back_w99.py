"""W99 walkthrough finding 2: SGD at 0.05 raised to 5 for training steps 601 to 650 and put back at 0.05; a layer died
and the loss went back to chance. From step 700 on the remedy said 'go back to 0.05', 'with a restart: lower the
learning rate' and 'Lower the learning rate: the units ... were on earlier', the rate having been 0.05 again since
step 651. References: the rates the test set, and its own count of the layer's units on over a probe."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_rate_raised_and_put_back_is_not_to_be_lowered_again():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(20000, 20, generator=g)
    w1, w2 = torch.randn(20, 64, generator=g), torch.randn(64, 10, generator=g)
    y = (torch.tanh(x @ w1 / math.sqrt(20)) @ w2).argmax(1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    with Monitor(model, every=5, chance_loss=math.log(10)) as mon:
        for t in range(1, 1001):
            for group in opt.param_groups:
                group["lr"] = 5.0 if 601 <= t <= 650 else 0.05
            i = torch.randint(0, 20000, (128,), generator=g)
            monitored_step(mon, model, x[i], y[i], opt)
        report = mon.report()
    with torch.no_grad():
        on = (model[2](model[1](model[0](x[:2048]))) > 0).any(0)
    assert not on.any()  # the premise: every unit of module '3' is off on the probe
    remedy = report.reading.remedy
    assert ("It is back at 0.05 since training step 651, which undoes none of what the raised rate did: keep it "
            "there") in remedy, remedy
    assert "restart from the weights the run began with" in remedy and "a checkpoint saved before training step 601" \
        in remedy, remedy
    assert "lower the learning rate" not in remedy.lower() and "go back to 0.05" not in remedy, remedy
