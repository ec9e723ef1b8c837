"""Issue 17 (W17 finding 4): still weights in a network whose signal vanishes are the vanishing reading's to explain.

A 10-layer sigmoid stack under the Monitor read 'vanishing: the gradient passed back to module '1' is 1.9e-8 ...'
and also 'weights not changing: ... is the optimiser stepping (opt.step())?', although the optimiser held every
weight: at a gradient of about 1e-11 an element, lr 0.1 moves no float32 weight. The reading looked for the
vanishing in the weight-gradient ratios only (0.009 at the lowest here) and not in the signal passed back. The
references: the update itself, made in float32 (w - lr * g == w), and a summary whose signal does not vanish."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop.torch import Monitor  # noqa: E402
from actlab.readings import WEIGHTS_STILL_STEPS, LayerSummary, RunSummary, Status, diagnose  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_deep_sigmoid_stack_whose_updates_round_away_reads_vanishing_alone():
    torch.manual_seed(0)
    layers = []
    for i in range(10):
        layers += [nn.Linear(32 if i else 8, 32), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(256, 8)
    y = x[:, :4].argmax(1)
    rounded_away = []
    with Monitor(model, every=5, chance_loss=math.log(4)) as mon:
        for _ in range(200):
            monitored_step(mon, model, x, y)
            w = model[0].weight.detach()
            rounded_away.append(torch.equal(w - 0.1 * model[0].weight.grad, w))
            opt.step()
            opt.zero_grad()
    assert all(rounded_away[-100:])  # the premise: the optimiser steps layer 1, and its update rounds away
    reading = mon.report().reading
    assert reading.status is Status.VANISHING
    assert reading.findings[0].evidence["first_to_last_signal_ratio"] < 1e-3
    assert all("weights_still_since" not in f.evidence for f in reading.findings), reading.words


def _summary(signal_first):
    layer = LayerSummary("sigmoid", 32, 0.02, label="module '1' (Sigmoid)", weights="'0.weight'",
                         signal_norm=signal_first)
    return RunSummary((layer,), 1.0, loss=1.38, chance_loss=math.log(4), steps=300, output_signal_norm=1.0,
                      signal_reference="the last watched activation", weights_still_since=1, still_weights=("0",),
                      restart="restart")


def test_the_signal_ratio_decides_as_the_weight_ratio_does():
    assert 300 - 1 >= WEIGHTS_STILL_STEPS
    vanishing = diagnose(_summary(1.9e-8))  # the weight ratio 0.02 alone reads no vanishing
    assert vanishing.status is Status.VANISHING
    assert all("weights_still_since" not in f.evidence for f in vanishing.findings)
    flowing = diagnose(_summary(0.3))  # the same still weight where the signal reaches it: the optimiser is asked
    assert any(f.words.startswith("weights not changing: the weight '0.weight'") for f in flowing.findings)
