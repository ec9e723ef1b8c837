"""Issue 17 (W17 finding 2): an output layer left out of the optimiser is told as a hidden layer is.

With the head's parameters missing from the optimiser, '4.weight' never changed, yet the Monitor read 'healthy'
(the body learned around a fixed random head); leaving out '2.weight' instead was caught. The still-weight reading
looked only at the hidden layers' rows. The references: copies of the weights (torch.equal) and the head's own
gradient norm from autograd."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(trained):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 4))
    opt = torch.optim.SGD([p for i in trained for p in model[i].parameters()], lr=0.1)
    x = torch.randn(512, 8)
    y = x[:, :4].argmax(1)
    first = {i: model[i].weight.detach().clone() for i in (0, 2, 4)}
    losses = []
    with Monitor(model, every=1, chance_loss=math.log(4)) as mon:
        for _ in range(160):
            idx = torch.randint(0, 512, (64,))
            loss = monitored_step(mon, model, x[idx], y[idx])
            losses.append(loss.item())
            head_grad = model[4].weight.grad.norm().item()
            opt.step()
            opt.zero_grad()
    still = {i for i in (0, 2, 4) if torch.equal(first[i], model[i].weight)}
    return mon.report(), still, head_grad, losses


def test_a_head_left_out_of_the_optimiser_is_named():
    report, still, head_grad, losses = _run(trained=(0, 2))
    assert still == {4} and head_grad > 0.01  # the premise: the head gets a gradient and never moves
    finding = next(f for f in report.reading.findings if "weights_still_since" in f.evidence)
    assert finding.words.startswith("weights not changing: the weight '4.weight' has not changed at any sampled "
                                    "step from the first")
    assert finding.evidence["largest_grad_norm"] == pytest.approx(report.output_grad_norm, rel=1e-6)
    # the still head is the headline; its status is what the loss allows (R18 finding 6): the body learned around the
    # fixed head, so a loss over 10% below chance is no 'not learning', nor healthy (W54 finding 1)
    moved = sum(losses[-10:]) / 10 < 0.9 * math.log(4)
    assert report.reading.words == finding.words
    assert report.reading.status == ("weights_still" if moved else "not_learning")


def test_every_layer_trained_reads_no_still_weight():
    report, still, _, _ = _run(trained=(0, 2, 4))
    assert not still
    assert all("weights_still_since" not in f.evidence for f in report.reading.findings)
