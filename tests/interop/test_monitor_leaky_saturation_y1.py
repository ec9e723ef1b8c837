"""A LeakyReLU unit on its leak is saturated only where the leak's slope is under 1% of f''s maximum (issue 17, W30
walkthrough finding 6): at a slope of exactly 0.01 the units on the leak sat on the line, and float32's rounding read
'32 of 64 units saturated' at 0.01 and none at 0.02, the same state. One rule (instruments.saturation_limit) for the
engine's count and the monitor's. Reference: the leak's own derivative, the slope, on every input sent below 0."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.activations import get  # noqa: E402
from actlab.instruments import saturated_mask  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


@pytest.mark.parametrize(("slope", "saturated"), [(0.001, True), (0.005, True), (0.01, False), (0.02, False)])
def test_units_on_the_leak_are_saturated_only_under_one_percent(slope, saturated):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(slope), nn.Linear(8, 2))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every input lands on the leak
    x = torch.randn(32, 4)
    with torch.no_grad():
        assert (model[0](x) < 0).all()  # the premise
    mon = Monitor(model, every=1)
    with mon.step():
        model(x).sum().backward()
    assert mon.report().layers[0].saturated == (8 if saturated else 0)
    # the engine's count, on the same derivatives (the slope on every point), in float32 and in float64
    record = get("leaky_relu", negative_slope=slope)
    for dtype in (np.float32, np.float64):
        derivs = np.full((32, 8), slope, dtype=dtype)
        outputs = np.full((32, 8), -1.0, dtype=dtype)
        assert int(saturated_mask(record, derivs, outputs).sum()) == (8 if saturated else 0)
