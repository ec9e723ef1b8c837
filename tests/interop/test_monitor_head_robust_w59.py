"""A bounded output under a Huber or smooth L1 loss whose targets lie beyond its range (W59 walkthrough finding 6: a
Tanh head over targets 58% of them beyond +-1 read 'healthy' under nn.HuberLoss and nn.SmoothL1Loss, 86% of the loss
out of reach). Their gradient gives each output's target where the clamp does not bite, and only the nearest it can
be where it does: the figures are checked here against the targets of the batches read, equal where no clamp bit and
never above them where one did."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_head import HEAD_BATCHES  # noqa: E402
from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

MARGIN = 0.01  # tanh's saturation limit


def _data(scale):
    torch.manual_seed(0)
    x = torch.randn(2048, 8)
    return x, torch.tanh(x[:, :1]) * scale + 0.2 * x[:, 1:2]


def _train(loss_fn, y, steps=200, lr=1e-2):
    """A Tanh-headed MLP trained with ``loss_fn`` on (x, y): the monitor, its report, and the targets and the outputs
    of the batches of the last HEAD_BATCHES steps (each step's forward before its update)."""
    x, _ = _data(1.0)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1), nn.Tanh())
    opt = torch.optim.Adam(model.parameters(), lr)
    mon = Monitor(model, every=1, chance_loss=float(y.var()))
    seen = []
    for _ in range(steps):
        i = torch.randint(0, len(x), (128,))
        monitored_step(mon, model, x[i], y[i], opt, loss_fn=loss_fn)
        seen = (seen + [y[i]])[-HEAD_BATCHES:]
    return mon, mon.report(), torch.cat(seen)


def _huber(d, delta):
    a = d.abs()
    return torch.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def _truth(seen):
    over = (seen - seen.clamp(-1, 1)).double()
    return (over.abs() > MARGIN).double().mean().item(), over


@pytest.mark.parametrize("loss_fn, each", [
    (nn.HuberLoss(delta=10.0), lambda d: _huber(d, 10.0)),
    (nn.SmoothL1Loss(beta=10.0), lambda d: _huber(d, 10.0) / 10.0),
    (lambda out, y: F.huber_loss(out, y, reduction="sum", delta=10.0), lambda d: 128 * _huber(d, 10.0)),
], ids=["huber", "smooth-l1", "huber-sum"])
def test_where_no_clamp_bites_the_figures_are_the_targets_own(loss_fn, each):
    """A delta (beta) of 10 over targets within 3.2 of every output: each output's target is read exactly."""
    _, y = _data(2.5)
    mon, report, seen = _train(loss_fn, y)
    beyond = mon._output_beyond()
    share, over = _truth(seen)
    assert share > 0.25 and report.status == Status.OUTPUT_SATURATED
    assert beyond.share == pytest.approx(share, abs=1e-9) and not beyond.at_least
    assert beyond.floor == pytest.approx(each(over).mean().item(), rel=1e-4)  # a batch's loss that cannot go
    assert f"on {share:.0%} of the outputs" in report.reading.findings[0].words


@pytest.mark.parametrize("loss_fn", [nn.HuberLoss(), nn.SmoothL1Loss(), nn.HuberLoss(delta=0.3)],
                         ids=["huber", "smooth-l1", "huber-0.3"])
def test_where_the_clamp_bites_the_figures_are_the_least_they_can_be_w59(loss_fn):
    """W59's case: targets up to 3.5 beyond +-1 under the default delta (beta) of 1: the share and the floor said
    are never above the targets' own, and the words say 'at least'."""
    _, y = _data(2.5)
    mon, report, seen = _train(loss_fn, y)
    beyond = mon._output_beyond()
    share, over = _truth(seen)
    delta = getattr(loss_fn, "delta", None) or loss_fn.beta
    floor = (_huber(over, delta) / (1.0 if isinstance(loss_fn, nn.HuberLoss) else delta)).mean().item()
    assert beyond.at_least and share * 0.8 <= beyond.share <= share + 1e-9
    assert 0 < beyond.floor <= floor * (1 + 1e-6)
    assert report.status == Status.OUTPUT_SATURATED
    words = report.reading.findings[0].words
    assert f"on at least {beyond.share:.0%} of the outputs" in words
    # no share of the loss from a bound (W60: 'at least 0.0188 of the loss (6% of 0.302)', 65% out of reach)
    assert f"so at least {beyond.floor:.3g} of the loss (a batch's mean is " in words and "a bound only" in words
    assert f"{beyond.floor / beyond.loss:.0%} of {beyond.loss:.3g}" not in words


def test_targets_in_range_under_huber_are_not_read_as_beyond():
    _, y = _data(0.8)
    y = y.clamp(-0.95, 0.95)
    mon, report, _ = _train(nn.HuberLoss(), y)
    assert mon._output_beyond() is not None and mon._output_beyond().share == 0
    assert report.status == Status.HEALTHY


def test_a_broadcast_target_under_huber_is_not_read():
    """(128, 1) outputs against (128,) targets: F.huber_loss broadcasts them to 128 x 128 (its mean is over 16,384
    values, not 128) and warns; the loss its outputs' distances give is not the loss, so nothing is read."""
    _, y = _data(2.5)
    with pytest.warns(UserWarning, match="target size"):
        mon, _, _ = _train(nn.HuberLoss(delta=10.0), y[:, 0], steps=30)
    assert mon._output_beyond() is None
