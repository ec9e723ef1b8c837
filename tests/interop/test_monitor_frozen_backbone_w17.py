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


def test_a_frozen_backbone_that_does_not_learn_keeps_the_cause_in_its_reading():
    """W37 walkthrough: with both hidden layers frozen, a regression read 'starting: only the output layer trains ...'
    until update 1,000 and then only 'not learning: ... not 10% below chance', with 'raise the learning rate'. The
    targets here are noise, so no model learns them (the reference: the script's own losses, at chance)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    for layer in (model[0], model[2]):
        layer.requires_grad_(False)
    opt = torch.optim.SGD(model[4].parameters(), lr=0.05)
    losses = []
    with Monitor(model, every=20, chance_loss=1.0) as mon:
        for _ in range(1_050):
            x, y = torch.randn(64, 10), torch.randn(64, 1)  # unit-variance noise: chance (the mean's MSE) is 1
            with mon.step() as s:
                loss = nn.functional.mse_loss(model(x), y)
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
            losses.append(loss.item())
    assert sum(losses[-200:]) / 200 > 0.9  # the premise: nothing was learned
    reading = mon.report().reading
    assert reading.status.value == "not_learning", reading.words
    assert ("only the output layer trains: every hidden layer is left out (module '1' (ReLU), after the frozen "
            "'0.weight'; module '3' (ReLU), after the frozen '2.weight')") in reading.words
    assert reading.remedy.startswith("Every hidden layer sits after a weight that is frozen or gets no gradient, so "
                                     "only the output layer learns"), reading.remedy
    assert "requires_grad=True" in reading.remedy
