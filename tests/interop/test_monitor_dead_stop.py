"""Issue 17 (R14's leftover): under the Monitor, dead units that stop the signal passed back are named at the layer
whose units stop it.

R14 read the engine's signals (||dL/dz||, where the fall from layer l+1 to layer l is made at layer l's units) and
left the Monitor out: its signals are ||dL/da||, and dL/da_l = W_{l+1}^T (f'_{l+1} * dL/da_{l+1}), so the fall is
made at layer l+1's units. Here the middle ReLU has 7 of its 8 units dead and the eighth on for one sample only, whose
loss gradient is near 0: ||dL/da|| falls from the middle ReLU's output to the first ReLU's by about 1e-8. The Monitor
read 'vanishing'; it now reads the dead units of the middle ReLU. The references: the gradients from autograd and the
units counted from the activations."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402
from interop.test_torch_monitor import _half_sse  # noqa: E402  (half the mean squared error)


def _stopped_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                          nn.Linear(8, 1)).double()
    x = torch.randn(32, 4, dtype=torch.float64)
    with torch.no_grad():
        model[0].bias.fill_(1.0)  # the first ReLU: every unit on
        h = model[1](model[0](x))
        model[2].bias.fill_(-1e4)  # the middle ReLU: 7 units off on every input ...
        pre = h @ model[2].weight[7]  # ... and the eighth on for sample 0 alone
        top = pre.max()
        model[2].bias[7] = -(top + pre[pre < top].max()) / 2
        model[4].bias.fill_(1.0)  # the last ReLU: on (its input is the middle ReLU's, mostly 0, plus this bias)
        y = model(x) + 1.0  # every sample's error is 1 ...
        y[int(pre.argmax())] = model(x)[int(pre.argmax())] + 1e-9  # ... but the one the eighth unit sees: 1e-9
    return model, x, y


def test_a_layer_of_dead_units_that_stops_the_signal_is_named_under_the_monitor():
    model, x, y = _stopped_model()
    seen = {}

    def keep(k):
        def hook(module, inputs, output):
            seen.setdefault(f"on{k}", []).append((output > 0).any(0))
            output.register_hook(lambda g: seen.update({f"g{k}": float(g.norm())}))
        return hook

    for k in (1, 3, 5):
        model[k].register_forward_hook(keep(k))
    # the loss is test_torch_monitor's, half the mean squared error, so chance is half the targets' variance
    with Monitor(model, every=1, chance_loss=float(y.var()) / 2) as mon:
        for _ in range(6):
            monitored_step(mon, model, x, y, loss_fn=_half_sse)
            model.zero_grad()
    dead = {k: int((~torch.stack(seen[f"on{k}"]).any(0)).sum()) for k in (1, 3, 5)}
    assert dead == {1: 0, 3: 7, 5: 0}  # the premise: the middle ReLU alone has dead units
    assert seen["g1"] < 1e-6 * seen["g3"]  # the premise: the signal falls across the middle ReLU's units
    report = mon.report()
    assert [l.dead for l in report.layers] == [0, 7, 0]
    finding = next(f for f in report.reading.findings if f.status is Status.DEAD_LAYER)
    assert finding.evidence["stop_layer"] == 2  # the middle ReLU, whose units make the fall
    assert "it stops at module '3' (ReLU)" in finding.words and "7 of its 8 units are dead" in finding.words
    assert finding.evidence["first_to_last_signal_ratio"] == pytest.approx(seen["g1"] / seen["g5"], rel=1e-6)
    assert all(f.status is not Status.VANISHING for f in report.reading.findings)
    assert math.isfinite(report.output_grad_norm)
