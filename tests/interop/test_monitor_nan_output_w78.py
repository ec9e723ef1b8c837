"""Issue 17, W78 walkthrough finding 7: a run whose update wrote NaN into the output layer's weight and bias (every
hidden layer's still finite) read 'every watched activation is finite: it starts in the loss'. The output layer sits
after the last watched activation, so its own parameters are now looked at there. References: the script's own
torch.isfinite of each parameter; a NaN put in the targets is the control that still starts in the loss."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


@pytest.mark.parametrize("where", ["output", "targets"])
def test_a_nan_in_the_output_layers_parameters_is_placed_there(where):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = Monitor(model, every=1, chance_loss=1.0)
    for step in range(16):  # (the last step's optimiser step is not taken: it would spread the NaN everywhere)
        if step == 15 and where == "output":  # as an update that overflowed would leave them
            with torch.no_grad():
                model[4].weight[0, 3] = math.nan
                model[4].bias[0] = math.inf
        x = torch.randn(32, 8)
        y = x[:, :1].clone()
        if step >= 15 and where == "targets":
            y[0] = math.nan
        with mon.step() as s:
            loss = F.mse_loss(model(x), y)
            loss.backward()
            s.loss = loss
        if step < 15:
            opt.step()
        opt.zero_grad()
    reading = mon.report().reading
    mon.close()
    bad = [n for n, p in model.named_parameters() if not bool(torch.isfinite(p).all())]
    assert reading.status.value == "diverged", reading.words
    if where == "output":
        assert set(bad) >= {"4.weight", "4.bias"} and not any(n.startswith(("0.", "2.")) for n in bad), bad
        assert ("every watched activation is finite, and the output layer's '4.weight' and '4.bias' hold NaN or "
                "infinite values: it starts there") in reading.words, reading.words
    else:
        assert "it starts in the loss" in reading.words or "began in the loss" in reading.words, reading.words
        assert "the output layer's" not in reading.words
