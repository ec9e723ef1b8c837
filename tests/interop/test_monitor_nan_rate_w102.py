"""A learning rate raised during the climb to a NaN is named as its likeliest cause, though the climb is dated from a
step before the raise (issue 17, W102 walkthrough finding 1: SGD's rate set from 0.05 to 3 at step 201, the batch
losses 0.88, 0.94, 1.17 at steps 199 to 201, then 14.9 at 202 and NaN at 209, read 'The learning rate was 0.05 at every
optimiser step from training step 189 to 199 ... if the data changed at training step 200, look there first').
Reference: the rates the test sets, and its own record of each step's batch loss."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402


def _run(raise_to: float | None, scale_inputs: float = 1.0, seed: int = 0):
    """A 3-layer GELU MLP under SGD (lr 0.05, momentum 0.9) on noisy clusters (the walkthrough's: ten centres of scale
    0.5, noise of std 1.5); from step 201, the rate ``raise_to`` or the inputs times ``scale_inputs``. Returns the
    report after 260 steps and the batch losses, step 1 first."""
    x, y = clusters(spread=0.5, n=3072, dim=20)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(20, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(),
                          nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    g = torch.Generator().manual_seed(seed)
    losses = []
    for step in range(1, 261):
        if step == 201 and raise_to is not None:
            for group in opt.param_groups:
                group["lr"] = raise_to
        idx = torch.randint(0, len(x), (64,), generator=g)
        batch = x[idx] * (scale_inputs if step > 200 else 1.0)
        losses.append(float(monitored_step(mon, model, batch, y[idx], opt).detach()))
    report = mon.report()
    mon.close()
    return report, losses


@pytest.mark.parametrize("seed", [0, 5])  # (the seeds whose climb is dated from step 199 or 200, before the raise)
def test_a_rate_raised_in_the_climb_to_nan_is_named(seed):
    report, losses = _run(3.0, seed=seed)
    # the premise: finite up to the raise, NaN or inf some steps after it
    assert all(math.isfinite(v) for v in losses[:201]) and not math.isfinite(losses[-1])
    assert report.status == "diverged"
    assert report.reading.findings[0].evidence["climb_from"] < 201  # dated before the raise, as the walkthrough's
    assert report.reading.remedy.startswith("The learning rate went from 0.05 to 3 at the optimiser's step of training "
                                            "step 201, before the first NaN or inf: the likeliest cause"), \
        report.reading.remedy


@pytest.mark.parametrize("scale", [1e4])
def test_a_climb_to_nan_at_an_unchanged_rate_names_no_rate(scale):
    report, losses = _run(None, scale)
    assert not math.isfinite(losses[-1]), losses[195:215]  # the premise: the inputs took it to NaN
    assert report.status == "diverged"
    assert "the likeliest cause" not in report.reading.remedy, report.reading.remedy
