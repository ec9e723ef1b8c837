"""W83 walkthrough finding 2: a network whose weights were 10 times PyTorch's default began at 9,300 times chance. It
diverged at lr 0.05 and at 0.005 with 'Lower the learning rate (a tenth is a good first try)' first, and at 0.0005 a
layer died while the loss came down to chance, with 'Lower the learning rate ... or from a checkpoint saved before
training step 6', weights that held that start; the start's own remedy had been said at sampled steps 6 to 10 only.
A run whose first loss, at training step 1 (before any update), was past 30 times chance now has its divergence's and
its dying layer's remedies lead with the start, and names no checkpoint of the run; a run that began near chance keeps
the learning rate first. References: the script's own first loss, and the run of the same network at PyTorch's
default scale, trained as the remedy says."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop._monitor_base import START_WEIGHTS  # noqa: E402
from actlab.reading_record import times  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

CHANCE = math.log(10)


def _run(scale: float, lr: float, every, act=nn.ReLU, steps: int = 300):
    torch.manual_seed(0)
    x = torch.randn(2048, 32)
    y = (x @ torch.randn(32, 10)).argmax(1)
    model = nn.Sequential(nn.Linear(32, 64), act(), nn.Linear(64, 64), act(), nn.Linear(64, 64), act(),
                          nn.Linear(64, 10))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(scale)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    with Monitor(model, every=every, chance_loss=CHANCE) as mon:
        for step in range(steps):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(step))
            losses.append(monitored_step(mon, model, x[i], y[i], opt, sample=step == steps - 1).item())
        return mon.report(), losses


def _start(first: float) -> str:
    return (f"the first loss, {first:.3g} at training step 1, before any update, was already "
            f"{times(first / CHANCE)} times chance")


@pytest.mark.parametrize("every", [1, "auto"])
def test_a_dying_layer_after_a_far_start_is_sent_to_the_start_not_to_a_checkpoint(every):
    report, losses = _run(10.0, 0.005, every)
    assert losses[0] > 30 * CHANCE and min(losses) > 0.9 * CHANCE  # the premise: far at first, never learned
    assert report.status == "dead_layer" and report.reading.words.startswith("dying layer"), report.reading.words
    remedy = report.reading.findings[0].remedy
    assert remedy.startswith(f"Fix the start first: {_start(losses[0])}, so its gradients, and the first updates with "
                             "them, were huge, and the units stopped before the loss had ever come below chance. A "
                             "first cross-entropy this far above chance"), remedy
    assert remedy.endswith(f"; then restart from {START_WEIGHTS} (the trouble began at the first training "
                           "step)."), remedy
    assert "checkpoint saved before" not in remedy
    assert f"{_start(losses[0])}, and the loss has not come below chance since" in report.reading.words
    # the remedy followed: the same network at PyTorch's default scale, the same learning rate, no layer dies
    fixed, fixed_losses = _run(1.0, 0.005, every)
    assert fixed.status != "dead_layer" and fixed_losses[0] < 1.1 * CHANCE, fixed.reading.words


def test_a_divergence_from_a_far_start_leads_with_the_start():
    report, losses = _run(10.0, 5.0, 1, act=lambda: nn.LeakyReLU(0.1), steps=60)
    assert losses[0] > 30 * CHANCE and not math.isfinite(losses[-1])  # the premise
    assert report.status == "diverged", report.reading.words
    remedy = report.reading.findings[0].remedy
    assert remedy.startswith(f"Fix the start first: {_start(losses[0])}, so its gradients, and the first updates with "
                             "them, were huge. A first cross-entropy"), remedy
    assert "If it still diverges from a start near chance: lower the learning rate (a tenth is a good first try)" \
        in remedy


def test_a_divergence_from_a_start_near_chance_keeps_the_learning_rate_first():
    report, losses = _run(1.0, 50.0, 1, act=lambda: nn.LeakyReLU(0.1), steps=60)
    assert losses[0] < 1.1 * CHANCE and report.status == "diverged", (losses[:3], report.reading.words)
    assert report.reading.findings[0].remedy.startswith("Lower the learning rate (a tenth is a good first try)")
