"""Blow-ups of two speeds dated from where the loss left its level (issue 17, W30 walkthrough finding 4): a learning
rate set to 50 at step 151 read 'the loss grew first, from 0.0181 ... between steps 147 and 155', 0.0181 being one
noisy batch of a level the loss kept to step 151; a rate raised 1.25 times a step from step 151 read 'from 1.27 ...
between steps 170 and 179', the loss having climbed, noisily, from 0.028 at step 157. The walkthrough's runs (a GELU
MLP, SGD with momentum 0.9, every="auto"); references: the script's own loss at every step, and the test's own date
of the climb (tests/climb_reference.py). A third, slower (1.15 times a step), climbs through dips (W31: a dip to 1.77
inside a climb from 0.496 read 'from 1.77 ...')."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from climb_reference import climb_start  # noqa: E402


def _blow(speed: str):
    torch.manual_seed(1)
    x = torch.randn(2048, 10)
    y = (x @ torch.randn(10, 3)).argmax(1)
    model = nn.Sequential(nn.Linear(10, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    with Monitor(model, chance_loss=math.log(3)) as mon:
        for t in range(260):
            k = t - 150
            lr = 0.05 if k < 0 else 50.0 if speed == "fast" else 0.05 * (1.25 if speed == "tens" else 1.15) ** k
            for g in opt.param_groups:
                g["lr"] = lr
            i = torch.randint(0, 2048, (64,))
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
    return mon.report(), losses


@pytest.mark.parametrize("speed", ["fast", "tens", "slow"])
def test_the_climb_is_dated_from_where_the_loss_left_its_level(speed):
    report, losses = _blow(speed)
    nan_at = next(t for t, v in enumerate(losses, 1) if not math.isfinite(v))
    assert report.reading.status == Status.DIVERGED
    finite = losses[:nan_at - 1]
    start = climb_start(finite)
    # the premises, from the script's own record: fast, a level to step 151 and a jump; tens, a climb over 10 steps
    if speed == "fast":
        assert start + 1 == 151 and max(finite[140:151]) < 0.2 < 100 < finite[151], finite[140:153]
    elif speed == "tens":
        assert nan_at - 1 - (start + 1) > 10 and finite[start] < 0.2, (start, finite[start])
    words = report.reading.words
    assert f"the loss grew first, from {finite[start]:.3g} to {finite[-1]:.3g} (" in words, words
    assert f"between steps {start + 1} and {nan_at - 1} (each update's batch loss)" in words, words
