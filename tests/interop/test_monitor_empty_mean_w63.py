"""A NaN loss from a mean over nothing (issue 17, W63 walkthrough finding 1): every target the pad token, ignored by
cross-entropy, made its mean 0/0 from step 1, and the reading said 'diverged ... Lower the learning rate (a tenth is a
good first try)', the cause last. A NaN loss whose backward left every weight's gradient finite did not pass back
through the model: the reading says so and sends the reader to the batch's targets. References: the script's own
gradients (finite) and its own targets (all ignored)."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

PAD, V = 0, 6


def _run(loss_of, steps=6):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(V, 16), nn.Linear(16, 32), nn.GELU(), nn.Linear(32, V))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=1, chance_loss=math.log(V))
    finite = []
    for _ in range(steps):
        x = torch.randint(1, V, (8, 12))
        y = torch.full((8, 12), PAD)  # every target padding (a shifting bug)
        with mon.step() as s:
            logits = model(x)
            loss = loss_of(logits, y)
            loss.backward()
            s.loss = loss
        finite.append(all(bool(torch.isfinite(p.grad).all()) for p in model.parameters() if p.grad is not None))
        opt.step()
        opt.zero_grad()
    return mon.report().reading, finite


@pytest.mark.parametrize("loss_of", [
    lambda o, y: F.cross_entropy(o.reshape(-1, V), y.reshape(-1), ignore_index=PAD),
    # label smoothing and a second part (a z-loss): the cross-entropy is no longer the loss's own node
    lambda o, y: F.cross_entropy(o.reshape(-1, V), y.reshape(-1), ignore_index=PAD, label_smoothing=0.1)
    + 1e-4 * o.logsumexp(-1).square().mean(),
])
def test_a_nan_from_a_mean_over_no_target_points_at_the_targets(loss_of):
    r, finite = _run(loss_of)
    assert all(finite)  # the premise: the gradients stayed finite, the loss NaN
    assert r.status is Status.DIVERGED, r.words
    assert "every weight's gradient from it is finite" in r.words and "ignore_index (0 in this loss)" in r.words, \
        r.words
    assert "may already have written non-finite values" not in r.words
    assert r.remedy.startswith("Check the batch's targets and the loss's masks first"), r.remedy
    assert "Lower the learning rate" not in r.remedy and "lower the learning rate" not in r.remedy


def test_a_nan_that_passed_back_through_the_model_keeps_its_remedy():
    # a log of a value at 0 in the loss: its gradient is infinite, the weights' gradients NaN
    r, finite = _run(lambda o, y: torch.log(o.softmax(-1)[..., 0] * 0).mean(), steps=3)
    assert not all(finite)
    assert r.status is Status.DIVERGED and "every weight's gradient from it is finite" not in r.words, r.words
    assert not r.remedy.startswith("Check the batch's targets"), r.remedy
