"""Issue 17 (W46 walkthrough, finding 3): 12 of 32 tanh units held in saturation were counted on the layer's line,
and the headline ('starting: gradients reach every layer ...') said nothing of them, where dead units are said there.
The headline now counts saturated units as it counts dead ones. Reference: the test's own count of units whose mean
|f'| over every batch is under 1% of f''s peak."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(act, pinned):
    g = torch.Generator().manual_seed(0)
    x_all = torch.randn(2048, 16, generator=g)
    y_all = (x_all @ torch.randn(16, 3, generator=g)).argmax(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), act, nn.Linear(32, 3))
    with torch.no_grad():
        model[0].weight[:pinned] *= 0.05
        model[0].bias[:pinned] = 8.0  # tanh(8): f' = 4.5e-7; a ReLU unit there is always on
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    low = torch.zeros(32, dtype=torch.bool)
    with Monitor(model, every=1, chance_loss=math.log(3)) as mon:
        for _ in range(20):
            i = torch.randint(0, 2048, (128,), generator=g)
            with mon.step() as s:
                z = model[0](x_all[i])
                loss = nn.functional.cross_entropy(model[2](model[1](z)), y_all[i])
                loss.backward()
                s.loss = loss
            low = (1 - torch.tanh(z.detach()) ** 2).mean(0) < 0.01  # the last batch's, as the count is
            opt.step()
            opt.zero_grad()
    return mon.report(), int(low.sum())


@pytest.mark.parametrize("pinned", [12, 1])
def test_saturated_tanh_units_are_said_in_the_headline(pinned):
    rep, own = _run(nn.Tanh(), pinned)
    assert own == pinned  # the premise
    (row,) = rep.layers
    assert row.saturated == own
    verb = "is" if own == 1 else "are"
    assert (f"; {own} of 32 hidden units {verb} saturated (a mean |f'| under 1% of its peak, or outputs nearer "
            "a level") in rep.reading.words


def test_no_saturated_units_no_words_and_a_relu_is_never_said_saturated():
    rep, own = _run(nn.Tanh(), 0)
    assert own == 0 and "saturated" not in rep.reading.words
    rep, _ = _run(nn.ReLU(), 12)  # units always on: no f' near 0; and a ReLU's low ones are 'rarely active'
    assert "saturated" not in rep.reading.words


def test_a_hand_written_silus_gate_open_at_1_is_not_said_saturated():
    # W47 walkthrough, finding 6: x * torch.sigmoid(x) with 7 units pushed far positive (the SiLU linear there, its
    # slope about 1) read '12 of 32 hidden units are saturated (... little gradient passes back through them)'
    class Swish(nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(x)

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), Swish(), nn.Linear(32, 3))
    with torch.no_grad():
        model[0].weight[:7] *= 0.05
        model[0].bias[:7] = 12.0  # the gate at 1: the SiLU passes the gradient through
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    x = torch.randn(256, 16)
    with mon.step() as s:
        z = model[0](x)
        a = model[1](z)
        loss = nn.functional.cross_entropy(model[2](a), torch.randint(0, 3, (256,)))
        loss.backward()
        s.loss = loss
    silu_slope = (torch.sigmoid(z) * (1 + z * (1 - torch.sigmoid(z)))).mean(0)  # the SiLU's own f', per unit
    assert (silu_slope[:7] > 0.99).all()  # the premise: those units pass gradient
    rep = mon.report()
    assert any("is a sigmoid used as a gate" in n for n in rep.notes)
    assert "saturated" not in rep.reading.words, rep.reading.words
