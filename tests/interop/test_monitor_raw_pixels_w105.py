"""Issue 17, W105 walkthrough finding 1: raw 0-255 pixels (root mean square 77, under the 100 past which inputs
read 'unscaled' on their own) into a small CNN with no normalisation killed every unit of its first ReLU layer on 3
seeds of 3. The reading blamed the learning rate, ReLU and the initialisation, and said the inputs once in passing;
the same net on standardised inputs reached 100%. A first layer half dead or more beside inputs past the
standardised scale now reads as the unscaled inputs it is. References: the script's own forward (every unit of the
first layer at 0 on the whole training set), the control's accuracy."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import batch_at, monitored_step  # noqa: E402


def _images(n=3000):
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (n,), generator=g)
    x = torch.rand(n, 1, 12, 12, generator=g) * 80
    for q in range(4):
        r, c = divmod(q, 2)
        x[y == q, 0, r * 6 + 1:r * 6 + 5, c * 6 + 1:c * 6 + 5] += 150
    return x.clamp(0, 255).round(), y


def _run(standardise: bool, steps: int = 150):
    x, y = _images()
    if standardise:
        x = (x - x.mean()) / x.std()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1),
                          nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    with Monitor(model, every=2, chance_loss=math.log(4)) as mon:
        for t in range(steps):
            i = batch_at(t, len(x), 50)
            monitored_step(mon, model, x[i], y[i], opt)
    with torch.no_grad():
        first = model[1](model[0](x))
        accuracy = float((model(x).argmax(1) == y).float().mean())
    return mon.report(), first, accuracy


def test_raw_pixels_that_kill_the_first_layer_read_as_unscaled_inputs():
    report, first, accuracy = _run(standardise=False)
    assert not (first > 0).any() and accuracy < 0.35  # the premise: the first layer is dead, nothing learned
    r = report.reading
    assert r.status == "unscaled_inputs", r.words
    said = re.search(r"root mean square is ([\d.]+), and (\d+) of the 8 units of module '1' \(ReLU\) are dead", r.words)
    assert said, r.words
    assert float(said[1]) == pytest.approx(77, abs=2) and int(said[2]) >= 4
    assert r.remedy.startswith("Standardise each input column"), r.remedy
    # (the normalisation named for a convolution's inputs too: W106 walkthrough finding 7, 'BatchNorm1d before the
    # first layer' of a Conv2d model)
    assert "BatchNorm2d before a Conv2d one" in r.remedy, r.remedy
    assert any(f.status in ("dead_layer", "vanishing", "no_gradient") for f in r.others), [f.status for f in r.others]


def test_the_same_net_on_standardised_pixels_learns_and_reads_no_input_scale():
    report, _, accuracy = _run(standardise=True)
    assert accuracy > 0.9
    r = report.reading
    assert r.status == "healthy" and "root mean square" not in r.words, r.words
