"""W98 walkthrough findings 4 and 6, as a script meets them: a loss above chance that no step took there.

- A class-weighted cross-entropy on labels of pure noise, given the classes' entropy as chance_loss (its chance is
  that of the best constant guess under the weights), stayed near ln 4 from its first step and was told to lower the
  learning rate.
- L1 on targets of pure noise about 50, batches of 8, came down from 6 times chance to near it and read 'the outputs
  began far from the targets and have not come to them', with 'raise the learning rate'.

References: the test's own losses and targets (their entropy, their mean absolute deviation from their median)."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _mlp(out: int):
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, out))


def _run(model, x, y, loss_fn, chance, batch):
    g = torch.Generator().manual_seed(2)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    losses = []
    with Monitor(model, every=10, chance_loss=chance) as mon:
        for t in range(1, 1201):
            i = torch.randint(0, len(x), (batch,), generator=g)
            losses.append(monitored_step(mon, model, x[i], y[i], opt, loss_fn=loss_fn, sample=t == 1200).item())
        return mon.report(), losses


def test_a_weighted_cross_entropy_under_too_low_a_chance_is_not_told_to_lower_its_rate():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(100_000, 20, generator=g)
    y = torch.multinomial(torch.tensor([0.7, 0.15, 0.1, 0.05]), 100_000, replacement=True, generator=g)
    freq = torch.bincount(y, minlength=4).double() / len(y)
    weight = (1 / freq).float()
    entropy = float(-(freq * freq.log()).sum())  # the classes' entropy, 0.92: not this loss's chance
    report, losses = _run(_mlp(4), x, y, lambda out, t: F.cross_entropy(out, t, weight=weight), entropy, 64)
    mean = sum(losses[-50:]) / 50
    # the premise: flat near ln 4, where it began, and over 1.1 times the chance given
    assert abs(losses[0] / math.log(4) - 1) < 0.1 and abs(mean / losses[0] - 1) < 0.1 and mean > 1.1 * entropy
    assert report.status == "not_learning", report.reading.words
    assert f"its first loss, {losses[0]:.3g} at training step 1, was already" in report.reading.words
    assert "the loss has stayed there: no step took it up" in report.reading.words, report.reading.words
    assert "check chance_loss" in report.reading.remedy and "lower the learning rate" not in report.reading.remedy


def test_an_l1_loss_on_noise_far_from_zero_that_came_down_to_chance_says_so():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(100_000, 20, generator=g)
    y = 50 + 10 * torch.randn(100_000, 1, generator=g)  # pure noise about 50, unrelated to x
    chance = float((y - y.median()).abs().mean())
    report, losses = _run(_mlp(1), x, y, F.l1_loss, chance, 8)
    mean = sum(losses[-50:]) / 50
    assert losses[0] > 4 * chance and mean < 2 * chance, (losses[0], mean, chance)  # the premise: came down near it
    words, remedy = report.reading.words, report.reading.remedy
    assert report.status == "not_learning", words
    assert "have not come to them" not in words and "raise the learning rate" not in remedy, (words, remedy)
    if mean > 1.1 * chance:  # above chance by its batches' noise: said as a loss that came down near it
        assert "came down from it to near chance and no further" in words, words
