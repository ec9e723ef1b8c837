"""W56 walkthrough finding 1: a column of NaN in the inputs (or a constant column divided by its std of 0) read
'diverged ... the first watched activation holding a NaN or an inf is module '1' (ReLU)' with 'Lower the learning
rate (a tenth is a good first try) or clip the gradients' norm', though the batch loss was NaN on step 1, before any
update. The inputs are read now, and a NaN there leads the reading and its remedy. The reference: the inputs the test
builds; a NaN made inside the model from finite inputs is the control."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class LogInside(nn.Module):
    """A log of a value that goes below 0 inside the model: the NaN is the model's, the inputs are finite."""

    def __init__(self):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10)

    def forward(self, x):
        return self.fc2(torch.log(self.act(self.fc1(x)) - 0.5))


@pytest.mark.parametrize(("every", "nan_inputs"), [("auto", True), (1, True), (1, False)])
def test_a_nan_in_the_inputs_leads_the_divergence_and_its_remedy(every, nan_inputs):
    torch.manual_seed(0)
    x = torch.randn(4000, 20)
    y = torch.randint(0, 10, (4000,))
    if nan_inputs:
        x[:, 7] = float("nan")
    torch.manual_seed(1)
    model = (nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
             if nan_inputs else LogInside())
    opt = torch.optim.AdamW(model.parameters(), 1e-3)
    mon = Monitor(model, every=every, chance_loss=math.log(10))
    for _ in range(40):
        i = torch.randint(0, 4000, (64,))
        monitored_step(mon, model, x[i], y[i], opt)
    r = mon.report().reading
    assert r.status.value == "diverged", r.words
    if nan_inputs:
        assert "the model's inputs hold a NaN or an inf: the first weighted module, '0' (Linear), got one on " \
               "training step" in r.words, r.words
        assert r.remedy.startswith("The inputs hold a NaN or an inf before any layer runs"), r.remedy
        assert "Lower the learning rate" not in r.remedy
    else:
        assert "inputs hold a NaN" not in r.words and "The inputs hold" not in r.remedy, r.words
