"""A first loss between 2 and 30 times chance is said with its cause and remedy from the first reading on (issue 17,
W72 walkthrough finding 4: a classifier whose output layer was initialised 50 times too large began at 3.9 times
chance and read 'the loss is 3.9 times chance, above where a run begins ... so the reading waits', with no remedy,
until the loss had halved). References: the losses the test computes itself, against ln C and the targets' variance;
the same model at PyTorch's default initialisation, whose first loss is near chance, is not said to begin far."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step, squared_error  # noqa: E402

C = 10


def _classifier(gain: float):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, C))
    with torch.no_grad():
        model[4].weight.mul_(gain)
        model[4].bias.mul_(gain)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(512, 20, generator=g)
    y = (x @ torch.randn(20, C, generator=g)).argmax(1)
    return model, x, y


@pytest.mark.parametrize("gain", [50.0, 20.0])
def test_a_classifier_whose_logits_start_far_from_0_is_told_so_at_its_first_reading(gain):
    model, x, y = _classifier(gain)
    mon = Monitor(model, every=1, chance_loss=math.log(C))
    first = monitored_step(mon, model, x[:128], y[:128]).item()
    times = first / math.log(C)
    assert 2 < times < 30  # between the lines: above twice chance, under the far start of started_far
    reading = mon.report().reading
    assert reading.status == "starting"
    assert (f"the loss is {times:.2g} times chance at training step 1, the run's first: the outputs begin far from "
            "the targets") in reading.words, reading.words
    assert "above where a run begins" not in reading.words
    assert reading.remedy.startswith("A first cross-entropy this far above chance means confidently wrong outputs: "
                                     "the output layer's results (the logits) start far from 0, from its weights or "
                                     "from large inputs to it."), reading.remedy
    # a few updates later, the loss still over half its first: the start is said beside the loss now
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    losses = [monitored_step(mon, model, x[128:256], y[128:256], opt).item() for _ in range(3)]
    reading = mon.report().reading
    assert max(losses) > first / 2
    assert f"and its first, {first:.3g} at training step 1, was {times:.2g} times chance: the outputs began far " \
           "from the targets" in reading.words, reading.words
    assert "confidently wrong outputs" in reading.remedy


def test_the_same_classifier_at_its_default_initialisation_is_not_said_to_begin_far():
    model, x, y = _classifier(1.0)
    mon = Monitor(model, every=1, chance_loss=math.log(C))
    first = monitored_step(mon, model, x[:128], y[:128]).item()
    assert first < 1.2 * math.log(C)
    reading = mon.report().reading
    assert "far from the targets" not in reading.words and reading.remedy == "", reading


def test_a_regression_whose_targets_sit_far_from_its_outputs_is_told_to_standardise_them():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
    g = torch.Generator().manual_seed(2)
    x = torch.randn(256, 8, generator=g)
    y = 2.5 + torch.randn(256, 1, generator=g)  # variance about 1, mean 2.5: a first loss near 1 + 2.5^2
    chance = y.var(unbiased=False).item()
    mon = Monitor(model, every=1, chance_loss=chance)
    first = monitored_step(mon, model, x, y, loss_fn=squared_error).item()
    assert 2 < first / chance < 30
    reading = mon.report().reading
    assert f"the loss is {first / chance:.2g} times chance at training step 1, the run's first" in reading.words
    assert reading.remedy.startswith("A first loss this far above chance means the outputs start far from the "
                                     "targets: standardise the targets"), reading.remedy
