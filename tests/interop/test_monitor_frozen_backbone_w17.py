"""Issue 17 (W17 finding 3): under the Monitor, a frozen backbone with a trained head is no linear model.

It read 'healthy: a linear model: no hidden layers' with two hidden rows (frozen) above it. The reference: the
model's own parameters (which require a gradient) and the table's rows."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_frozen_backbone_reads_that_only_the_output_layer_trains():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 3))
    for layer in (model[0], model[2]):
        layer.requires_grad_(False)
    opt = torch.optim.SGD(model[4].parameters(), lr=0.1)
    x = torch.randn(256, 6)
    y = x[:, :3].argmax(1)
    with Monitor(model, every=1, chance_loss=math.log(3)) as mon:
        for _ in range(60):
            monitored_step(mon, model, x, y, opt)
    report = mon.report()
    trained = [n for n, p in model.named_parameters() if p.requires_grad and n.endswith("weight")]
    assert trained == ["4.weight"]  # the premise
    assert [row.weights_frozen for row in report.layers] == [True, True]
    words = report.reading.words
    assert "linear model" not in words
    assert ("only the output layer trains: every hidden layer is left out (module '1' (ReLU), after the frozen "
            "'0.weight'; module '3' (GELU), after the frozen '2.weight')") in words
