"""The headline says both rules a saturated unit is counted by (issue 17, W74 walkthrough finding 2: sigmoid units
whose mean output sat within 0.005 of 1 were counted, their mean f' 1% to 3.6% of its peak, where the words said 'a
mean |f'| under 1% of its peak' alone). Reference: each unit's mean output and mean f' on the last batch, here."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def test_sigmoid_units_counted_by_their_outputs_are_said_so():
    g = torch.Generator().manual_seed(0)
    x_all = torch.randn(2048, 16, generator=g)
    y_all = (x_all @ torch.randn(16, 3, generator=g)).argmax(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.Sigmoid(), nn.Linear(32, 3))
    with torch.no_grad():
        model[0].weight[:10] *= 0.01
        model[0].bias[:10] = 5.6  # sigmoid 0.9963: f' = 0.0037, 1.5% of its peak of 0.25; 0.0037 under 1 - 0.995
    with Monitor(model, every=1, chance_loss=math.log(3)) as mon:
        for _ in range(5):
            i = torch.randint(0, 2048, (128,), generator=g)
            with mon.step() as s:
                z = model[0](x_all[i])
                loss = nn.functional.cross_entropy(model[2](model[1](z)), y_all[i])
                loss.backward()
                s.loss = loss
            a = torch.sigmoid(z.detach())
    slope = (a * (1 - a)).mean(0) / 0.25
    by_output = (1 - a.mean(0)) < 0.005
    assert int(by_output.sum()) == 10 and bool((slope[by_output] > 0.01).all())  # the premise: the output rule alone
    assert int((slope < 0.01).sum()) == 0
    rep = mon.report()
    assert rep.layers[0].saturated == 10
    assert ("10 of 32 hidden units are saturated (a mean |f'| under 1% of its peak, or outputs nearer a level it "
            "flattens at than 1% of half its range, on average") in rep.reading.words, rep.reading.words
