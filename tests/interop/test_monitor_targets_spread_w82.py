"""W82 walkthrough finding 5: a regression whose chance_loss was a tenth of its targets' variance read a batch's wiggle
as 'it has risen ... lower the learning rate', and nothing said chance_loss was too low; here a model whose loss came
down five times from its first read 'not learning ... 1.6 times chance'. Under a squared error the monitor reads the
targets back from the outputs and their gradient (t = a - g / (2 s)); where a constant guess of their mean gets over
4 times chance_loss, the loss is not judged and the words say why. References: the targets themselves (autograd on
the same outputs), the data set's own variance, and the run with chance_loss at that variance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_lossread import read_squared_error, squared_targets  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(2, 30), outputs=st.integers(1, 4), factor=st.sampled_from([1.0, 0.5, 1e-3, 7.0]),
       summed=st.booleans(), seed=st.integers(0, 10_000))
def test_the_targets_are_read_back_from_a_squared_errors_gradient(rows, outputs, factor, summed, seed):
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(rows, outputs, dtype=torch.float64, generator=gen).requires_grad_()
    t = 3 * torch.randn(rows, outputs, dtype=torch.float64, generator=gen) + 5
    loss = factor * F.mse_loss(a, t, reduction="sum" if summed else "mean")
    (g,) = torch.autograd.grad(loss, a)
    c, _, used = read_squared_error(g.numpy(), loss.item())
    stats = squared_targets(a.detach().numpy(), g.numpy(), c / used, float(np.finfo(np.float64).eps))
    want = t.numpy()
    assert stats[0] == pytest.approx(np.full(outputs, rows))
    assert stats[1] == pytest.approx(want.sum(axis=0), rel=1e-9, abs=1e-9)
    assert stats[2] == pytest.approx((want ** 2).sum(axis=0), rel=1e-9)


def test_targets_lost_in_the_outputs_rounding_are_not_read():
    """Outputs near 1e11 (a run blowing up) against targets spread by 3: each t = a - g / (2 s) carries about 1e4 of
    float32 rounding, so the targets are not read; at outputs near 1e3 they are, to 1e-4."""
    gen = torch.Generator().manual_seed(0)
    t = 3 * torch.randn(64, 1, generator=gen) + 1
    for scale, read in ((1e11, False), (1e3, True)):
        a = (scale * torch.randn(64, 1, generator=gen)).requires_grad_()
        loss = F.mse_loss(a, t)
        (g,) = torch.autograd.grad(loss, a)
        c, _, used = read_squared_error(g.double().numpy(), loss.item())
        stats = squared_targets(a.detach().double().numpy(), g.double().numpy(), c / used,
                                float(torch.finfo(torch.float32).eps))
        assert (stats is not None) == read, scale
        if read:
            assert stats[2] / 64 - (stats[1] / 64) ** 2 == pytest.approx(float(t.var(unbiased=False)), rel=1e-3)


def _data():
    torch.manual_seed(0)
    x = torch.randn(4096, 10)
    return x, torch.tanh(x @ torch.randn(10, 1) / 3) + 0.3 * torch.randn(4096, 1)


VARIANCE = float(_data()[1].var(unbiased=False))  # the constant guess's mean squared error on the whole set


def _run(chance: float, every, steps: int = 600):
    x, y = _data()
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    losses = []
    with Monitor(model, every=every, chance_loss=chance) as mon:
        for t in range(steps):
            i = torch.randint(0, 4096, (32,), generator=torch.Generator().manual_seed(t))
            losses.append(monitored_step(mon, model, x[i], y[i], opt, F.mse_loss, sample=t == steps - 1).item())
        return mon.report(), losses


@pytest.mark.parametrize("every", [1, "auto"])
def test_a_chance_loss_far_under_the_targets_variance_is_said_not_judged(every):
    report, losses = _run(VARIANCE / 10, every)
    assert sum(losses[-50:]) / 50 < 0.3 * losses[0]  # the premise: it learned, its loss down to under a third
    assert report.status == "flowing", report.reading.words
    words = report.reading.words
    assert "the loss is not judged: the targets, read back from the outputs and their gradient (96 values, 3 batches " \
           "from training step" in words, words
    guess = float(words.split("a constant guess of their mean gets a loss of about ")[1].split(",")[0])
    assert 0.5 * VARIANCE < guess < 2 * VARIANCE, (guess, VARIANCE)
    assert report.reading.remedy.startswith("Give Monitor(chance_loss=...) the loss of the best constant guess: for a "
                                            "mean squared error, the targets' variance over the whole training set")


def test_a_chance_loss_at_the_targets_variance_judges_the_loss():
    report, _ = _run(VARIANCE, 1)
    assert report.status == "healthy", report.reading.words
    assert "read back from the outputs and their gradient" not in report.reading.words
