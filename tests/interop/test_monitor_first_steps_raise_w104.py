"""Issue 17, W104 walkthrough finding 3: a fresh run whose first two batches raised inside `with mon.step()` (a corrupt
batch) read 'the monitor began at training step 3, in a run resumed, whose loss need not begin near chance': its
first loss came at step 3, and a first loss after step 1 had been taken for a resumed run's. A run is resumed where
the monitor was told so (Monitor(first_step=N)). Reference: the script's own first loss, against ln 3."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(first_step: int = 1, raised: int = 2, steps: int = 3):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2048, 10, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    losses = []
    with Monitor(model, every=1, chance_loss=math.log(3), first_step=first_step) as mon:
        for t in range(steps):
            try:
                with mon.step() as s:
                    i = torch.randint(0, 2048, (64,), generator=g)
                    if t < raised:
                        raise RuntimeError("corrupt batch")
                    loss = F.cross_entropy(model(x[i]), y[i])
                    loss.backward()
                    s.loss = loss
                    losses.append(float(loss.detach()))
                opt.step()
                opt.zero_grad()
            except RuntimeError:
                pass
        return mon.report(), losses


def test_a_fresh_run_whose_first_batches_raised_is_not_called_resumed():
    report, losses = _run()
    assert losses[0] == pytest.approx(1.18, abs=0.05) and losses[0] > 0.9 * math.log(3)  # the premise: near chance
    r = report.reading
    assert report.step == 3 and r.status == "starting", r.words
    assert "resumed" not in r.words and "every run begins near chance" in r.words, r.words
    assert any("raised" in n for n in report.notes), report.notes


def test_a_run_resumed_after_step_300_still_says_so():
    report, _ = _run(first_step=301, raised=0, steps=2)
    assert report.step == 302
    assert "the monitor began at training step 301, in a run resumed" in report.reading.words, report.reading.words
