"""Inputs offset far from 0 that saturate the first Tanh layer read as unscaled inputs with the standardising remedy,
though their root mean square is under the RMS-100 line (issue 17, W74 walkthrough finding 10: an offset of 60 held 59
of 64 first-layer units in the tails and read only '60 of 128 hidden units are saturated', with no remedy).
References: the inputs' root mean square and each unit's mean |f'| on the last batch, both computed here."""

from __future__ import annotations

import re

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _train(offset: float, steps: int = 60):
    torch.manual_seed(0)
    x0 = torch.randn(2000, 10)
    y = (x0 @ torch.randn(10, 3)).argmax(1)
    x = x0 + offset
    model = nn.Sequential(nn.Linear(10, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=1, chance_loss=float(torch.log(torch.tensor(3.0))))
    batch = None
    for _ in range(steps):
        batch = torch.randint(0, 2000, (128,))
        monitored_step(mon, model, x[batch], y[batch], opt)
    return mon.report(), model, x[batch]


def test_offset_inputs_that_saturate_the_first_layer_read_unscaled():
    report, model, last = _train(60.0)
    r = report.reading
    assert r.status is Status.UNSCALED_INPUTS, r.words
    rms = float(last.square().mean().sqrt())
    assert 3 < rms < 100  # the premise: under the line that alone would call them unscaled
    assert f"their root mean square is {rms:.3g}" in r.words
    said = int(re.search(r"and (\d+) of the 64 units of module '1' \(Tanh\) are saturated", r.words).group(1))
    # the monitor read the batch before the last update: mean |f'| of each unit under 1% of tanh's peak, counted
    # here on the weights as they were (the update moves them by lr 1e-3 a coordinate)
    with torch.no_grad():
        d = 1 - torch.tanh(model[0](last)).square()
    direct = int((d.mean(0) < 0.01).sum())
    assert direct >= 32 and abs(said - direct) <= 2, (said, direct)
    assert r.remedy.startswith("Standardise each input column to mean 0 and variance 1")


def test_the_same_inputs_standardised_do_not():
    r = _train(0.0)[0].reading
    assert Status.UNSCALED_INPUTS not in {f.status for f in r.findings}, r.words
    assert "saturated" not in r.words
