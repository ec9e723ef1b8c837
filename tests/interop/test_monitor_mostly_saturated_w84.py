"""W84 walkthrough finding 3: a transformer trained at 30 times its learning rate read 'healthy: ... 334 of 768 hidden
units are saturated ..., 165 of 256 in module 'blocks.1.act' ...' with no remedy at any of its 60 sampled steps (at the
usual rate no unit was). A run that learns with half a layer's units saturated or more is now told what that costs and
what brings them back, as a run with half a layer dead is. Reference: the test's own count of the units whose input
sits far into GELU's flat tail on every point."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_learning_run_with_half_a_layer_saturated_gets_a_remedy():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 64), nn.GELU(), nn.Linear(64, 4))
    with torch.no_grad():
        model[0].bias[:40] = -30.0  # 40 of 64 units held far into GELU's flat tail
    x = torch.randn(1024, 8)
    y = (x[:, :4] + 0.3 * x[:, 4:]).argmax(1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    flat = []
    model[0].register_forward_hook(lambda m, i, o: flat.append((o < -10).all(0)))
    with Monitor(model, every=5, chance_loss=math.log(4)) as mon:
        for t in range(400):
            i = torch.randint(0, 1024, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, x[i], y[i], opt)
        report = mon.report()
    held = int(flat[-1].sum())
    assert held == 40 and report.layers[0].saturated == held  # the premise, and the count against it
    assert report.status == "healthy", report.reading.words
    assert "40 of 64 in module '1' (GELU)" in report.reading.words or "40 of 64 hidden units are saturated" in \
        report.reading.words, report.reading.words
    assert report.reading.remedy == (
        "Half or more of the units of module '1' (GELU) are saturated: little gradient passes back through them, so "
        "the layer learns with the rest. Where it needs them, try a lower learning rate (steps too large push a "
        "unit's inputs far out, where its function is flat) or inputs normalised before the layer (LayerNorm or "
        "BatchNorm)."), report.reading.remedy
