"""Units held flat behind a normalisation are told to look at that normalisation's own bias and weight, not to add
one (issue 17, W73 walkthrough finding 7: a conv net flat behind BatchNorm layers whose bias was far below 0 was told
to 'normalise the layer's inputs (LayerNorm or BatchNorm)'). Reference: each unit's input after the BatchNorm,
computed here, all far in the flat tail."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(act, norm: bool):
    torch.manual_seed(0)
    middle = [nn.Linear(32, 32), nn.BatchNorm1d(32)] if norm else [nn.Linear(32, 32)]
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), *middle, act, nn.Linear(32, 3))
    with torch.no_grad():
        middle[-1].bias.fill_(-30.0)
        if not norm:
            middle[-1].weight.mul_(0.01)
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    g = torch.Generator().manual_seed(1)
    x_all = torch.randn(2000, 10, generator=g)
    y_all = (x_all @ torch.randn(10, 3, generator=g)).argmax(1)
    for _ in range(30):
        i = torch.randint(0, 2000, (128,), generator=g)
        monitored_step(mon, model, x_all[i], y_all[i], opt)
    with torch.no_grad():
        model.train()
        z = model[:len(middle) + 2](x_all[:512])
    return mon.report().reading, z


@pytest.mark.parametrize("act", [nn.GELU(), nn.ReLU()], ids=["gelu", "relu"])
def test_a_layer_flat_behind_a_batchnorm_is_told_to_check_its_bias(act):
    reading, z = _run(act, norm=True)
    assert float(z.max()) < -6  # the premise: every unit's input far in the flat tail, set by the BatchNorm's bias
    assert "module '3' (BatchNorm1d) runs just before it, so its own bias (beta) and weight (gamma) set where the " \
        "units sit" in reading.remedy, reading.remedy
    assert "normalise the layer's inputs" not in reading.remedy


def test_with_no_normalisation_before_it_the_remedy_offers_one():
    reading, z = _run(nn.GELU(), norm=False)
    assert float(z.max()) < -6
    assert "normalise the layer's inputs (LayerNorm or BatchNorm)" in reading.remedy, reading.remedy
    assert "BatchNorm1d" not in reading.remedy
