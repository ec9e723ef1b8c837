"""Issue 17, W78 walkthrough finding 6: a regression MLP on 12 columns of scales from 0.01 to 8,000 (root mean square
2.95e3) diverged at step 3, and the reading led its remedy with 'Lower the learning rate (a tenth is a good first
try)', the inputs only in an 'also'; a tenth of the rate diverged at step 3 all the same, and standardising alone made
the run healthy. A divergence beside inputs past the RMS-100 line now names them in its headline and leads its remedy
with standardising them. References: the script's own inputs (their root mean square), and the same run standardised
(healthy), run here."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

STANDARDISE = "Standardise each input column to mean 0 and variance 1 before training"


def _run(lr: float, standardise: bool):
    torch.manual_seed(0)
    scales = torch.logspace(-2, math.log10(8000), 12)
    x = torch.randn(2048, 12) * scales + scales
    y = (x / scales) @ torch.randn(12, 1) * 0.3
    y = (y - y.mean()) / y.std()
    if standardise:
        x = (x - x.mean(0)) / x.std(0)
    model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    mon = Monitor(model, every=1, chance_loss=1.0)
    for _ in range(60):
        i = torch.randint(0, 2048, (64,))
        monitored_step(mon, model, x[i], y[i], opt, F.mse_loss)
    reading = mon.report().reading
    mon.close()
    return reading, float(x.square().mean().sqrt())


@pytest.mark.parametrize("lr", [0.01, 0.001])
def test_a_divergence_on_unscaled_inputs_leads_with_the_inputs(lr):
    reading, rms = _run(lr, standardise=False)
    assert reading.status is Status.DIVERGED, reading.words
    said = reading.findings[0].evidence["input_rms"]
    assert abs(said / rms - 1) < 0.3, (said, rms)  # a sampled batch's against the whole set's
    assert f"the inputs are unscaled (their root mean square is {said:.3g})" in reading.words, reading.words
    assert reading.remedy.startswith(STANDARDISE), reading.remedy
    assert "Then, if it still blows up: " in reading.remedy


def test_the_same_run_standardised_is_healthy_and_says_nothing_of_it():
    reading, _ = _run(0.01, standardise=True)
    assert reading.status is Status.HEALTHY, reading.words
    assert STANDARDISE not in reading.remedy
