"""Issue 17, W106 walkthrough finding 6: SGD at 0.05 raised to 5 at step 190 blew the loss up and killed a ReLU
layer. The remedy said 'go back to 0.05' and then 'Lower the learning rate (a tenth is a good first try; ...', a tenth
of 5 being 0.5, ten times the rate that trained. The rate to go back to is said alone now. References: the rates the
test set, and the dead layer seen by the test's own forward pass."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_raised_rate_that_killed_a_layer_is_put_back_with_no_tenth_of_it():
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (4000,), generator=g)  # four overlapping blobs, as the walkthrough's
    x = 0.5 * torch.randn(4, 20, generator=torch.Generator().manual_seed(123))[y] + torch.randn(4000, 20, generator=g)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    opt = torch.optim.SGD(model.parameters(), 0.05, momentum=0.9)
    n = 0
    with Monitor(model, chance_loss=math.log(4)) as mon:  # every="auto", as the walkthrough's
        for epoch in range(5):
            order = torch.randperm(4000, generator=torch.Generator().manual_seed(epoch))
            for k in range(0, 4000, 64):
                n += 1
                if n == 190:
                    for group in opt.param_groups:
                        group["lr"] = 5.0
                i = order[k:k + 64]
                monitored_step(mon, model, x[i], y[i], opt)
        monitored_step(mon, model, x[i], y[i], sample=True)
        r = mon.report().reading
    with torch.no_grad():
        on = model[3](model[2](model[1](model[0](x[:512])))) > 0
    assert float(on.any(0).float().mean()) < 0.5  # the premise: most of the second layer off
    assert r.status.value in ("dead_layer", "no_gradient"), r.words
    assert "go back to 0.05" in r.remedy, r.remedy
    assert "a tenth" not in r.remedy and "0.5," not in r.remedy, r.remedy
